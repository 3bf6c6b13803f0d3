#!/usr/bin/env bash
# Installs the pinned kustomize and helm into deploy/.bin (git-ignored), built with
# `go install` from the Go module proxy. Reruns are instant once the pinned versions
# are there. Without Go it says so and stops: under CI (CI set) that is a failure.
# As root it also installs iproute2 (`ip`) and util-linux / mount (`unshare`, `mount`)
# with apt when they are missing.
set -euo pipefail
cd "$(dirname "$0")"

KUSTOMIZE_VERSION=v5.8.1
HELM_VERSION=v3.22.0
BIN="$PWD/.bin"

# The pod rehearsal (tests/deploy/test_pod_rehearsal.py) needs `ip` from iproute2, and
# `unshare` and `mount` for the apps' mount namespaces.
missing=()
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
command -v mount >/dev/null 2>&1 || missing+=(mount)
if (( ${#missing[@]} )) && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
  echo "deploy/tools.sh: installing ${missing[*]} for the pod rehearsal" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v go >/dev/null 2>&1; then
  echo "deploy/tools.sh: no Go toolchain: the manifest tests will be skipped" >&2
  [[ -z "${CI:-}" ]] || exit 1
  exit 0
fi

install() {
  local name=$1 package=$2 version=$3
  local stamp="$BIN/.$name-$version"
  if [[ -x "$BIN/$name" && -e "$stamp" ]]; then
    return
  fi
  echo "deploy/tools.sh: building $name $version (go install $package@$version)" >&2
  mkdir -p "$BIN"
  GOBIN="$BIN" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false go install "$package@$version"
  rm -f "$BIN/.$name-"*
  touch "$stamp"
}

install kustomize sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION"
install helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION"
