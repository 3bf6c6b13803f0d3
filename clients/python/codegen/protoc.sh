#!/usr/bin/env sh
# protoc for buf's `protoc_builtin` plugins (python, pyi): the protoc bundled in
# grpcio-tools, run from the pinned tools virtualenv that gen.sh creates
# (clients/python/.tools/venv), so the output does not depend on a system protoc.
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
exec "$here/../.tools/venv/bin/python" -m grpc_tools.protoc "$@"
