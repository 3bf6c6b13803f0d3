#!/usr/bin/env bash
# The environment the benchmarks run the sidecar (and the floor) in: exactly the locked
# runtime set (requirements/runtime.txt, with hashes), as in the image, plus the sidecar
# and the Python client as editable installs. The development set also holds tools
# (pip-audit brings rich, httpx then loads click) that the sidecar would import at start
# where they are installed, and that no deployment has. Rebuilt when the lock changes.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$PWD/bench/.runtime"
uv="$PWD/.venv/bin/uv"
want="$(cat requirements/runtime.txt pyproject.toml clients/python/pyproject.toml | sha256sum)"
if [[ -x "$venv/bin/python" && "$(cat "$venv/.stamp" 2>/dev/null)" == "$want" ]]; then
  exit 0
fi
rm -rf "$venv"
"$uv" venv --quiet --python "${PYTHON:-python3}" "$venv"
VIRTUAL_ENV="$venv" "$uv" pip install --quiet --require-hashes -r requirements/runtime.txt
VIRTUAL_ENV="$venv" "$uv" pip install --quiet --no-deps -e . -e clients/python
echo "$want" >"$venv/.stamp"
echo "bench runtime environment ready: $venv" >&2
