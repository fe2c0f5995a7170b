#!/usr/bin/env bash
# Installs and starts what the test suite needs on a fresh machine, idempotently.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# PostgreSQL: the store suite and the HTTP scenarios run on it as well as on SQLite.
PG_URL="${SHIPGATE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "installing PostgreSQL"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! psql "$PG_URL" -qAtc 'select 1' >/dev/null 2>&1; then
  log "creating database test"
  runuser -u postgres -- psql -qc "create database test" >/dev/null 2>&1 || true
  runuser -u postgres -- psql -qc "alter user postgres with password null" >/dev/null 2>&1 || true
fi
psql "$PG_URL" -qAtc 'select 1' >/dev/null
log "PostgreSQL ready at $PG_URL"

# Node dependencies, from the lockfile.
if [ -n "${CI:-}" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
