#!/usr/bin/env bash
# Runs the Go client's tests: go vet, the offline unit tests and the live test
# against a running sidecar + emulator.
#
#   clients/go/test.sh              # everything; needs the live stack's env vars
#   clients/go/test.sh --unit-only  # offline tests only (the live test skips)
#
# The live test reads SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty),
# EMULATOR_API_URL, EMULATOR_APP_ID, EMULATOR_API_KEY and, for call tokens,
# EMULATOR_CALL_SESSION_PREFIX (may be empty); from the repository
# root, `.venv/bin/python -m tests.stack` starts a stack and prints them.
# Other arguments are passed to `go test` (e.g. -v, -run X).
# The exit code is go test's.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

unit_only=0
args=()
for a in "$@"; do
  case "$a" in
    --unit-only) unit_only=1 ;;
    *) args+=("$a") ;;
  esac
done

if ! command -v go >/dev/null 2>&1; then
  echo "test.sh: the go command is not on PATH (Go 1.26 or newer is needed)" >&2
  exit 2
fi

if [[ $unit_only == 1 ]]; then
  unset SIDECAR_ADDRESS SIDECAR_APP_CREDENTIAL EMULATOR_API_URL EMULATOR_APP_ID EMULATOR_API_KEY \
    EMULATOR_CALL_SESSION_PREFIX
elif [[ -z "${SIDECAR_ADDRESS:-}" ]]; then
  echo "test.sh: SIDECAR_ADDRESS is not set, so the live test cannot run." >&2
  echo "  Start a live stack (from the repo root: .venv/bin/python -m tests.stack)," >&2
  echo "  export the variables it prints and run again, or pass --unit-only." >&2
  exit 2
fi

# Dependencies come from the Go module proxy, pinned by go.mod and go.sum.
go mod download
go vet ./...
# -count=1: never reuse a cached result, the live test talks to a real server.
set +e
go test -count=1 "${args[@]}" ./...
rc=$?
exit $rc
