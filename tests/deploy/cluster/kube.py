"""What the cluster tests do to the cluster: namespaces, apply, wait, exec, logs, and the
host's view of a container (its process, through containerd)."""

from __future__ import annotations

import contextlib
import datetime
import json
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.deploy.cluster.cluster import NAMESPACE_PREFIX, Cluster, ClusterError
from tests.deploy.render import tool

SIDECAR = "cometchat-sidecar"


def parse_time(stamp: str) -> float:
    """An RFC 3339 time (Kubernetes', or the sidecar's log timestamp) as Unix seconds."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        with contextlib.suppress(ValueError):
            value = json.loads(line)
            if isinstance(value, dict):
                lines.append(value)
    return lines


@dataclass
class Kube:
    cluster: Cluster

    def kubectl(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.cluster.kubectl(*args, **kwargs)

    @contextlib.contextmanager
    def namespace(self, name: str) -> Iterator[str]:
        assert name.startswith(NAMESPACE_PREFIX)
        self.kubectl("create", "namespace", name)
        self.kubectl("label", "namespace", name, "cometchat-test=true")
        self.cluster.wait(
            f"the default service account of {name}",
            lambda: self.kubectl("-n", name, "get", "sa", "default", check=False).returncode == 0,
        )
        try:
            yield name
        finally:
            self.kubectl("delete", "namespace", name, "--wait=false", check=False)

    def apply_in(self, namespace: str, manifest: str) -> None:
        if self.kubectl("get", "namespace", namespace, check=False).returncode != 0:
            self.kubectl("create", "namespace", namespace)
            self.kubectl("label", "namespace", namespace, "cometchat-test=true")
            self.cluster.wait(
                "the default service account",
                lambda: (
                    self.kubectl("-n", namespace, "get", "sa", "default", check=False).returncode
                    == 0
                ),
            )
        self.kubectl("-n", namespace, "apply", "-f", "-", input=manifest)

    def apply_kustomization(self, namespace: str, folder: Path) -> str:
        rendered = subprocess.run(
            [str(tool("kustomize")), "build", str(folder)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        self.apply_in(namespace, rendered)
        return rendered

    def wait_rollout(self, namespace: str, ref: str, timeout: int = 120) -> None:
        self.kubectl(
            "-n", namespace, "rollout", "status", ref, f"--timeout={timeout}s", timeout=timeout + 30
        )

    def pods(self, namespace: str, selector: str = "") -> list[dict[str, Any]]:
        args = ["-n", namespace, "get", "pods"] + (["-l", selector] if selector else [])
        items: list[dict[str, Any]] = self.cluster.json(*args)["items"]
        return items

    def running_pod(self, namespace: str, timeout: float = 120) -> dict[str, Any]:
        """The one pod of the namespace once all its containers are ready."""

        def ready() -> dict[str, Any] | None:
            pods = [p for p in self.pods(namespace) if not p["metadata"].get("deletionTimestamp")]
            if len(pods) != 1:
                return None
            pod = pods[0]
            statuses = pod["status"].get("containerStatuses", []) + pod["status"].get(
                "initContainerStatuses", []
            )
            if statuses and all(s.get("ready") for s in statuses):
                return pod
            return None

        pod: dict[str, Any] = self.cluster.wait(f"a ready pod in {namespace}", ready, timeout)
        return pod

    def pod(self, namespace: str, name: str) -> dict[str, Any]:
        pod: dict[str, Any] = self.cluster.json("-n", namespace, "get", "pod", name)
        return pod

    def exec(
        self, namespace: str, pod: str, container: str, *command: str, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        return self.kubectl(
            "-n", namespace, "exec", pod, "-c", container, "--", *command, check=check, timeout=90
        )

    def logs(self, namespace: str, pod: str, container: str, previous: bool = False) -> str:
        args = ["-n", namespace, "logs", pod, "-c", container] + (
            ["--previous"] if previous else []
        )
        return self.kubectl(*args).stdout

    def follow_logs(
        self, namespace: str, pod: str, container: str, out: Path
    ) -> subprocess.Popen[bytes]:
        handle = out.open("wb")
        command = [str(self.cluster.bin / "kubectl"), "--kubeconfig",
                   str(self.cluster.admin_kubeconfig), "-n", namespace, "logs", "-f", pod,
                   "-c", container]  # fmt: skip
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.DEVNULL)

    def container_id(self, pod: dict[str, Any], container: str) -> str:
        statuses = pod["status"].get("containerStatuses", []) + pod["status"].get(
            "initContainerStatuses", []
        )
        for status in statuses:
            if status["name"] == container:
                cid: str = status["containerID"]
                return cid.removeprefix("containerd://")
        raise ClusterError(f"no container {container} in {pod['metadata']['name']}")

    def container_pid(self, pod: dict[str, Any], container: str) -> int:
        """The host PID of the container's main process (containerd's task)."""
        cid = self.container_id(pod, container)
        for line in self.cluster.ctr("tasks", "ls").splitlines()[1:]:
            fields = line.split()
            if fields and fields[0] == cid:
                return int(fields[1])
        raise ClusterError(f"no running task for {container}")

    def emulator_stats(self) -> dict[str, int]:
        pod = self.pods("cc-upstream")[0]
        url = f"http://{pod['status']['podIP']}:8080/_emulator/stats"
        import urllib.request

        with urllib.request.urlopen(url, timeout=10) as answer:
            stats: dict[str, int] = json.load(answer)["data"]
        return stats

    def emulator_faults(self, policy: dict[str, Any] | None) -> None:
        import urllib.request

        pod = self.pods("cc-upstream")[0]
        url = f"http://{pod['status']['podIP']}:8080/_emulator/faults"
        if policy is None:
            request = urllib.request.Request(url, method="DELETE")
        else:
            request = urllib.request.Request(
                url, data=json.dumps(policy).encode(), method="PUT",
                headers={"Content-Type": "application/json"},
            )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 200


def wait_for(what: str, check: Any, timeout: float = 60, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise ClusterError(f"{what}: not after {timeout:.0f} s")
