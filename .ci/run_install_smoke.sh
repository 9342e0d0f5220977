#!/usr/bin/env bash
# The run install on its own, as a newcomer gets it: the project built as a wheel (so missing package data shows),
# installed into a fresh venv without the test extras, started outside the checkout, ready, then analyses in both
# languages with every module ok, then SIGTERM and nothing of it left running.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d /tmp/rh-smoke-XXXXXX)"
SERVER=""
cleanup() {
    if [ -n "$SERVER" ] && kill -0 "$SERVER" 2>/dev/null; then kill -TERM "$SERVER"; wait "$SERVER" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

started=$(date +%s)
"$PYTHON" -m venv "$WORK/venv"
"$WORK/venv/bin/pip" wheel --disable-pip-version-check --no-deps -q -w "$WORK/dist" "$ROOT"
"$WORK/venv/bin/pip" install --disable-pip-version-check -q -c "$ROOT/constraints.txt" "$WORK"/dist/redheart-*.whl
echo "run install from the wheel: $(( $(date +%s) - started )) s"

cd "$WORK"  # not the checkout: every import and data file comes from the installed wheel
PORT="$("$WORK/venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
REDHEART_HOME="$WORK/home" "$WORK/venv/bin/redheart" serve --port "$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
if ! "$WORK/venv/bin/python" "$ROOT/.ci/smoke.py" "http://127.0.0.1:$PORT" "$WORK/serve.log" "$SERVER"; then
    tail -n 40 "$WORK/serve.log"
    exit 1
fi
kill -TERM "$SERVER"
wait "$SERVER"
SERVER=""
sleep 2
left="$(pgrep -af "$WORK/" | grep -v pgrep || true)"
if [ -n "$left" ]; then
    echo "processes left behind after SIGTERM:"; echo "$left"; exit 1
fi
echo "run-install smoke passed in $(( $(date +%s) - started )) s; nothing left running"
