#!/usr/bin/env bash
# Regenerates the committed Python stubs in src/cometchat_sidecar/auth/v1/ from
# protos/ with buf. Installs the pinned generators (requirements-gen.txt) into
# clients/python/.tools/venv, and the pinned buf (tools/package.json) if missing.
# Idempotent: running it twice gives byte-identical output.
set -euo pipefail

here=$(cd -- "$(dirname -- "$0")" && pwd)
root=$(cd -- "$here/../.." && pwd)
tools="$here/.tools"
stamp="$tools/venv/.requirements-gen.txt"

if [[ ! -x "$tools/venv/bin/python" ]]; then
  python3 -m venv "$tools/venv"
fi
if ! cmp -s "$here/requirements-gen.txt" "$stamp"; then
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r "$here/requirements-gen.txt"
  cp "$here/requirements-gen.txt" "$stamp"
fi

[[ "${1:-}" == "--plugins-only" ]] && exit 0  # scripts/generate.sh runs buf itself
buf="$root/tools/node_modules/.bin/buf"
if [[ ! -x "$buf" ]]; then
  (cd "$root/tools" && npm ci --no-audit --no-fund)
fi

cd "$root"
"$buf" generate --template clients/python/buf.gen.yaml
echo "generated: clients/python/src/cometchat_sidecar/auth/v1/"
