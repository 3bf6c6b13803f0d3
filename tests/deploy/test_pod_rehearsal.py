"""A pod rehearsed on one machine.

A Linux network namespace plays the pod: the sidecar (`python -m sidecar serve`) and
two app processes run inside it, the apps on the pod's loopback with their own
credentials, as the manifests configure them (per-app Unix sockets are not in this
version of the sidecar yet). The CometChat emulator runs in a second namespace,
reached over a veth pair, standing in for the internet. A process in that second
namespace then tries to reach the sidecar.

The addresses (a /30 from 10.200.0.0/16) exist only on the veth pair inside the two
namespaces this test makes; both are deleted in `finally`. Needs root and `ip`
(iproute2, which deploy/tools.sh installs under CI).
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
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

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


def start(namespace: str, name: str, args: list[str], env: dict[str, str]) -> Process:
    popen = subprocess.Popen(
        ["ip", "netns", "exec", namespace, sys.executable, *args],
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

    credentials = {app: secrets.token_urlsafe(24) for app in ("app-a", "app-b")}
    apps_dir = tmp_path / "apps"
    apps_dir.mkdir()
    for app, credential in credentials.items():
        (apps_dir / app).write_text(credential + "\n", encoding="utf-8")

    processes: list[Process] = []
    with namespaces() as (pod, upstream):
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
                    "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR": str(apps_dir),
                    "COMETCHAT_SIDECAR_LISTEN": f"127.0.0.1:{GRPC_PORT}",
                    "COMETCHAT_SIDECAR_HEALTH_LISTEN": f"0.0.0.0:{HEALTH_PORT}",
                },
            )
            processes.append(sidecar)
            serving = sidecar.expect("stderr", lambda r: r.get("event") == "serving")
            assert sorted(serving["apps"]) == ["app-a", "app-b"]

            apps = {}
            for app, uid in (("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")):
                apps[app] = start(
                    pod,
                    app,
                    ["-m", "tests.deploy.pod_app", f"127.0.0.1:{GRPC_PORT}", uid],
                    {"SIDECAR_APP_CREDENTIAL": credentials[app]},
                )
                processes.append(apps[app])
            # Both logged in at once, each with its own user.
            for app, uid in (("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")):
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
            for app in ("app-a", "app-b"):
                apps[app].send("go")
                still = apps[app].expect("stdout", lambda r: r["step"] == "still_logged_in")
                out = apps[app].expect("stdout", lambda r: r["step"] == "logged_out")
                results[app] = (still["uid"], out["uid"])
            for app in ("app-a", "app-b"):
                assert apps[app].popen.wait(timeout=DEADLINE_SECONDS) == 0

            sidecar.stop()
            assert sidecar.popen.returncode == 0
            sidecar.expect("stderr", lambda r: r.get("event") == "stopped")
        finally:
            for process in reversed(processes):
                process.stop()

    # Each app saw only its own user, and logging one out left the other logged in.
    assert results == {"app-a": ("cometchat-uid-1", None), "app-b": ("cometchat-uid-2", None)}
    # From outside the pod the sidecar's gRPC port cannot be reached at all; only the
    # health-only listener (what the kubelet probes) answers, and it serves no RPC.
    assert reach == {
        "pod_ip_grpc": "refused",
        "own_loopback_grpc": "refused",
        "health": "SERVING",
        "auth_on_health_port": "UNIMPLEMENTED",
    }
    # The login went over the veth pair to the emulator: the sidecar logged each RPC.
    rpcs = [json.loads(line) for line in sidecar.seen if '"event": "rpc"' in line]
    logins = {(r["app"], r["uid"]) for r in rpcs if r["method"] == "Login" and r["reason"] == "OK"}
    assert logins == {("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")}
