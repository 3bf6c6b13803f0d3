#!/usr/bin/env bash
# Runs all the Java client's tests with Maven (dependencies come from Maven Central):
# the offline unit tests and the live test against a running sidecar + emulator.
#
#   clients/java/test.sh              # all tests; needs SIDECAR_ADDRESS etc. (see README)
#   clients/java/test.sh --unit-only  # offline tests only
#
# The live test reads SIDECAR_ADDRESS, SIDECAR_APP_CREDENTIAL (may be empty: dev mode),
# EMULATOR_API_URL, EMULATOR_APP_ID, EMULATOR_API_KEY and, for call tokens,
# EMULATOR_CALL_SESSION_PREFIX (may be empty). The exit code is Maven's.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)

unit_only=false
for arg in "$@"; do
  case "$arg" in
    --unit-only) unit_only=true ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "test.sh: unknown argument: $arg (use --unit-only)" >&2; exit 2 ;;
  esac
done

if ! $unit_only && [[ -z "${SIDECAR_ADDRESS:-}" ]]; then
  cat >&2 <<'MSG'
test.sh: SIDECAR_ADDRESS is not set, so the live test cannot run.
  Start a sidecar + emulator (from the repo root: .venv/bin/python -m tests.stack)
  and export the variables it prints, or pass --unit-only to run the offline tests alone.
MSG
  exit 2
fi

# Java 17 and Maven: install from Debian's packages when missing (CI runs as root).
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
  else
    echo "test.sh: needs Java 17+ (javac) and Maven (mvn) on PATH" >&2
    exit 2
  fi
fi

args=(-B -ntp -f "$here/pom.xml")
if $unit_only; then
  args+=(-DexcludedGroups=live)
fi

set +e
mvn "${args[@]}" test
rc=$?
set -e
exit $rc
