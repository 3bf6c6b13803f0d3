"""A pod rehearsed on one machine.

A Linux network namespace plays the pod: the sidecar (`python -m sidecar serve`) and
three app processes run inside it, configured as the manifests configure them. Two
apps reach the sidecar over their own Unix sockets and hold no credential; each runs
in a mount namespace of its own where its socket folder is bind-mounted over the
socket directory, as a container's `subPath` mount of the sockets `emptyDir` does, so
it sees its own socket and no other. The third app cannot use a socket (as the
`cometchat-sidecar-tcp` component allows): it calls TCP on the pod's loopback with its
credential, of which the sidecar holds only the hash. The CometChat emulator runs in a
second namespace, reached over a veth pair, standing in for the internet. A process in
that second namespace then tries to reach the sidecar.

The addresses (a /30 from 10.200.0.0/16) exist only on the veth pair inside the two
namespaces this test makes; both are deleted in `finally`. Needs root, `ip` (iproute2,
which deploy/tools.sh installs under CI) and `unshare` (util-linux).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from sidecar.adapters.credentials import hash_credential
from tests.deploy.render import ROOT

pytestmark = [pytest.mark.deploy, pytest.mark.e2e]

POD_IP = "10.200.0.1"
UPSTREAM_IP = "10.200.0.2"
GRPC_PORT = 50051
HEALTH_PORT = 50052
DEADLINE_SECONDS = 60.0


def _requirements() -> str | None:
    if os.geteuid() != 0:
        return "the pod rehearsal makes network namespaces: run it as root"
    if shutil.which("ip") is None:
        return "the pod rehearsal needs `ip` (iproute2): apt-get install iproute2"
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "the pod rehearsal needs `unshare` and `mount`: apt-get install util-linux mount"
    return None


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def namespaces() -> Iterator[tuple[str, str]]:
    """A pod namespace and an upstream namespace joined by a veth pair."""
    suffix = secrets.token_hex(3)
    pod, upstream = f"ccpod-{suffix}", f"ccup-{suffix}"
    pod_link, upstream_link = f"ccp{suffix}", f"ccu{suffix}"
    made: list[str] = []
    # `ip netns add` makes /run/netns a shared mount of itself the first time; the
    # rehearsal takes that mount away again if it was the one that made it.
    netns_was_mounted = _netns_mounted()
    try:
        for name in (pod, upstream):
            ip("netns", "add", name)
            made.append(name)
        ip("-n", pod, "link", "add", pod_link, "type", "veth", "peer", "name", upstream_link)
        ip("-n", pod, "link", "set", upstream_link, "netns", upstream)
        for name, link, address in (
            (pod, pod_link, POD_IP),
            (upstream, upstream_link, UPSTREAM_IP),
        ):
            ip("-n", name, "addr", "add", f"{address}/30", "dev", link)
            ip("-n", name, "link", "set", link, "up")
            ip("-n", name, "link", "set", "lo", "up")
        yield pod, upstream
    finally:
        # Deleting a namespace deletes the veth end inside it, and so the pair.
        for name in reversed(made):
            subprocess.run(["ip", "netns", "del", name], check=False, timeout=30)
        netns = Path("/run/netns")
        if not netns_was_mounted and _netns_mounted() and not any(netns.iterdir()):
            subprocess.run(["umount", str(netns)], check=False, timeout=30)


def _netns_mounted() -> bool:
    return any(
        line.split()[4] == "/run/netns"
        for line in Path("/proc/self/mountinfo").read_text().splitlines()
    )


@dataclass
class Process:
    """A process in a namespace whose output lines are read on threads."""

    name: str
    popen: subprocess.Popen[str]
    lines: queue.Queue[tuple[str, str]] = field(default_factory=queue.Queue)
    seen: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for stream_name in ("stdout", "stderr"):
            stream = getattr(self.popen, stream_name)
            threading.Thread(target=self._pump, args=(stream_name, stream), daemon=True).start()

    def _pump(self, stream_name: str, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put((stream_name, line))

    def expect(self, stream: str, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """The first JSON line on `stream` that `predicate` accepts, within the deadline."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                source, line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if source != stream:
                continue
            with contextlib.suppress(json.JSONDecodeError):
                record = json.loads(line)
                if isinstance(record, dict) and predicate(record):
                    return record
        raise AssertionError(f"{self.name}: no expected line; saw:\n{''.join(self.seen[-20:])}")

    def send(self, line: str) -> None:
        assert self.popen.stdin is not None
        self.popen.stdin.write(line + "\n")
        self.popen.stdin.flush()

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


# In a mount namespace of its own, the app's socket folder is mounted over the socket
# directory: `<socket_dir>/sidecar.sock` is its socket, and the other apps' folders are
# out of sight (what `mountPath: <socket_dir>, subPath: <app>` does in the pod).
_OWN_SOCKET_FOLDER = (
    'dir="$1" app="$2"; shift 2; mount --bind "$dir/$app" "$dir" && exec "$@"',
    "own-socket-folder",
)


def own_socket_folder(socket_dir: Path, app: str) -> list[str]:
    """The command prefix that runs a process seeing only `app`'s socket folder."""
    script, name = _OWN_SOCKET_FOLDER
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        script,
        name,
        str(socket_dir),
        app,
    ]


def start(
    namespace: str,
    name: str,
    args: list[str],
    env: dict[str, str],
    prefix: list[str] | None = None,
) -> Process:
    popen = subprocess.Popen(
        ["ip", "netns", "exec", namespace, *(prefix or []), sys.executable, *args],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    return Process(name, popen)


def test_two_apps_log_in_and_out_through_the_sidecar_in_a_pod(tmp_path: Path) -> None:
    missing = _requirements()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)

    # Only the app on TCP has a credential; the sidecar gets its hash, never the credential.
    credential = secrets.token_urlsafe(24)
    hashes_dir = tmp_path / "tcp-credentials"
    hashes_dir.mkdir()
    (hashes_dir / "legacy").write_text(hash_credential(credential) + "\n", encoding="utf-8")
    users = {"app-a": "cometchat-uid-1", "app-b": "cometchat-uid-2", "legacy": "cometchat-uid-3"}

    processes: list[Process] = []
    with (
        namespaces() as (pod, upstream),
        tempfile.TemporaryDirectory(prefix="ccpod-", dir="/tmp") as sockets,
    ):
        socket_dir = Path(sockets)  # the pod's /run/cometchat-sidecar, shortly named
        try:
            emulator = start(
                upstream,
                "emulator",
                ["-m", "sidecar", "emulator", "--host", UPSTREAM_IP],
                {},
            )
            processes.append(emulator)
            urls = emulator.expect("stdout", lambda r: "api_url" in r)
            key_file = tmp_path / "api-key"
            key_file.write_text(urls["full_access_key"] + "\n", encoding="utf-8")

            sidecar = start(
                pod,
                "sidecar",
                ["-m", "sidecar", "serve"],
                {
                    "COMETCHAT_APP_ID": urls["app_id"],
                    "COMETCHAT_API_HOST": urls["api_url"],
                    "COMETCHAT_CLIENT_HOST": urls["client_url"],
                    "COMETCHAT_API_KEY_FILE": str(key_file),
                    "COMETCHAT_SIDECAR_SOCKET_DIR": str(socket_dir),
                    "COMETCHAT_SIDECAR_SOCKET_APPS": "app-a,app-b",
                    "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR": str(hashes_dir),
                    "COMETCHAT_SIDECAR_LISTEN": f"127.0.0.1:{GRPC_PORT}",
                    "COMETCHAT_SIDECAR_HEALTH_LISTEN": f"0.0.0.0:{HEALTH_PORT}",
                },
            )
            processes.append(sidecar)
            serving = sidecar.expect("stderr", lambda r: r.get("event") == "serving")

            apps = {}
            for app in ("app-a", "app-b"):
                other = "app-b" if app == "app-a" else "app-a"
                apps[app] = start(
                    pod,
                    app,
                    [
                        "-m",
                        "tests.deploy.pod_app",
                        f"unix://{socket_dir}/sidecar.sock",
                        users[app],
                        str(socket_dir / other / "sidecar.sock"),
                    ],
                    {},
                    prefix=own_socket_folder(socket_dir, app),
                )
                processes.append(apps[app])
            # The control: without the mount, app-b's socket is there to connect to.
            apps["legacy"] = start(
                pod,
                "legacy",
                [
                    "-m",
                    "tests.deploy.pod_app",
                    f"127.0.0.1:{GRPC_PORT}",
                    users["legacy"],
                    str(socket_dir / "app-b" / "sidecar.sock"),
                ],
                {"SIDECAR_APP_CREDENTIAL": credential},
            )
            processes.append(apps["legacy"])
            probed = {
                app: apps[app].expect("stdout", lambda r: r["step"] == "probed") for app in apps
            }
            # All logged in at once, each with its own user.
            for app, uid in users.items():
                assert apps[app].expect("stdout", lambda r: r["step"] == "logged_in")["uid"] == uid

            outsider = start(
                upstream,
                "outsider",
                ["-m", "tests.deploy.pod_outsider", POD_IP, str(GRPC_PORT), str(HEALTH_PORT)],
                {},
            )
            processes.append(outsider)
            reach = outsider.expect("stdout", lambda r: "pod_ip_grpc" in r)

            results = {}
            for app in apps:
                apps[app].send("go")
                still = apps[app].expect("stdout", lambda r: r["step"] == "still_logged_in")
                out = apps[app].expect("stdout", lambda r: r["step"] == "logged_out")
                results[app] = (still["uid"], out["uid"])
            for app in apps:
                assert apps[app].popen.wait(timeout=DEADLINE_SECONDS) == 0

            sidecar.stop()
            assert sidecar.popen.returncode == 0
            sidecar.expect("stderr", lambda r: r.get("event") == "stopped")
        finally:
            for process in reversed(processes):
                process.stop()

    # The sidecar served each app's socket and, on loopback, the one TCP app.
    assert serving["sockets"] == {
        app: str(socket_dir / app / "sidecar.sock") for app in ("app-a", "app-b")
    }
    assert (serving["address"], serving["apps"]) == (f"127.0.0.1:{GRPC_PORT}", ["legacy"])
    # Each app saw only its own user, and logging one out left the others logged in.
    assert results == {app: (uid, None) for app, uid in users.items()}
    # An app on its socket cannot even see the other app's socket; without that mount
    # (the legacy process, in the pod's mount namespace) the same path connects.
    assert {app: probed[app]["result"] for app in apps} == {
        "app-a": "FileNotFoundError",
        "app-b": "FileNotFoundError",
        "legacy": "connected",
    }
    # From outside the pod the sidecar's gRPC port cannot be reached at all; only the
    # health-only listener (what the kubelet probes) answers, and it serves no RPC.
    assert reach == {
        "pod_ip_grpc": "refused",
        "own_loopback_grpc": "refused",
        "health": "SERVING",
        "auth_on_health_port": "UNIMPLEMENTED",
    }
    # The logins went over the veth pair to the emulator: the sidecar logged each RPC,
    # with the app the socket or the credential named.
    rpcs = [json.loads(line) for line in sidecar.seen if '"event": "rpc"' in line]
    logins = {(r["app"], r["uid"]) for r in rpcs if r["method"] == "Login" and r["reason"] == "OK"}
    assert logins == set(users.items())
    assert credential not in "".join(sidecar.seen)
