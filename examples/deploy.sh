#!/usr/bin/env bash
# Deploys one application through Shipgate from any CI system or a terminal, and says how it ended.
#   SHIPGATE_URL=https://shipgate.example.com SHIPGATE_TOKEN=… ./deploy.sh web staging compose.yaml 1.4.2
set -uo pipefail
app="${1:?application}" env="${2:?environment}" file="${3:?spec file}" tag="${4:?image tag}"

# The CLI: one file the server serves, run with Node 20+.
cli="${TMPDIR:-/tmp}/shipgate.mjs"
[ -s "$cli" ] || curl -fsSL "$SHIPGATE_URL/cli/shipgate.mjs" -o "$cli" || exit 5

node "$cli" deploy "$app" -e "$env" -f "$file" --param "TAG=$tag" --wait --timeout 30m
code=$?
case $code in
  0) echo "released $app $tag to $env" ;;
  1) echo "the release failed, was rejected or cancelled: see the diagnosis above" ;;
  2) echo "usage or validation error" ;;
  3) echo "refused by a gate or by access (the code is printed above)" ;;
  4) echo "timed out waiting; the release is left as it is" ;;
  *) echo "Shipgate or the runtime could not be reached" ;;
esac
exit $code
