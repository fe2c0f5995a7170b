#!/usr/bin/env bash
# The one test command: installs what tests need, runs the guard rails and every test, stops what it started, and ends
# with "tests: N passed, N failed" (exit non-zero on any failure).
set -uo pipefail
cd "$(dirname "$0")/.."
env_lines="$(bash scripts/setup-test-env.sh)" || { echo "tests: 0 passed, 1 failed"; exit 1; }
eval "$env_lines"

DOCKER_ROOT="${SHIPGATE_DOCKER_ROOT:-/var/lib/shipgate-test-docker}"
stop_started() {
  if [ -f "$DOCKER_ROOT/started-by-setup" ]; then
    kill "$(cat "$DOCKER_ROOT/dockerd.pid" 2>/dev/null)" 2>/dev/null || true
    for _ in $(seq 1 40); do [ -f "$DOCKER_ROOT/dockerd.pid" ] || break; sleep 0.25; done
    rm -f "$DOCKER_ROOT/started-by-setup"
  fi
}
trap stop_started EXIT

mkdir -p .test-artifacts
rm -f .test-artifacts/vitest.json
# The guard rails (types, lint, format and line width, architecture, dead code) count as one test.
checks=0
npm run -s check || checks=1
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-artifacts/vitest.json "$@"
status=$?
node scripts/test-summary.mjs .test-artifacts/vitest.json "$status" "$checks"
