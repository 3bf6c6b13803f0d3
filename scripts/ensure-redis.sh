#!/usr/bin/env bash
# Makes sure a real `redis-server` is on PATH for the Redis tests: installs the Debian
# package when it is missing (CI runs as root on Debian). The tests start their own
# redis-server on a free loopback port and stop it afterwards; nothing is left running.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
  echo "redis-server is missing: install the Debian package redis-server (needs root and apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends redis-server >/dev/null
# The package enables a system service; the tests never use it.
if command -v service >/dev/null 2>&1; then
  service redis-server stop >/dev/null 2>&1 || true
fi
redis-server --version
