"""The cluster checks catch what they are for: the base changed by an overlay patch in the
two ways that break it, run on the node, and the check that must notice it, noticing.

- the native sidecar made an ordinary container (moved to `containers`, no
  `restartPolicy`): the apps start with it, not after its startup probe. On this node the
  kubelet then makes the apps' `subPath` folders in the sockets volume (as root) before
  the sidecar runs, so the sidecar cannot make its sockets there and never serves;
- app-b's `subPath` pointed at app-a's folder: app-b talks over app-a's socket, so it
  sees, replaces and ends app-a's session.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.cluster import checks, manifests
from tests.deploy.cluster.kube import SIDECAR, Kube

pytestmark = [pytest.mark.deploy, pytest.mark.e2e, pytest.mark.cluster]

WORKLOAD = ("Deployment", "example-app")


def _all_started(kube: Kube, namespace: str) -> dict[str, Any] | None:
    for pod in kube.pods(namespace):
        statuses = pod["status"].get("containerStatuses", [])
        if len(statuses) == 3 and all(
            "running" in s["state"] or s["restartCount"] for s in statuses
        ):
            return pod
    return None


def _deploy(kube: Kube, namespace: str, folder: Path, mutation: list[dict[str, Any]]) -> str:
    overlay = manifests.overlay(
        folder, manifests.BASE, manifests.Keys.fresh(), workload=WORKLOAD, mutation=mutation
    )
    return kube.apply_kustomization(namespace, overlay)


def test_the_start_order_check_fails_for_an_ordinary_sidecar_container(
    kube: Kube, tmp_path: Path
) -> None:
    namespace = "cc-ordinary-sidecar"
    with kube.namespace(namespace):
        rendered = _deploy(kube, namespace, tmp_path / "overlay", manifests.ORDINARY_CONTAINER)
        deployment = next(d for d in yaml.safe_load_all(rendered) if d["kind"] == "Deployment")
        spec = deployment["spec"]["template"]["spec"]
        assert [c["name"] for c in spec["containers"]] == [SIDECAR, "app-a", "app-b"]
        assert not spec.get("initContainers")
        pod = kube.cluster.wait(
            "the three containers started", lambda: _all_started(kube, namespace)
        )
        time.sleep(3)  # time for the sidecar to serve, or to fail
        pod = kube.pod(namespace, pod["metadata"]["name"])

        problems = checks.start_order_problems(kube, namespace, pod)

    assert any("not a native sidecar" in p for p in problems), problems
    # Each app started while no sidecar served: before it served, or it never did.
    started_early = {p.split()[0] for p in problems if "before the sidecar served" in p}
    never_served = "the sidecar never logged `serving`" in problems
    assert never_served or started_early == {"app-a", "app-b"}, problems


def test_the_isolation_check_fails_when_an_app_mounts_another_apps_folder(
    kube: Kube, tmp_path: Path
) -> None:
    namespace = "cc-shared-socket"
    with kube.namespace(namespace):
        rendered = _deploy(kube, namespace, tmp_path / "overlay", manifests.SUBPATH_OF_APP_A)
        deployment = next(d for d in yaml.safe_load_all(rendered) if d["kind"] == "Deployment")
        app_b = deployment["spec"]["template"]["spec"]["containers"][1]
        assert app_b["name"] == "app-b"
        assert app_b["volumeMounts"][0]["subPath"] == "app-a"
        kube.wait_rollout(namespace, "deployment/example-app")
        pod = kube.running_pod(namespace)

        problems = checks.isolation_problems(kube, namespace, pod)

    assert "app-b's socket is not the one the sidecar made for app-b" in problems
    assert "app-a sees 'cometchat-uid-2', not its own cometchat-uid-1" in problems
    assert any("app-b's logout ended app-a's session" in p for p in problems), problems
