#!/usr/bin/env bash
# Runs the Python client's tests: the offline unit tests and the live test
# against a running sidecar + emulator.
#
#   clients/python/test.sh [--unit-only] [--static] [pytest args...]
#
#   --unit-only  run the offline tests only (no sidecar needed)
#   --static     also run ruff (lint + format check) and strict mypy first
#
# The live test reads SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty in
# dev mode), EMULATOR_API_URL, EMULATOR_APP_ID and EMULATOR_API_KEY. Without
# SIDECAR_ADDRESS this script refuses to run unless --unit-only is given.
# Uses the repository's virtualenv (.venv), made from the lock by `make venv`.
# The exit code is pytest's.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/../.." && pwd)
venv="$root/.venv"

unit_only=0
static=0
pytest_args=()
for arg in "$@"; do
  case "$arg" in
    --unit-only) unit_only=1 ;;
    --static) static=1 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) pytest_args+=("$arg") ;;
  esac
done

if [[ $unit_only -eq 0 && -z "${SIDECAR_ADDRESS:-}" ]]; then
  cat >&2 <<'MSG'
error: SIDECAR_ADDRESS is not set, so the live test cannot run.
  Start a sidecar + emulator and export SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL,
  EMULATOR_API_URL, EMULATOR_APP_ID and EMULATOR_API_KEY (for example with
  `.venv/bin/python -m tests.stack` from the repository root),
  or pass --unit-only to run the offline tests alone.
MSG
  exit 2
fi

# The repository's `make venv`: the client and the dev tools, installed from uv.lock.
make --no-print-directory -C "$root" venv >&2

cd "$root"
if [[ $static -eq 1 ]]; then
  "$venv/bin/ruff" check clients/python
  "$venv/bin/ruff" format --check clients/python
  "$venv/bin/mypy" -p cometchat_sidecar
fi

if [[ $unit_only -eq 1 ]]; then
  pytest_args+=("--ignore=clients/python/tests/test_live_sidecar.py")
fi
exec "$venv/bin/python" -m pytest clients/python/tests -c pyproject.toml --rootdir . \
  "${pytest_args[@]}"
