#!/usr/bin/env bash
# Installs the pinned promtool (and, with `prometheus`, the Prometheus server for
# `make dashboard-plot`) into deploy/.bin (git-ignored), built with `go install` from the
# Go module proxy. Reruns are instant once the pinned version is there. Without Go it says
# so and stops: under CI (CI set) that is a failure.
#
#   deploy/monitoring/tools.sh              promtool (make test)
#   deploy/monitoring/tools.sh prometheus   promtool and prometheus
set -euo pipefail
cd "$(dirname "$0")/.."

# Prometheus 3.16.0: its Go module is numbered v0.316.0.
PROMETHEUS_VERSION=v0.316.0
BIN="$PWD/.bin"

if ! command -v go >/dev/null 2>&1; then
  echo "deploy/monitoring/tools.sh: no Go toolchain: the promtool tests will be skipped" >&2
  [[ -z "${CI:-}" ]] || exit 1
  exit 0
fi

install() {
  local name=$1 version=$2
  local stamp="$BIN/.$name-$version"
  if [[ -x "$BIN/$name" && -e "$stamp" ]]; then
    return
  fi
  echo "deploy/monitoring/tools.sh: building $name $version (go install, a few minutes once)" >&2
  mkdir -p "$BIN"
  GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false \
    go install "github.com/prometheus/prometheus/cmd/$name@$version"
  rm -f "$BIN/.$name-"*
  touch "$stamp"
}

install promtool "$PROMETHEUS_VERSION"
if [[ "${1:-}" == prometheus ]]; then
  install prometheus "$PROMETHEUS_VERSION"
fi
