#!/usr/bin/env bash
# Installs and starts what the test suite needs on a fresh machine, idempotently. Prints the environment the
# tests need as `export` lines on stdout (everything else goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
export DEBIAN_FRONTEND=noninteractive

# PostgreSQL: the store suite and the HTTP scenarios run on it as well as on SQLite.
PG_URL="${SHIPGATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt-get update -qq >&2 && apt-get install -y -qq postgresql >&2
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  log "creating database test"
  runuser -u postgres -- psql -qc "create database test" >&2 || true
fi
psql "$PG_URL" -qAtc 'select 1' >/dev/null
log "PostgreSQL ready at $PG_URL"

# The Docker engine with Compose v2, for the Compose runtime suite.
DOCKER_HOST_URL="$(bash scripts/setup-docker.sh)"
log "Docker engine ready at $DOCKER_HOST_URL"

# Debian's Chromium, for the browser tests (driven by playwright-core; no browser download).
if ! [ -x /usr/bin/chromium ]; then
  log "installing chromium"
  apt-get update -qq >&2 && apt-get install -y -qq chromium >&2
fi

# Node dependencies, from the lockfile.
if [ -n "${CI:-}" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# The web UI the server serves (and the browser tests drive), built from the current sources.
log "building the server, the web UI and the CLI"
npm run --silent build >&2

echo "export SHIPGATE_TEST_POSTGRES_URL='$PG_URL'"
echo "export DOCKER_HOST='$DOCKER_HOST_URL'"
