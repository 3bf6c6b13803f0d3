"""The checks the cluster tests make on a running pod; each returns what is wrong (empty
when all holds), so a test can show a check passes on the project's manifests and fails
on a broken one."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.cluster.kube import SIDECAR, Kube, json_lines, parse_time

SOCKET_DIR = "run/cometchat-sidecar"


@dataclass(frozen=True)
class App:
    """An app container and how to run its test app's calls in it."""

    name: str
    command: tuple[str, ...]


PYTHON_APP = App("app-a", ("python", "/app/app.py"))
GO_APP = App("app-b", ("/app/app",))
BASE_APPS = (PYTHON_APP, GO_APP)


def call(kube: Kube, namespace: str, pod: str, app: App, *args: str) -> dict[str, Any]:
    """One call through the app's client; its JSON answer (with `error` when it failed)."""
    result = kube.exec(namespace, pod, app.name, *app.command, *args)
    lines = json_lines(result.stdout)
    if not lines:
        return {"error": result.stderr.strip() or f"exit {result.returncode}"}
    return lines[-1]


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod["spec"]
    containers: list[dict[str, Any]] = spec.get("initContainers", []) + spec["containers"]
    return containers


def serving_time(kube: Kube, namespace: str, pod: str) -> float | None:
    for line in json_lines(kube.logs(namespace, pod, SIDECAR)):
        if line.get("event") == "serving":
            return parse_time(line["timestamp"])
    return None


def start_order_problems(kube: Kube, namespace: str, pod: dict[str, Any]) -> list[str]:
    """The sidecar must be serving (its startup probe passed) before any app starts."""
    problems = []
    name = pod["metadata"]["name"]
    natives = [
        c
        for c in pod["spec"].get("initContainers", [])
        if c["name"] == SIDECAR and c.get("restartPolicy") == "Always"
    ]
    if not natives:
        problems.append("the sidecar is not a native sidecar (initContainer, restartPolicy Always)")
    elif "startupProbe" not in natives[0]:
        problems.append("the sidecar has no startup probe")
    statuses = pod["status"].get("initContainerStatuses", []) + pod["status"].get(
        "containerStatuses", []
    )
    sidecar_status = next((s for s in statuses if s["name"] == SIDECAR), None)
    if not sidecar_status or not sidecar_status.get("started"):
        problems.append("the kubelet does not count the sidecar as started")
    serving = serving_time(kube, namespace, name)
    if serving is None:
        return [*problems, "the sidecar never logged `serving`"]
    for container in pod["spec"]["containers"]:
        if container["name"] == SIDECAR:
            continue
        lines = json_lines(kube.logs(namespace, name, container["name"]))
        started = next((line["t"] for line in lines if line.get("event") == "started"), None)
        if started is None:
            problems.append(f"{container['name']} never logged its start")
        elif started <= serving:
            problems.append(
                f"{container['name']} started {serving - started:.3f} s before the sidecar served"
            )
    return problems


def _socket_inode(pid: int, relative: str) -> int | None:
    path = Path(f"/proc/{pid}/root") / relative
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def isolation_problems(
    kube: Kube, namespace: str, pod: dict[str, Any], apps: tuple[App, App] = BASE_APPS
) -> list[str]:
    """Each app on its own socket, with its own session: A cannot see or end B's."""
    problems = []
    name = pod["metadata"]["name"]
    first, second = apps
    sidecar_pid = kube.container_pid(pod, SIDECAR)
    for app in apps:
        pid = kube.container_pid(pod, app.name)
        seen = sorted(os.listdir(f"/proc/{pid}/root/{SOCKET_DIR}"))
        if seen != ["sidecar.sock"]:
            problems.append(f"{app.name} sees {seen} in /{SOCKET_DIR}")
        own = _socket_inode(sidecar_pid, f"{SOCKET_DIR}/{app.name}/sidecar.sock")
        mounted = _socket_inode(pid, f"{SOCKET_DIR}/sidecar.sock")
        if own is None or own != mounted:
            problems.append(f"{app.name}'s socket is not the one the sidecar made for {app.name}")
    for app in apps:
        call(kube, namespace, name, app, "logout")
    for app, uid in ((first, "cometchat-uid-1"), (second, "cometchat-uid-2")):
        answer = call(kube, namespace, name, app, "login", uid)
        if answer.get("uid") != uid:
            problems.append(f"{app.name} could not log {uid} in: {answer}")
    for app, uid in ((first, "cometchat-uid-1"), (second, "cometchat-uid-2")):
        answer = call(kube, namespace, name, app, "whoami")
        if answer.get("uid") != uid:
            problems.append(f"{app.name} sees {answer.get('uid')!r}, not its own {uid}")
    call(kube, namespace, name, second, "logout")
    answer = call(kube, namespace, name, first, "whoami")
    if answer.get("uid") != "cometchat-uid-1":
        problems.append(f"{second.name}'s logout ended {first.name}'s session ({answer})")
    answer = call(kube, namespace, name, second, "whoami")
    if answer.get("uid") is not None:
        problems.append(f"{second.name} still sees {answer.get('uid')!r} after its logout")
    call(kube, namespace, name, first, "logout")
    return problems


def proc_status(pid: int) -> dict[str, str]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return fields


def root_is_read_only(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/mountinfo").read_text().splitlines():
        fields = line.split()
        if fields[4] == "/":
            return "ro" in fields[5].split(",")
    return False


__all__ = [
    "BASE_APPS",
    "GO_APP",
    "PYTHON_APP",
    "App",
    "call",
    "isolation_problems",
    "proc_status",
    "root_is_read_only",
    "start_order_problems",
]
