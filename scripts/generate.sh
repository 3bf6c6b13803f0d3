#!/usr/bin/env bash
# Regenerates every language's stubs from protos/ with the root buf.gen.yaml.
# Each client's gen.sh installs its pinned plugins (--plugins-only); buf then runs once.
set -euo pipefail
cd "$(dirname "$0")/.."

for language in python go node java; do
  bash "clients/$language/gen.sh" --plugins-only
done

# Start from empty output folders so a removed proto leaves no stale file behind.
rm -rf clients/node/src/gen clients/java/src/generated/java
rm -f clients/go/{auth,calls,tokens}v1/*.pb.go clients/python/src/cometchat_sidecar/{auth,calls,tokens}/v1/*_pb2*.py*
tools/node_modules/.bin/buf generate
