#!/usr/bin/env bash
# Regenerates clients/node/src/gen/ from protos/ with the pinned ts-proto
# plugin (installed from npm into clients/node/node_modules/) and the pinned
# buf (tools/node_modules/). Output is deterministic: running it twice gives
# byte-identical files.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [[ ! -x "$root/tools/node_modules/.bin/buf" ]]; then
  (cd "$root/tools" && npm ci --no-audit --no-fund --loglevel=error)
fi
if [[ ! -x "$here/node_modules/.bin/protoc-gen-ts_proto" ]]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

# Start from an empty output folder so stubs of deleted protos do not linger.
[[ "${1:-}" == "--plugins-only" ]] && exit 0  # scripts/generate.sh runs buf itself
rm -rf "$here/src/gen"
cd "$root"
tools/node_modules/.bin/buf generate --template clients/node/buf.gen.yaml
echo "generated: $(cd "$here" && find src/gen -type f | sort | tr '\n' ' ')"
