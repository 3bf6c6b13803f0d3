#!/usr/bin/env bash
# Regenerates the committed Java stubs in src/generated/java/ from protos/ with
# buf. Installs the pinned generators from Maven Central into clients/java/.bin
# (protoc at the protobuf-java runtime version, protoc-gen-grpc-java at the
# grpc.codegen.version, both read from pom.xml), and the pinned buf
# (tools/package.json) if missing.
# Idempotent: running it twice gives byte-identical output.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/../.." && pwd)
bin="$here/.bin"

prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$here/pom.xml" | head -n1; }
protobuf_version=$(prop protobuf.version)
grpc_codegen_version=$(prop grpc.codegen.version)
dependency_plugin=org.apache.maven.plugins:maven-dependency-plugin:$(prop maven-dependency-plugin.version)

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) classifier=linux-x86_64 ;;
  Linux-aarch64) classifier=linux-aarch_64 ;;
  Darwin-x86_64) classifier=osx-x86_64 ;;
  Darwin-arm64) classifier=osx-aarch_64 ;;
  *) echo "gen.sh: unsupported platform $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac

# install NAME GROUP:ARTIFACT:VERSION: copies the exe artifact to .bin/NAME,
# unless the stamp says that exact artifact is already there.
install() {
  local name=$1 gav=$2
  local stamp="$bin/.$name.version"
  if [[ -x "$bin/$name" && "$(cat "$stamp" 2>/dev/null)" == "$gav:$classifier" ]]; then
    return
  fi
  mkdir -p "$bin"
  local tmp
  tmp=$(mktemp -d)
  mvn -B -q "$dependency_plugin:copy" \
    -Dartifact="$gav:exe:$classifier" -DoutputDirectory="$tmp" -Dmdep.overWriteReleases=true
  mv "$tmp"/*.exe "$bin/$name"
  rmdir "$tmp"
  chmod +x "$bin/$name"
  echo "$gav:$classifier" >"$stamp"
}

install protoc "com.google.protobuf:protoc:$protobuf_version"
install protoc-gen-grpc-java "io.grpc:protoc-gen-grpc-java:$grpc_codegen_version"

[[ "${1:-}" == "--plugins-only" ]] && exit 0  # scripts/generate.sh runs buf itself
buf="$root/tools/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  (cd "$root/tools" && npm ci --no-audit --no-fund)
fi

cd "$root"
rm -rf clients/java/src/generated/java
"$buf" generate --template clients/java/buf.gen.yaml
echo "generated: clients/java/src/generated/java/"
