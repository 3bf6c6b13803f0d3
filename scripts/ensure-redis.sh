#!/usr/bin/env bash
# Makes sure a real `redis-server` and `redis-sentinel` are on PATH for the Redis tests:
# installs the Debian packages when they are missing (CI runs as root on Debian). The tests
# start their own servers and sentinels on free loopback ports, in temporary directories,
# and stop them by PID afterwards; nothing is left running.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]}: install the Debian packages (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The packages enable system services; the tests never use them.
if command -v service >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
  service redis-sentinel stop >/dev/null 2>&1 || true
fi
redis-server --version
redis-sentinel --version
