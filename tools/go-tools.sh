#!/usr/bin/env bash
# Installs the Go programs the discovery and tracing tests drive into tools/.bin
# (git-ignored), built from the Go module proxy: grpcurl (pinned), and otlp-receiver, the
# OpenTelemetry Collector's OTLP receiver behind a small main (tools/otlp-receiver, its
# versions pinned by go.mod and go.sum). Reruns are instant once built. Without Go it says
# so and stops: under CI (CI set) that is a failure.
set -euo pipefail
cd "$(dirname "$0")"

GRPCURL_VERSION=v1.9.3
BIN="$PWD/.bin"

if ! command -v go >/dev/null 2>&1; then
  echo "tools/go-tools.sh: no Go toolchain: the grpcurl and tracing tests will be skipped" >&2
  [[ -z "${CI:-}" ]] || exit 1
  exit 0
fi
mkdir -p "$BIN"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

stamp="$BIN/.grpcurl-$GRPCURL_VERSION"
if [[ ! -x "$BIN/grpcurl" || ! -e "$stamp" ]]; then
  echo "tools/go-tools.sh: building grpcurl $GRPCURL_VERSION (go install, a minute or two once)" >&2
  GOBIN="$BIN" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
  rm -f "$BIN/.grpcurl-"*
  touch "$stamp"
fi

# Rebuilt when its source or pins change.
sum=$(cat otlp-receiver/go.mod otlp-receiver/go.sum otlp-receiver/main.go | sha256sum | cut -c1-16)
stamp="$BIN/.otlp-receiver-$sum"
if [[ ! -x "$BIN/otlp-receiver" || ! -e "$stamp" ]]; then
  echo "tools/go-tools.sh: building otlp-receiver (the collector's otlpreceiver; minutes once)" >&2
  (cd otlp-receiver && go build -o "$BIN/otlp-receiver" .)
  rm -f "$BIN/.otlp-receiver-"*
  touch "$stamp"
fi
