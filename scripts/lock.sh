#!/usr/bin/env bash
# The lock: uv.lock (every runtime, dev and bench dependency, pinned with hashes) and the
# hashed requirements files exported from it for installers that are not uv:
#   requirements/runtime.txt    the sidecar's runtime set (the image installs it with pip)
#   requirements/bootstrap.txt  uv itself (the Makefile installs it with pip, then uv the rest)
#   requirements/build.txt      setuptools, the build backend the image builds the local packages with
#
#   scripts/lock.sh          relock after editing pyproject.toml (`make lock`)
#   scripts/lock.sh --check  fail when pyproject.toml, uv.lock and requirements/ disagree
#                            (`make test`; resolves offline, from the lock alone)
#   scripts/lock.sh --upgrade  relock, moving every dependency to its newest allowed version
set -euo pipefail
cd "$(dirname "$0")/.."

UV=${UV:-.venv/bin/uv}
# uv resolves in a second or two; the bound only keeps a stuck index from hanging CI.
BOUND=${LOCK_TIMEOUT_SECONDS:-300}
export UV_PYTHON_DOWNLOADS=never UV_NO_PROGRESS=1

# Each exported file and the `uv export` arguments that make it.
declare -A EXPORTS=(
  [requirements/runtime.txt]="--no-dev --no-default-groups --no-emit-project --no-emit-local"
  [requirements/bootstrap.txt]="--only-group bootstrap --no-emit-project"
  [requirements/build.txt]="--only-group build --no-emit-project"
)

export_to() {  # export_to FILE OUTPUT
  local file=$1 output=$2
  # shellcheck disable=SC2086  # the arguments are words
  timeout "$BOUND" "$UV" export --quiet --frozen --format requirements-txt \
    ${EXPORTS[$file]} >"$output"
}

stale() {
  echo "scripts/lock.sh: $1" >&2
  echo "  run 'make lock' and commit uv.lock and requirements/" >&2
  exit 1
}

case "${1:-}" in
  --check)
    if ! timeout "$BOUND" "$UV" lock --check --offline --quiet 2>/dev/null; then
      stale "uv.lock does not match pyproject.toml (or clients/python/pyproject.toml)"
    fi
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    for file in "${!EXPORTS[@]}"; do
      export_to "$file" "$scratch/out.txt"
      if ! cmp -s "$scratch/out.txt" "$file"; then
        diff -u "$file" "$scratch/out.txt" | head -20 >&2 || true
        stale "$file is not what uv.lock exports"
      fi
    done
    echo "lock: uv.lock and requirements/ match pyproject.toml"
    ;;
  "" | --upgrade)
    timeout "$BOUND" "$UV" lock ${1:+--upgrade}
    mkdir -p requirements
    for file in "${!EXPORTS[@]}"; do
      export_to "$file" "$file"
    done
    echo "lock: wrote uv.lock and ${!EXPORTS[*]}"
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
