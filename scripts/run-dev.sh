#!/usr/bin/env bash
# Runs the sidecar. Without COMETCHAT_APP_ID it runs in dev mode against the embedded
# CometChat emulator and shows a login round trip for cometchat-uid-1 once it serves.
# Extra arguments go to `cometchat-sidecar serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [[ -n "${COMETCHAT_APP_ID:-}" ]]; then
  exec "$PY" -m sidecar serve "$@"
fi

listen="${COMETCHAT_SIDECAR_LISTEN:-127.0.0.1:50051}"
"$PY" -m sidecar serve --dev --listen "$listen" --log-format console "$@" &
server=$!
trap 'kill -TERM "$server" 2>/dev/null || true; wait "$server" || true' INT TERM

export COMETCHAT_SIDECAR_TARGET="$listen"
client() { echo "\$ cometchat-sidecar client $*"; "$PY" -m sidecar client "$@" || true; }
if "$PY" -m sidecar client --timeout 15 health >/dev/null; then
  echo
  echo "== login round trip against the embedded emulator =="
  client login cometchat-uid-1
  client whoami
  client logout
  client whoami
  client login cometchat-uid-1
  echo
  echo "The sidecar keeps serving on $listen (Ctrl-C stops it). Try:"
  echo "  .venv/bin/python -m sidecar client --target $listen whoami"
  echo
fi
wait "$server"
