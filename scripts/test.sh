#!/usr/bin/env bash
# The one test command: installs what tests need, type-checks, runs every test, and ends with
# "tests: N passed, N failed" (exit non-zero on any failure).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-test-env.sh || { echo "tests: 0 passed, 1 failed"; exit 1; }
mkdir -p .test-artifacts
rm -f .test-artifacts/vitest.json
typecheck=0
npx tsc -p . || typecheck=1
npx vitest run --reporter=default --reporter=json --outputFile.json=.test-artifacts/vitest.json "$@"
status=$?
node scripts/test-summary.mjs .test-artifacts/vitest.json "$status" "$typecheck"
