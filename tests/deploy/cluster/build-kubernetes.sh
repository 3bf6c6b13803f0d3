#!/usr/bin/env bash
# Builds the Kubernetes binaries the cluster tests run (kube-apiserver, controller-manager,
# scheduler, kubelet, kube-proxy, kubectl) and the pause image, from the Go module proxy at
# the pinned version, into the cluster cache (COMETCHAT_CLUSTER_CACHE, default
# <repo>/.cache/cluster, git-ignored). Reruns are instant once the binaries are there.
#
# `go install k8s.io/kubernetes/cmd/...@v` is refused (the module replaces its ./staging
# modules), so a small wrapper module requires k8s.io/kubernetes and points each staging
# replace at the published k8s.io/NAME v0.MINOR.PATCH module instead.
#
#   tests/deploy/cluster/build-kubernetes.sh          # prints the folder of the binaries
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=versions.sh
source "$here/versions.sh"

cache=${COMETCHAT_CLUSTER_CACHE:-$repo/.cache/cluster}
out="$cache/kubernetes-$KUBERNETES_VERSION"
bin="$out/bin"
commands=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

done_already() {
  local c
  for c in "${commands[@]}"; do [[ -x "$bin/$c" ]] || return 1; done
  [[ -s "$out/pause.tar" ]]
}
if done_already; then echo "$out"; exit 0; fi

for tool in go gcc python3 flock; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-kubernetes.sh: $tool is missing" >&2; exit 1
  fi
done

mkdir -p "$out"
# Two builds into one cache would trample each other: the second waits for the first.
exec 9>"$out/.build.lock"
flock 9
if done_already; then echo "$out"; exit 0; fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
staging_version="v0.${KUBERNETES_VERSION#v1.}"

start=$(date +%s)
echo "build-kubernetes.sh: Kubernetes $KUBERNETES_VERSION into $out (cold: about 12-16 min on two cores)" >&2
info=$(cd "$out" && go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION")
mod_file=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])' <<<"$info")
mod_dir=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<<"$info")

wrapper="$out/wrapper"
rm -rf "$wrapper"; mkdir -p "$wrapper"
python3 - "$mod_file" "$staging_version" "$KUBERNETES_VERSION" >"$wrapper/go.mod" <<'PY'
import re, sys
mod, staging, version = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(mod).read()
go = re.search(r"^go (\S+)$", text, re.M).group(1)
godebug = re.findall(r"^godebug .*$", text, re.M)
names = re.findall(r"^\s*(k8s\.io/\S+) => \./staging/src/\S+$", text, re.M)
if not names:
    sys.exit("no ./staging replaces found in " + mod)
print("module cometchat-sidecar.test/kubernetes\n")
print(f"go {go}\n")
for line in godebug:
    print(line)
print(f"\nrequire k8s.io/kubernetes {version}\n")
print("replace (")
for name in names:
    print(f"\t{name} => {name} {staging}")
print(")")
PY
{
  echo "//go:build tools"
  echo
  echo "package tools"
  echo
  echo "import ("
  for c in "${commands[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$c\""; done
  echo ")"
} >"$wrapper/tools.go"
(cd "$wrapper" && go mod tidy)

date_now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date_now"
done
mkdir -p "$bin"
for c in "${commands[@]}"; do
  [[ -x "$bin/$c" ]] && continue
  t=$(date +%s)
  (cd "$wrapper" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/$c.partial" "k8s.io/kubernetes/cmd/$c")
  mv "$bin/$c.partial" "$bin/$c"
  echo "build-kubernetes.sh: $c built in $(( $(date +%s) - t )) s" >&2
done

# The pause image: the pause.c the module ships, linked statically, in a one-layer image.
pause_dir="$out/pause-rootfs"
rm -rf "$pause_dir"; mkdir -p "$pause_dir"
gcc -Os -static -DVERSION="$KUBERNETES_VERSION" -o "$pause_dir/pause" "$mod_dir/build/pause/linux/pause.c"
strip "$pause_dir/pause" 2>/dev/null || true
python3 "$here/oci_archive.py" "$pause_dir" "$out/pause.tar.partial" "$PAUSE_IMAGE" --entrypoint /pause --user 65535:65535
mv "$out/pause.tar.partial" "$out/pause.tar"
rm -rf "$pause_dir"
echo "build-kubernetes.sh: done in $(( $(date +%s) - start )) s" >&2
echo "$out"
