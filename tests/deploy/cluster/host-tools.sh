#!/usr/bin/env bash
# Installs, as root, the Debian packages the image build and the cluster tests use when
# they are missing: buildah and mmdebstrap (the image), containerd, runc, the CNI plugins,
# iptables, conntrack and etcd-server (the cluster). Then builds the pinned Kubernetes
# (build-kubernetes.sh; once, into the cluster cache). Not root: says what the tests will
# skip and stops (under CI, CI set, that is a failure).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ $(id -u) != 0 ]]; then
  echo "host-tools.sh: not root: the image build and the cluster tests will be skipped" >&2
  [[ -z "${CI:-}" ]] || exit 1
  exit 0
fi

declare -A packages=(
  [buildah]=buildah [mmdebstrap]=mmdebstrap [containerd]=containerd [runc]=runc
  [iptables]=iptables [conntrack]=conntrack [etcd]=etcd-server [ip]=iproute2
)
missing=()
for tool in "${!packages[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${packages[$tool]}")
done
[[ -x /usr/lib/cni/bridge ]] || missing+=(containernetworking-plugins)
if (( ${#missing[@]} )); then
  echo "host-tools.sh: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's etcd-server would start etcd where systemd runs; here nothing is started.

if ! command -v go >/dev/null 2>&1; then
  echo "host-tools.sh: no Go toolchain: Kubernetes cannot be built, the cluster tests will be skipped" >&2
  [[ -z "${CI:-}" ]] || exit 1
  exit 0
fi
"$here/build-kubernetes.sh" >/dev/null
