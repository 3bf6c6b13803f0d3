#!/usr/bin/env bash
# Installs the Node client's dependencies (npm ci, from package-lock.json),
# builds it and runs all its tests with Node's test runner: the offline unit
# tests and the LIVE test against a real sidecar + emulator.
#
# The live test reads SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty:
# dev mode), EMULATOR_API_URL, EMULATOR_APP_ID, EMULATOR_API_KEY.
# Without SIDECAR_ADDRESS this script refuses to run unless --unit-only is
# given (then the live test is reported as skipped).
#
# Usage: clients/node/test.sh [--unit-only]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

unit_only=0
for arg in "$@"; do
  case "$arg" in
    --unit-only) unit_only=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

if [[ -z "${SIDECAR_ADDRESS:-}" && $unit_only -eq 0 ]]; then
  echo "test.sh: SIDECAR_ADDRESS is not set, so the live test cannot run." >&2
  echo "  Export SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL, EMULATOR_API_URL, EMULATOR_APP_ID" >&2
  echo "  and EMULATOR_API_KEY (e.g. from: .venv/bin/python -m tests.stack), or pass" >&2
  echo "  --unit-only to run the offline tests alone." >&2
  exit 2
fi
if [[ -n "${SIDECAR_ADDRESS:-}" && $unit_only -eq 0 ]]; then
  for var in EMULATOR_API_URL EMULATOR_APP_ID EMULATOR_API_KEY; do
    if [[ -z "${!var:-}" ]]; then
      echo "test.sh: SIDECAR_ADDRESS is set but $var is not; the live test needs it." >&2
      exit 2
    fi
  done
fi
if [[ $unit_only -eq 1 ]]; then
  # Make sure a half-set environment does not turn the live test on.
  unset SIDECAR_ADDRESS
fi

npm ci --no-audit --no-fund --loglevel=error
rm -rf dist
npx --no-install tsc -p tsconfig.json
exec node --test dist/test/*.test.js
