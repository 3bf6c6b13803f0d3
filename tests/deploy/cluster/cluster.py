"""A real single-node Kubernetes cluster, started and stopped by the tests themselves.

containerd + runc + the CNI plugins (Debian's packages), etcd (Debian's etcd-server) and
kube-apiserver, kube-controller-manager, kube-scheduler, kubelet and kube-proxy built
from the Go module proxy by build-kubernetes.sh. Every daemon is started here and stopped
by its PID; everything the cluster makes on the host is removed on the way out, also when
a test failed: its pods, the bridge, the iptables chains of kube-proxy, the kubelet and
the CNI plugins, the sysctl it changed, the mounts under its run folder, the sandboxes'
network namespaces, the CNI result cache entries, the pod log folders and the kubelet's
cgroups. A lock under /run/lock keeps two runs from starting two clusters at once.

    python -m tests.deploy.cluster.cluster up    # start, print the kubeconfig path, wait for Ctrl-C
"""

from __future__ import annotations

import contextlib
import datetime
import fcntl
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
LOCK = Path("/run/lock/cometchat-sidecar-cluster.lock")
NODE = "cometchat-test-node"
BRIDGE = "ccbr0"
CNI_NETWORK = "cometchat-test"
POD_CIDR = "10.244.0.0/24"
SERVICE_CIDR = "10.96.0.0/24"
# Namespaces the tests make start with this; their pod log folders are removed at the end.
NAMESPACE_PREFIX = "cc-"
ETCD_CLIENT_PORT = 23790
ETCD_PEER_PORT = 23800
API_PORT = 6443
HOST_PACKAGES = {
    "containerd": "containerd",
    "ctr": "containerd",
    "runc": "runc",
    "etcd": "etcd-server",
    "iptables": "iptables",
    "conntrack": "conntrack",
    "ip": "iproute2",
}
SYSCTLS = (
    "net.ipv4.ip_forward",
    "net.bridge.bridge-nf-call-iptables",
    "net.ipv4.conf.all.route_localnet",
)
CGROUP_ROOTS = ("kubepods", "kubepods.slice")


def versions() -> dict[str, str]:
    pairs = {}
    for line in (HERE / "versions.sh").read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            pairs[name] = value
    return pairs


KUBERNETES_VERSION = versions()["KUBERNETES_VERSION"]
PAUSE_IMAGE = versions()["PAUSE_IMAGE"]


def cache_dir() -> Path:
    return Path(os.environ.get("COMETCHAT_CLUSTER_CACHE", ROOT / ".cache" / "cluster"))


def kubernetes_dir() -> Path:
    return cache_dir() / f"kubernetes-{KUBERNETES_VERSION}"


def missing() -> str | None:
    """What keeps a cluster from starting here, or None."""
    if os.geteuid() != 0:
        return "the cluster tests start containerd and a kubelet: run them as root"
    absent = sorted({pkg for tool, pkg in HOST_PACKAGES.items() if shutil.which(tool) is None})
    if absent:
        return f"the cluster needs Debian's {', '.join(absent)}: tests/deploy/cluster/host-tools.sh"
    if not Path("/usr/lib/cni/bridge").exists():
        return "the cluster needs containernetworking-plugins: tests/deploy/cluster/host-tools.sh"
    binaries = kubernetes_dir() / "bin"
    if not (binaries / "kubelet").exists() or not (kubernetes_dir() / "pause.tar").exists():
        script = "tests/deploy/cluster/build-kubernetes.sh"
        return f"Kubernetes {KUBERNETES_VERSION} is not built: {script}"
    return None


def node_ip() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks the route
        address: str = probe.getsockname()[0]
    return address


class ClusterError(Exception):
    pass


# --- PKI -------------------------------------------------------------------------------


def _write_key(path: Path, key: Any) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _certificate(
    name: x509.Name,
    key: Any,
    issuer: tuple[x509.Name, Any] | None,
    *,
    ca: bool = False,
    sans: Sequence[str] = (),
    server: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    issuer_name, issuer_key = issuer or (name, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        usages = [ExtendedKeyUsageOID.CLIENT_AUTH]
        if server:
            usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if sans:
        entries: list[x509.GeneralName] = []
        for san in sans:
            try:
                entries.append(x509.IPAddress(ipaddress.ip_address(san)))
            except ValueError:
                entries.append(x509.DNSName(san))
        builder = builder.add_extension(x509.SubjectAlternativeName(entries), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _subject(common_name: str, organisation: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(parts)


def make_pki(pki: Path, ip: str) -> None:
    pki.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _subject("cometchat-test-ca")
    ca_cert = _certificate(ca_name, ca_key, None, ca=True)
    _write_key(pki / "ca.key", ca_key)
    (pki / "ca.crt").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    first_service_ip = str(next(ipaddress.ip_network(SERVICE_CIDR).hosts()))
    apiserver_names = [
        "127.0.0.1", ip, first_service_ip, "localhost", "kubernetes", "kubernetes.default",
        "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
    ]  # fmt: skip
    masters = "system:masters"
    leaves = {
        "apiserver": (_subject("kube-apiserver"), apiserver_names, True),
        "admin": (_subject("admin", masters), [], False),
        "kubelet": (_subject(f"system:node:{NODE}", "system:nodes"), [NODE, ip, "127.0.0.1"], True),
        "apiserver-kubelet-client": (_subject("kube-apiserver-kubelet-client", masters), [], False),
    }
    for leaf, (name, sans, server) in leaves.items():
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(name, key, (ca_name, ca_key), sans=sans, server=server)
        _write_key(pki / f"{leaf}.key", key)
        (pki / f"{leaf}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    service_accounts = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_key(pki / "sa.key", service_accounts)
    (pki / "sa.pub").write_bytes(
        service_accounts.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def kubeconfig(path: Path, pki: Path, user: str) -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "test",
                "cluster": {
                    "server": f"https://127.0.0.1:{API_PORT}",
                    "certificate-authority": str(pki / "ca.crt"),
                },
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate": str(pki / f"{user}.crt"),
                    "client-key": str(pki / f"{user}.key"),
                },
            }
        ],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": user}}],
        "current-context": "test",
    }
    path.write_text(json.dumps(config, indent=2))


# --- daemons ---------------------------------------------------------------------------


@dataclass
class Daemon:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 15) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(10)


@dataclass
class Cluster:
    """One running cluster; `kubectl` talks to it as the admin."""

    run: Path
    ip: str
    daemons: list[Daemon] = field(default_factory=list)
    started_seconds: float = 0.0
    before: HostState | None = None
    made_netns_mount: bool = False
    # /run/netns as it was before the run: the way to a namespace mount that something
    # mounted over later (an `ip netns add` elsewhere) still hides beneath its path.
    netns_fd: int | None = None

    @property
    def bin(self) -> Path:
        return kubernetes_dir() / "bin"

    @property
    def pki(self) -> Path:
        return self.run / "pki"

    @property
    def admin_kubeconfig(self) -> Path:
        return self.run / "admin.kubeconfig"

    @property
    def containerd_socket(self) -> Path:
        return self.run / "containerd" / "containerd.sock"

    def kubectl(
        self, *args: str, input: str | None = None, timeout: float = 120, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / "kubectl"), "--kubeconfig", str(self.admin_kubeconfig), *args]
        result = subprocess.run(
            command, input=input, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)}: {result.stderr.strip()}")
        return result

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def ctr(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            ["ctr", "--address", str(self.containerd_socket), "--namespace", "k8s.io", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ClusterError(f"ctr {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def import_image(self, archive: Path | str) -> None:
        self.ctr("images", "import", str(archive), timeout=600)

    def daemon(
        self, name: str, command: Sequence[str | Path], env: dict[str, str] | None = None
    ) -> None:
        log = self.run / "logs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as out:
            process = subprocess.Popen(
                [str(c) for c in command],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **(env or {})},
            )
        self.daemons.append(Daemon(name, process, log))
        # For the next run, should this one be killed before its clean-up (see `running`).
        with (self.run / "pids").open("a") as pids:
            pids.write(f"{process.pid} {name}\n")

    def check_daemons(self) -> None:
        for daemon in self.daemons:
            if not daemon.alive():
                tail = daemon.log.read_text(errors="replace")[-3000:]
                raise ClusterError(f"{daemon.name} exited ({daemon.process.returncode}):\n{tail}")

    def wait(
        self, what: str, ready: Any, timeout: float = 90, interval: float = 0.2, watch: bool = True
    ) -> Any:
        """Poll `ready` until it answers; with `watch`, fail at once when a daemon exits."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            if watch:
                self.check_daemons()
            try:
                value = ready()
            except Exception as error:
                last = error
            else:
                if value:
                    return value
            time.sleep(interval)
        raise ClusterError(f"{what}: not ready after {timeout:.0f} s (last: {last!r})")

    def log_tail(self, name: str, chars: int = 3000) -> str:
        return (self.run / "logs" / f"{name}.log").read_text(errors="replace")[-chars:]


def _https_ok(url: str, pki: Path) -> bool:
    context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    with urllib.request.urlopen(url, context=context, timeout=2) as answer:  # noqa: S310
        return bool(answer.status == 200)


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310
        return bool(answer.status == 200)


def _containerd_config(cluster: Cluster) -> Path:
    default = subprocess.run(
        ["containerd", "config", "default"], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    root = cluster.run / "containerd"
    settings = {
        r'^root = ".*"$': f'root = "{root}/root"',
        r'^state = ".*"$': f'state = "{root}/state"',
        r'^(\s*)sandbox_image = ".*"$': rf'\1sandbox_image = "{PAUSE_IMAGE}"',
        r"^(\s*)restrict_oom_score_adj = false$": r"\1restrict_oom_score_adj = true",
        r'^(\s*)bin_dir = ".*"$': r'\1bin_dir = "/usr/lib/cni"',
        r'^(\s*)conf_dir = ".*"$': rf'\1conf_dir = "{cluster.run}/cni/net.d"',
        r"^(\s*)SystemdCgroup = true$": r"\1SystemdCgroup = false",
    }
    text = default
    for pattern, replacement in settings.items():
        text, count = re.subn(pattern, replacement, text, flags=re.M)
        if count == 0 and "SystemdCgroup" not in pattern:
            raise ClusterError(f"containerd config: no line matches {pattern}")
    # The grpc address is the first `address =` (under [grpc]); ttrpc and debug follow.
    text = re.sub(
        r'(\[grpc\]\n(?:\s+.*\n)*?\s+)address = ".*"',
        rf'\1address = "{cluster.containerd_socket}"',
        text,
        count=1,
    )
    text = re.sub(
        r'(\[ttrpc\]\n(?:\s+.*\n)*?\s+)address = ".*"',
        rf'\1address = "{root}/containerd-ttrpc.sock"',
        text,
        count=1,
    )
    text = re.sub(
        r'(\[debug\]\n(?:\s+.*\n)*?\s+)address = ".*"',
        rf'\1address = "{root}/containerd-debug.sock"',
        text,
        count=1,
    )
    path = root / "config.toml"
    root.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _cni_config(cluster: Cluster) -> None:
    conf = cluster.run / "cni" / "net.d"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "10-cometchat-test.conflist").write_text(
        json.dumps(
            {
                "cniVersion": "0.4.0",
                "name": CNI_NETWORK,
                "plugins": [
                    {
                        "type": "bridge",
                        "bridge": BRIDGE,
                        "isGateway": True,
                        "ipMasq": True,
                        "hairpinMode": True,
                        "ipam": {
                            "type": "host-local",
                            "ranges": [[{"subnet": POD_CIDR}]],
                            "routes": [{"dst": "0.0.0.0/0"}],
                            "dataDir": str(cluster.run / "cni" / "ipam"),
                        },
                    },
                    {"type": "portmap", "capabilities": {"portMappings": True}},
                ],
            },
            indent=2,
        )
    )


def _kubelet_config(cluster: Cluster) -> Path:
    pki = cluster.pki
    config = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "cgroupfs",
        "containerRuntimeEndpoint": f"unix://{cluster.containerd_socket}",
        "failSwapOn": False,
        "failCgroupV1": False,
        "oomScoreAdj": 0,
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "evictionHard": {"memory.available": "100Mi", "nodefs.available": "1%",
                         "imagefs.available": "1%"},
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": False},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "AlwaysAllow"},
        "tlsCertFile": str(pki / "kubelet.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet.key"),
        "readOnlyPort": 0,
        "serializeImagePulls": False,
        "resolvConf": "/etc/resolv.conf",
        "podCIDR": POD_CIDR,
        "maxPods": 30,
        "registerNode": True,
        "containerLogMaxSize": "5Mi",
        "nodeStatusUpdateFrequency": "2s",
        "syncFrequency": "5s",
    }  # fmt: skip
    path = cluster.run / "kubelet.yaml"
    path.write_text(json.dumps(config, indent=2))
    return path


def _kube_proxy_config(cluster: Cluster) -> Path:
    config = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "mode": "iptables",
        "clusterCIDR": POD_CIDR,
        "hostnameOverride": NODE,
        "clientConnection": {"kubeconfig": str(cluster.run / "admin.kubeconfig")},
        "conntrack": {"maxPerCore": 0},
    }
    path = cluster.run / "kube-proxy.yaml"
    path.write_text(json.dumps(config, indent=2))
    return path


def start(cluster: Cluster) -> None:
    run, pki, ip = cluster.run, cluster.pki, cluster.ip
    started = time.monotonic()
    make_pki(pki, ip)
    kubeconfig(cluster.admin_kubeconfig, pki, "admin")
    kubeconfig(run / "kubelet.kubeconfig", pki, "kubelet")
    for name in SYSCTLS[:2]:
        _sysctl(name, "1")

    cluster.daemon(
        "etcd",
        ["etcd", "--name", "test", "--data-dir", run / "etcd",
         "--listen-client-urls", f"http://127.0.0.1:{ETCD_CLIENT_PORT}",
         "--advertise-client-urls", f"http://127.0.0.1:{ETCD_CLIENT_PORT}",
         "--listen-peer-urls", f"http://127.0.0.1:{ETCD_PEER_PORT}",
         "--initial-advertise-peer-urls", f"http://127.0.0.1:{ETCD_PEER_PORT}",
         "--initial-cluster", f"test=http://127.0.0.1:{ETCD_PEER_PORT}",
         "--unsafe-no-fsync"],
    )  # fmt: skip
    NETNS.mkdir(parents=True, exist_ok=True)
    cluster.netns_fd = os.open(NETNS, os.O_PATH | os.O_DIRECTORY)
    cluster.made_netns_mount = _share_netns_folder()
    _containerd = _containerd_config(cluster)
    _cni_config(cluster)
    cluster.daemon("containerd", ["containerd", "--config", _containerd])
    cluster.wait("etcd", lambda: _http_ok(f"http://127.0.0.1:{ETCD_CLIENT_PORT}/health"))

    binaries = cluster.bin
    cluster.daemon(
        "kube-apiserver",
        [binaries / "kube-apiserver",
         f"--etcd-servers=http://127.0.0.1:{ETCD_CLIENT_PORT}",
         f"--secure-port={API_PORT}", f"--advertise-address={ip}",
         f"--service-cluster-ip-range={SERVICE_CIDR}",
         f"--client-ca-file={pki / 'ca.crt'}",
         f"--tls-cert-file={pki / 'apiserver.crt'}",
         f"--tls-private-key-file={pki / 'apiserver.key'}",
         f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
         f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
         "--kubelet-preferred-address-types=InternalIP,Hostname",
         "--service-account-issuer=https://kubernetes.default.svc",
         f"--service-account-key-file={pki / 'sa.pub'}",
         f"--service-account-signing-key-file={pki / 'sa.key'}",
         "--authorization-mode=AlwaysAllow", "--allow-privileged=true",
         "--enable-priority-and-fairness=false", "--profiling=false"],
    )  # fmt: skip
    cluster.wait(
        "kube-apiserver",
        lambda: _https_ok(f"https://127.0.0.1:{API_PORT}/readyz", pki),
        timeout=120,
    )
    cluster.daemon(
        "kube-controller-manager",
        [binaries / "kube-controller-manager", f"--kubeconfig={cluster.admin_kubeconfig}",
         "--leader-elect=false", f"--service-account-private-key-file={pki / 'sa.key'}",
         f"--root-ca-file={pki / 'ca.crt'}", "--use-service-account-credentials=false",
         "--controllers=*,-nodeipam,-cloud-node-lifecycle", "--profiling=false"],
    )  # fmt: skip
    cluster.daemon(
        "kube-scheduler",
        [binaries / "kube-scheduler", f"--kubeconfig={cluster.admin_kubeconfig}",
         "--leader-elect=false", "--profiling=false"],
    )  # fmt: skip
    cluster.wait("containerd", lambda: cluster.ctr("version", timeout=10))
    cluster.import_image(kubernetes_dir() / "pause.tar")
    cluster.daemon(
        "kubelet",
        [binaries / "kubelet", f"--config={_kubelet_config(cluster)}",
         f"--kubeconfig={run / 'kubelet.kubeconfig'}", f"--root-dir={run / 'kubelet'}",
         f"--node-ip={ip}", f"--hostname-override={NODE}", "--v=1"],
    )  # fmt: skip
    cluster.daemon(
        "kube-proxy",
        [binaries / "kube-proxy", f"--config={_kube_proxy_config(cluster)}"],
    )

    def node_ready() -> bool:
        node = cluster.json("get", "node", NODE)
        return any(
            c["type"] == "Ready" and c["status"] == "True" for c in node["status"]["conditions"]
        )

    cluster.wait("the node", node_ready, timeout=120, interval=0.5)
    cluster.wait(
        "the default service account",
        lambda: cluster.kubectl("get", "serviceaccount", "default", check=False).returncode == 0,
    )
    cluster.started_seconds = time.monotonic() - started


# --- the host, as it was ---------------------------------------------------------------


NETNS = Path("/run/netns")


def _mounted_at(path: Path) -> bool:
    return any(
        line.split()[4] == str(path)
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
    )


def _share_netns_folder() -> bool:
    """Make /run/netns a shared mount of itself, as `ip netns add` does, before containerd
    mounts the sandboxes' namespaces there. Otherwise an `ip netns add` elsewhere during
    the run mounts the folder over them, and they can no longer be removed. True if made."""
    if _mounted_at(NETNS):
        return False
    NETNS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "--bind", str(NETNS), str(NETNS)], check=True, timeout=30)
    subprocess.run(["mount", "--make-shared", str(NETNS)], check=True, timeout=30)
    return True


def _sysctl_path(name: str) -> Path:
    return Path("/proc/sys") / name.replace(".", "/")


def _sysctl(name: str, value: str) -> None:
    _sysctl_path(name).write_text(value)


@dataclass
class HostState:
    """What the host had before the cluster, to put back and to tell our leftovers by."""

    sysctls: dict[str, str]
    netns: set[str]
    cni_results: set[str]

    def save(self, path: Path) -> None:
        path.write_text(
            json.dumps(
                {
                    "sysctls": self.sysctls,
                    "netns": sorted(self.netns),
                    "cni_results": sorted(self.cni_results),
                }
            )
        )

    @classmethod
    def load(cls, path: Path) -> HostState | None:
        try:
            data = json.loads(path.read_text())
            return cls(data["sysctls"], set(data["netns"]), set(data["cni_results"]))
        except (OSError, ValueError, KeyError):
            return None

    @classmethod
    def now(cls) -> HostState:
        sysctls = {}
        for name in SYSCTLS:
            path = _sysctl_path(name)
            if path.exists():
                sysctls[name] = path.read_text().strip()
        return cls(sysctls, _entries(NETNS), _entries(Path("/var/lib/cni/results")))


def _entries(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.is_dir() else set()


def _quiet(*command: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), capture_output=True, text=True, timeout=timeout, check=False
    )


def _our_chain(name: str) -> bool:
    return name.startswith(("KUBE-", "CNI-"))


def remove_iptables_chains() -> None:
    """Every rule and chain of kube-proxy, the kubelet and the CNI plugins (by name)."""
    for binary in ("iptables", "ip6tables"):
        if shutil.which(binary) is None:
            continue
        for table in ("filter", "nat", "mangle"):
            listing = _quiet(binary, "-t", table, "-S").stdout.splitlines()
            chains = [line.split()[1] for line in listing if line.startswith("-N ")]
            ours = [c for c in chains if _our_chain(c)]
            # Rules in the other chains that jump to ours, then our chains themselves.
            for line in listing:
                if not line.startswith("-A "):
                    continue
                words = shlex.split(line)
                chain = words[1]
                target = words[words.index("-j") + 1] if "-j" in words else ""
                comment = line.lower()
                if not _our_chain(chain) and (
                    _our_chain(target) or "kubernetes" in comment or CNI_NETWORK in comment
                ):
                    _quiet(binary, "-t", table, "-D", *words[1:])
            for chain in ours:
                _quiet(binary, "-t", table, "-F", chain)
            for chain in ours:
                _quiet(binary, "-t", table, "-X", chain)


def _mounts_under(prefixes: Sequence[str]) -> list[str]:
    """Mount points at or below the prefixes (below only, for a prefix ending in /)."""
    points = []
    for line in Path("/proc/mounts").read_text().splitlines():
        point = line.split()[1].encode().decode("unicode_escape")
        if any(
            (point == p and not p.endswith("/")) or point.startswith(p.rstrip("/") + "/")
            for p in prefixes
        ):
            points.append(point)
    return sorted(points, key=len, reverse=True)


def _shims_of(socket_path: Path) -> list[int]:
    """PIDs of the containerd shims serving our containerd (they outlive it by design)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            argv
            and argv[0].endswith(b"containerd-shim-runc-v2")
            and str(socket_path).encode() in argv
        ):
            pids.append(int(proc.name))
    return pids


def _cgroup_processes() -> set[int]:
    """PIDs in the kubelet's pod cgroups: processes of the cluster's containers."""
    pids: set[int] = set()
    for name in CGROUP_ROOTS:
        for procs in Path("/sys/fs/cgroup").glob(f"*/{name}/**/cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                pids.update(int(p) for p in procs.read_text().split())
    return pids


def _kill_container_processes() -> None:
    for _ in range(20):
        pids = _cgroup_processes()
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def _remove_cgroups() -> None:
    # A killed process leaves its cgroup busy for a moment: retry for up to 5 s.
    for _ in range(50):
        _remove_cgroups_once()
        if not any(Path("/sys/fs/cgroup").glob(f"*/{CGROUP_ROOTS[0]}")):
            return
        time.sleep(0.1)


def _remove_cgroups_once() -> None:
    base = Path("/sys/fs/cgroup")
    if not base.is_dir():
        return
    for controller in base.iterdir():
        for name in CGROUP_ROOTS:
            top = controller / name
            if not top.is_dir():
                continue
            for folder in sorted(
                (p for p in top.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
            ):
                with contextlib.suppress(OSError):
                    folder.rmdir()
            with contextlib.suppress(OSError):
                top.rmdir()


def leftovers(run: Path, before: HostState) -> list[str]:
    """What of the cluster is still on the host (empty once `stop` has run)."""
    found = []
    if Path(f"/sys/class/net/{BRIDGE}").exists():
        found.append(f"bridge {BRIDGE}")
    for binary in ("iptables", "ip6tables"):
        for table in ("filter", "nat", "mangle"):
            for line in _quiet(binary, "-t", table, "-S").stdout.splitlines():
                if line.startswith("-N ") and _our_chain(line.split()[1]):
                    found.append(f"{binary} -t {table} chain {line.split()[1]}")
    found += [f"mount {m}" for m in _mounts_under([str(run)])]
    found += [f"netns {n}" for n in _entries(NETNS) - before.netns]
    found += [
        f"mount {m}" for m in _mounts_under([f"{NETNS}/"]) if Path(m).name not in before.netns
    ]
    found += [
        f"CNI result {n}" for n in _entries(Path("/var/lib/cni/results")) - before.cni_results
    ]
    found += [
        f"pod logs {n}" for n in _entries(Path("/var/log/pods")) if n.startswith(NAMESPACE_PREFIX)
    ]
    found += [f"cgroup {c}" for c in Path("/sys/fs/cgroup").glob(f"*/{CGROUP_ROOTS[0]}")]
    found += [f"shim {pid}" for pid in _shims_of(run / "containerd" / "containerd.sock")]
    for name, value in before.sysctls.items():
        path = _sysctl_path(name)
        if path.exists() and path.read_text().strip() != value:
            found.append(f"sysctl {name}")
    return found


def stop(cluster: Cluster, before: HostState) -> None:
    """Stop every daemon by its PID and remove what the cluster made; never raises."""
    # The controllers first, so that no deleted pod is made again; then the pods, while the
    # kubelet and containerd still run, so the CNI plugins tear down each sandbox's network
    # and the kubelet unmounts its volumes.
    for daemon in cluster.daemons:
        if daemon.name in ("kube-controller-manager", "kube-scheduler"):
            with contextlib.suppress(Exception):
                daemon.stop()
    if any(d.name == "kubelet" and d.alive() for d in cluster.daemons):
        with contextlib.suppress(Exception):
            cluster.kubectl(
                "delete", "pods", "--all", "--all-namespaces", "--grace-period=0", "--force",
                "--wait=true", "--timeout=60s", timeout=90, check=False,
            )  # fmt: skip
    with contextlib.suppress(Exception):
        if any(d.name == "kubelet" and d.alive() for d in cluster.daemons):
            cluster.wait(
                "no pod sandbox left",
                lambda: not cluster.ctr("tasks", "ls", "-q").split(),
                timeout=60,
                interval=0.5,
                watch=False,
            )
    # Whatever still runs in the pods' cgroups was started by this cluster.
    _kill_container_processes()
    for daemon in reversed(cluster.daemons):
        with contextlib.suppress(Exception):
            daemon.stop()
    for pid in _shims_of(cluster.containerd_socket):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    for point in _mounts_under([str(cluster.run)]):
        _quiet("umount", "-l", point)
    ours = _entries(NETNS) - before.netns
    ways = [NETNS]
    if cluster.netns_fd is not None:
        ways.append(Path(f"/proc/{os.getpid()}/fd/{cluster.netns_fd}"))
    for name in ours:
        _quiet("ip", "netns", "delete", name)
        for _ in range(5):
            if not _mounted_at(NETNS / name):
                break
            for way in ways:
                _quiet("umount", "-l", str(way / name))
        for way in ways:
            with contextlib.suppress(OSError):
                (way / name).unlink()
    if cluster.made_netns_mount and not _mounts_under([f"{NETNS}/"]) and not _entries(NETNS):
        _quiet("umount", str(NETNS))
    if cluster.netns_fd is not None:
        with contextlib.suppress(OSError):
            os.close(cluster.netns_fd)
        cluster.netns_fd = None
    for name in _entries(Path("/var/lib/cni/results")) - before.cni_results:
        with contextlib.suppress(OSError):
            (Path("/var/lib/cni/results") / name).unlink()
    for folder in ("/var/log/pods", "/var/log/containers"):
        for entry in _entries(Path(folder)):
            if entry.startswith(NAMESPACE_PREFIX) or f"_{NAMESPACE_PREFIX}" in entry:
                path = Path(folder) / entry
                if path.is_symlink() or path.is_file():
                    path.unlink(missing_ok=True)
                else:
                    shutil.rmtree(path, ignore_errors=True)
    _quiet("ip", "link", "delete", BRIDGE)
    remove_iptables_chains()
    _quiet("conntrack", "-D", "-s", POD_CIDR)
    _quiet("conntrack", "-D", "-d", POD_CIDR)
    _kill_container_processes()
    _remove_cgroups()
    for name, value in before.sysctls.items():
        with contextlib.suppress(OSError):
            _sysctl(name, value)
    shutil.rmtree(cluster.run, ignore_errors=True)


def _stop_recorded_daemons(run: Path) -> None:
    """SIGKILL the daemons a killed run recorded, where the PID is still that daemon."""
    record = run / "pids"
    if not record.exists():
        return
    for line in record.read_text().splitlines():
        pid_text, _, name = line.partition(" ")
        try:
            argv = Path(f"/proc/{pid_text}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and Path(argv[0].decode(errors="replace")).name == name:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_text), signal.SIGKILL)
    time.sleep(0.5)


@contextlib.contextmanager
def exclusive(timeout: float = 1800) -> Iterator[None]:
    """Hold the host's cluster lock: one cluster per machine, whichever checkout runs it."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ClusterError(f"another cluster run holds {LOCK}") from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def running() -> Iterator[Cluster]:
    """A started cluster for the `with` block; everything removed after it, however it ends."""
    with exclusive():
        run = cache_dir() / "run"
        before = HostState.now()
        # A run killed before its clean-up (SIGKILL, a CI timeout) left its folder and
        # perhaps its daemons: stop those by their recorded PIDs, then clear the rest.
        # What the host had before that run tells its leftovers from the host's own.
        if run.exists():
            _stop_recorded_daemons(run)
            stop(Cluster(run, node_ip()), HostState.load(run / "before.json") or before)
            before = HostState.now()
        run.mkdir(parents=True)
        before.save(run / "before.json")
        cluster = Cluster(run, node_ip(), before=before)
        try:
            start(cluster)
            yield cluster
        finally:
            stop(cluster, before)


def main(argv: Sequence[str]) -> int:
    if argv[:1] != ["up"]:
        print(__doc__)
        return 2
    problem = missing()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    with running() as cluster:
        print(f"cluster up in {cluster.started_seconds:.1f} s", flush=True)
        print(f"kubectl --kubeconfig {cluster.admin_kubeconfig}", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)
                cluster.check_daemons()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
