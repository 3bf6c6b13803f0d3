#!/usr/bin/env bash
# Installs the pinned ghz load generator into bench/.bin (from the Go module proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
GHZ_VERSION=v0.120.0
bin="$PWD/bench/.bin"
stamp="$bin/.ghz-version"
if [[ -x "$bin/ghz" && "$(cat "$stamp" 2>/dev/null)" == "$GHZ_VERSION" ]]; then
  exit 0
fi
mkdir -p "$bin"
echo "installing github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION into $bin" >&2
GOBIN="$bin" GOFLAGS=-buildvcs=false go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"
echo "$GHZ_VERSION" >"$stamp"
