"""The base's pod on a real node: `deploy/kubernetes/base` through an overlay that only
sets the app id, points the hosts at the emulator's Services and brings the Secret.

The tests run in file order on one pod; the last two restart the sidecar and delete the
pod.
"""

from __future__ import annotations

import hashlib
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.deploy.cluster import checks, manifests
from tests.deploy.cluster.checks import GO_APP, PYTHON_APP, call
from tests.deploy.cluster.kube import SIDECAR, Kube, json_lines, parse_time, wait_for

pytestmark = [pytest.mark.deploy, pytest.mark.e2e, pytest.mark.cluster]

NAMESPACE = "cc-base"


@pytest.fixture(scope="module")
def keys() -> manifests.Keys:
    return manifests.Keys.fresh()


@pytest.fixture(scope="module")
def base(
    kube: Kube, keys: manifests.Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    folder = manifests.overlay(tmp_path_factory.mktemp("base") / "overlay", manifests.BASE, keys)
    with kube.namespace(NAMESPACE):
        kube.apply_kustomization(NAMESPACE, folder)
        kube.wait_rollout(NAMESPACE, "deployment/example-app")
        yield kube.running_pod(NAMESPACE)


def test_the_native_sidecar_serves_before_the_apps_start(kube: Kube, base: dict[str, Any]) -> None:
    assert checks.start_order_problems(kube, NAMESPACE, base) == []
    status = next(s for s in base["status"]["initContainerStatuses"] if s["name"] == SIDECAR)
    assert status["started"] is True
    assert status["ready"] is True


def test_the_client_examples_log_in_over_their_own_sockets(
    kube: Kube, base: dict[str, Any]
) -> None:
    pod = base["metadata"]["name"]
    python = kube.exec(NAMESPACE, pod, "app-a", "python", "/app/login.py", "cometchat-uid-3")
    assert python.returncode == 0, python.stderr
    assert "logged in: cometchat-uid-3" in python.stdout
    assert "sidecar says: cometchat-uid-3 is logged in" in python.stdout
    go = kube.exec(NAMESPACE, pod, "app-b", "/app/login", "cometchat-uid-5")
    assert go.returncode == 0, go.stderr
    assert "logged in as cometchat-uid-5" in go.stdout


def test_each_app_sees_and_ends_only_its_own_session(kube: Kube, base: dict[str, Any]) -> None:
    assert checks.isolation_problems(kube, NAMESPACE, base) == []


def test_the_security_context_holds_in_the_running_processes(
    kube: Kube, base: dict[str, Any]
) -> None:
    expected = {SIDECAR: 10001, "app-a": 20001, "app-b": 20002}
    for container, uid in expected.items():
        pid = kube.container_pid(base, container)
        status = checks.proc_status(pid)
        assert status["Uid"].split() == [str(uid)] * 4, container  # runAsUser, non-root
        assert status["Gid"].split() == [str(uid if container != SIDECAR else 10001)] * 4
        assert "10001" in status["Groups"].split(), container  # fsGroup, the sockets' group
        assert int(status["CapEff"], 16) == 0, container  # capabilities: drop ALL
        assert int(status["CapPrm"], 16) == 0, container
        assert int(status["CapBnd"], 16) == 0, container
        assert status["NoNewPrivs"] == "1", container  # allowPrivilegeEscalation: false
        assert status["Seccomp"] == "2", container  # seccomp RuntimeDefault (filter mode)
        assert checks.root_is_read_only(pid), container  # readOnlyRootFilesystem
    pod = base["metadata"]["name"]
    denied = kube.exec(NAMESPACE, pod, SIDECAR, "sh", "-c", "echo x > /opt/venv/x")
    assert denied.returncode != 0
    assert "Read-only file system" in denied.stderr
    # fsGroup: the kubelet gave the state volume to group 10001, and the sidecar's files
    # in it are that group's.
    sidecar = kube.container_pid(base, SIDECAR)
    state = Path(f"/proc/{sidecar}/root/var/lib/cometchat-sidecar")
    assert state.stat().st_gid == 10001
    assert (state / "sessions.db").stat().st_gid == 10001


def test_the_secrets_are_files_from_the_secret_and_in_no_environment(
    kube: Kube, base: dict[str, Any], keys: manifests.Keys
) -> None:
    pod = base["metadata"]["name"]
    volume = next(v for v in base["spec"]["volumes"] if v["name"] == "cometchat-sidecar-secrets")
    secret = kube.cluster.json("-n", NAMESPACE, "get", "secret", volume["secret"]["secretName"])
    assert sorted(secret["data"]) == ["api-key", "state-key"]

    sidecar = kube.container_pid(base, SIDECAR)
    folder = Path(f"/proc/{sidecar}/root/etc/cometchat-sidecar/secrets")
    for name, value in (("api-key", keys.api_key), ("state-key", keys.state_key)):
        held = (folder / name).read_bytes()
        assert hashlib.sha256(held).digest() == hashlib.sha256(value.encode()).digest(), name
    for app in ("app-a", "app-b"):
        pid = kube.container_pid(base, app)
        assert not Path(f"/proc/{pid}/root/etc/cometchat-sidecar").exists(), app

    environments = {
        SIDECAR: kube.exec(NAMESPACE, pod, SIDECAR, "env", check=True).stdout,
        "app-a": kube.exec(NAMESPACE, pod, "app-a", "env", check=True).stdout,
        "app-b": kube.exec(NAMESPACE, pod, "app-b", "/app/app", "env", check=True).stdout,
    }
    for container, env in environments.items():
        assert "PATH=" in env, container
        assert keys.api_key not in env, container
        assert keys.state_key not in env, container
        names = {line.partition("=")[0] for line in env.splitlines()}
        assert not names & {"COMETCHAT_API_KEY", "COMETCHAT_SIDECAR_STATE_KEY"}, container
    assert "COMETCHAT_API_KEY_FILE=/etc/cometchat-sidecar/secrets/api-key" in environments[SIDECAR]


def test_the_sidecar_reaches_the_emulator_over_the_pod_network(
    kube: Kube, base: dict[str, Any]
) -> None:
    pod = base["metadata"]["name"]
    serving = next(
        line
        for line in json_lines(kube.logs(NAMESPACE, pod, SIDECAR))
        if line.get("event") == "serving"
    )
    assert serving["api_host"] == manifests.API_HOST
    assert serving["client_host"] == manifests.CLIENT_HOST
    emulator = kube.pods("cc-upstream")[0]
    assert emulator["status"]["podIP"] != base["status"]["podIP"]
    endpoints = kube.cluster.json("-n", "cc-upstream", "get", "endpoints", "cometchat-api")
    assert endpoints["subsets"][0]["addresses"][0]["ip"] == emulator["status"]["podIP"]

    before = kube.emulator_stats()
    assert call(kube, NAMESPACE, pod, PYTHON_APP, "login", "cometchat-uid-1")["uid"] == (
        "cometchat-uid-1"
    )
    after = kube.emulator_stats()
    assert after["total"] > before["total"]
    call(kube, NAMESPACE, pod, PYTHON_APP, "logout")


def test_a_killed_sidecar_is_restarted_and_the_sessions_come_back(
    kube: Kube, base: dict[str, Any]
) -> None:
    pod = base["metadata"]["name"]
    assert call(kube, NAMESPACE, pod, PYTHON_APP, "login", "cometchat-uid-1")["uid"] == (
        "cometchat-uid-1"
    )
    assert (
        call(kube, NAMESPACE, pod, GO_APP, "login", "cometchat-uid-2")["uid"] == "cometchat-uid-2"
    )
    old = kube.container_id(base, SIDECAR)
    upstream_before = kube.emulator_stats()["total"]

    kube.cluster.ctr("tasks", "kill", "--signal", "SIGKILL", old)

    def restarted() -> dict[str, Any] | None:
        now = kube.pod(NAMESPACE, pod)
        status = next(s for s in now["status"]["initContainerStatuses"] if s["name"] == SIDECAR)
        if (
            status["restartCount"] >= 1
            and status.get("ready")
            and status["containerID"] != (f"containerd://{old}")
        ):
            return now
        return None

    now = wait_for("the sidecar restarted", restarted, timeout=90, interval=0.5)
    status = next(s for s in now["status"]["initContainerStatuses"] if s["name"] == SIDECAR)
    assert status["lastState"]["terminated"]["exitCode"] == 137  # SIGKILL
    # The apps were not restarted: they only waited for the sidecar.
    assert all(s["restartCount"] == 0 for s in now["status"]["containerStatuses"])
    for app, uid in ((PYTHON_APP, "cometchat-uid-1"), (GO_APP, "cometchat-uid-2")):
        assert call(kube, NAMESPACE, pod, app, "ready").get("ready") is True, app.name
        assert call(kube, NAMESPACE, pod, app, "whoami")["uid"] == uid, app.name
    # Answered from the state file: no login went to CometChat again.
    assert kube.emulator_stats()["total"] == upstream_before
    assert call(kube, NAMESPACE, pod, GO_APP, "logout")["logged_out"] is True
    assert call(kube, NAMESPACE, pod, PYTHON_APP, "logout")["logged_out"] is True


def test_deleting_the_pod_stops_the_apps_first_and_drains_a_login_in_flight(
    kube: Kube, base: dict[str, Any], tmp_path: Path
) -> None:
    pod = base["metadata"]["name"]
    streams = {
        name: (
            tmp_path / f"{name}.log",
            kube.follow_logs(NAMESPACE, pod, name, tmp_path / f"{name}.log"),
        )
        for name in (SIDECAR, "app-a", "app-b")
    }
    # Every CometChat answer takes 1.5 s, so the login below is still in flight when the
    # pod is deleted; app-a waits for it on SIGTERM, and the sidecar is stopped after.
    kube.emulator_faults({"latencyMs": 1500})
    try:
        kube.exec(NAMESPACE, pod, "app-a", "python", "-c",
                  f"import os; os.kill(1, {int(signal.SIGUSR1)})", check=True)  # fmt: skip
        wait_for(
            "the login to start",
            lambda: any(
                line.get("event") == "login_started"
                for line in json_lines(streams["app-a"][0].read_text())
            ),
        )
        time.sleep(0.3)
        deleted = time.time()
        kube.kubectl("-n", NAMESPACE, "delete", "pod", pod, "--wait=false")
        for _, process in streams.values():
            process.wait(timeout=90)
    finally:
        kube.emulator_faults(None)
        for _, process in streams.values():
            if process.poll() is None:
                process.kill()

    logs = {name: json_lines(path.read_text()) for name, (path, _) in streams.items()}
    a = {line["event"]: line for line in logs["app-a"] if "event" in line}
    b = {line["event"]: line for line in logs["app-b"] if "event" in line}
    sidecar = {line["event"]: line for line in logs[SIDECAR] if "event" in line}
    assert a["sigterm"]["logins_in_flight"] == 1
    assert a["login_done"]["uid"] == "cometchat-uid-4"  # the in-flight login completed
    assert deleted < a["sigterm"]["t"] < a["login_done"]["t"] < a["exiting"]["t"]
    assert "sigterm" in b
    draining = parse_time(sidecar["draining"]["timestamp"])
    # The sidecar got SIGTERM only after both apps had exited.
    assert draining > a["exiting"]["t"]
    assert draining > b["sigterm"]["t"]
