#!/usr/bin/env bash
# Conformance: schemathesis (pinned, in a venv this script creates) against the emulator
# (`hookspec mock serve`, started here in the background) and each API's exported OpenAPI
# document (openapi/<api>.json), with a fixed seed. Any failure fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${HOOKSPEC_ST_VENV:-${TMPDIR:-/tmp}/hookspec-schemathesis-venv}"
if [ ! -x "$VENV/bin/schemathesis" ]; then
  python3 -m venv "$VENV"
  # Every package pinned (schemathesis 4.32.5 and what it needs), from PyPI.
  "$VENV/bin/pip" install --quiet --requirement .ci/schemathesis-requirements.txt
fi
"$VENV/bin/schemathesis" --version

cargo build -q -p hookspec-cli
BIN="${CARGO_TARGET_DIR:-target}/debug/hookspec"
PORT="${HOOKSPEC_ST_PORT:-18181}"
TOKEN="ci-admin-$RANDOM$RANDOM"
KEY="hookspec-test-key"
"$BIN" mock serve --port "$PORT" --admin-token "$TOKEN" 2>"${TMPDIR:-/tmp}/hookspec-st-serve.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

run() {
  local api="$1" header="$2"
  shift 2
  echo "schemathesis: $api"
  "$VENV/bin/schemathesis" "$@" run "openapi/$api.json" \
    --url "http://127.0.0.1:$PORT/$api" -H "$header" \
    --seed 20261127 --max-examples 50 --generation-database none \
    --no-color --output-truncate false
}
run omegastream "Authorization: Bearer $KEY"
run fivecents "X-API-Key: $KEY" --config-file .ci/schemathesis.toml
