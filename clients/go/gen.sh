#!/usr/bin/env bash
# Regenerates the Go stubs in clients/go/authv1 from protos/ with the pinned
# buf (tools/) and the pinned protoc plugins, installed into clients/go/.bin.
# Running it twice gives byte-identical output.
set -euo pipefail

PROTOC_GEN_GO_VERSION=v1.36.12      # google.golang.org/protobuf
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="$here/.bin"

# Install a plugin unless the pinned version is already there.
install_plugin() {
  local name="$1" pkg="$2" version="$3" want="$4"
  if [[ -x "$bin/$name" ]] && [[ "$("$bin/$name" --version 2>/dev/null)" == "$want" ]]; then
    return
  fi
  echo "installing $pkg@$version into $bin" >&2
  GOBIN="$bin" GOFLAGS=-buildvcs=false go install "$pkg@$version"
}

mkdir -p "$bin"
install_plugin protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go \
  "$PROTOC_GEN_GO_VERSION" "protoc-gen-go $PROTOC_GEN_GO_VERSION"
install_plugin protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc \
  "$PROTOC_GEN_GO_GRPC_VERSION" "protoc-gen-go-grpc ${PROTOC_GEN_GO_GRPC_VERSION#v}"

[[ "${1:-}" == "--plugins-only" ]] && exit 0  # scripts/generate.sh runs buf itself
buf="$root/tools/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  echo "installing the pinned buf (tools/)" >&2
  (cd "$root/tools" && npm ci --no-audit --no-fund)
fi

cd "$root"
"$buf" generate --template clients/go/buf.gen.yaml
echo "generated clients/go/authv1" >&2
