#!/usr/bin/env bash
# Conformance: schemathesis (pinned, in a venv this script creates) against the emulator
# (`hookspec mock serve`, started here in the background) and each API's exported OpenAPI
# document (openapi/<api>.json), with a fixed seed. Any failure fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${HOOKSPEC_ST_VENV:-${TMPDIR:-/tmp}/hookspec-schemathesis-venv}"
# A venv left by an earlier run is reused only if it was made from these same pins.
PINS="$(sha256sum .ci/schemathesis-requirements.txt | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$(cat "$VENV/.pins" 2>/dev/null)" != "$PINS" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  # Every package pinned (schemathesis 4.32.5 and what it needs), from PyPI.
  "$VENV/bin/pip" install --quiet --requirement .ci/schemathesis-requirements.txt
  echo "$PINS" > "$VENV/.pins"
fi
"$VENV/bin/schemathesis" --version

cargo build -q -p hookspec-cli
BIN="${CARGO_TARGET_DIR:-target}/debug/hookspec"
PORT="${HOOKSPEC_ST_PORT:-18181}"
TOKEN="ci-admin-$RANDOM$RANDOM"
KEY="hookspec-test-key"
LOG="${TMPDIR:-/tmp}/hookspec-st-serve.log"
"$BIN" mock serve --port "$PORT" --admin-token "$TOKEN" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
# Ready when our emulator says it listens (a port that merely accepts connections may be
# another program's: testing that would say nothing about the emulator).
ready=""
for _ in $(seq 200); do
  kill -0 "$SERVER" 2>/dev/null || break
  grep -q "listening on http://127.0.0.1:$PORT" "$LOG" && { ready=1; break; }
  sleep 0.1
done
if [ -z "$ready" ]; then
  echo "schemathesis: the emulator did not start on port $PORT:" >&2
  cat "$LOG" >&2
  exit 1
fi

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
