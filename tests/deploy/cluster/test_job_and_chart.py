"""The Job example and the Helm chart on the real node.

The Job (deploy/kubernetes/examples/job through an overlay) must complete, and its pod
end, with the native sidecar beside it. The chart, installed with `helm install` against
a Secret made out of band, must run the same pod as the base: the same containers with
the same hardening, started in the same order, each app on its own socket.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.cluster import checks, manifests
from tests.deploy.cluster.kube import SIDECAR, Kube
from tests.deploy.render import tool

pytestmark = [pytest.mark.deploy, pytest.mark.e2e, pytest.mark.cluster]


def test_the_job_example_completes_and_its_pod_ends(kube: Kube, tmp_path: Path) -> None:
    namespace = "cc-job"
    folder = manifests.overlay(tmp_path / "overlay", manifests.JOB, manifests.Keys.fresh())
    with kube.namespace(namespace):
        kube.apply_kustomization(namespace, folder)
        kube.kubectl(
            "-n", namespace, "wait", "--for=condition=complete", "job/nightly-report",
            "--timeout=120s", timeout=150,
        )  # fmt: skip
        job = kube.cluster.json("-n", namespace, "get", "job", "nightly-report")
        assert job["status"]["succeeded"] == 1
        assert not job["status"].get("failed")
        pod = kube.pods(namespace, "job-name=nightly-report")[0]
        assert pod["status"]["phase"] == "Succeeded"
        report = pod["status"]["containerStatuses"][0]
        assert report["state"]["terminated"]["exitCode"] == 0
        sidecar = pod["status"]["initContainerStatuses"][0]
        assert sidecar["name"] == SIDECAR
        # Stopped by the kubelet once the job's container had finished: SIGTERM, drained, 0.
        assert sidecar["state"]["terminated"]["exitCode"] == 0
        assert (
            sidecar["state"]["terminated"]["startedAt"]
            <= report["state"]["terminated"]["startedAt"]
        )
        out = kube.logs(namespace, pod["metadata"]["name"], "report")
        assert "logged in: cometchat-uid-3" in out
        assert "logged out" in out


def _shape(spec: dict[str, Any]) -> dict[str, Any]:
    """What makes the pod the pod: containers, hardening, probes, mounts, pod security."""

    def container(c: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": c["name"],
            "image": c["image"].split("/")[-1],
            "restartPolicy": c.get("restartPolicy"),
            "securityContext": c.get("securityContext"),
            "probes": {k: c[k].get("grpc") for k in ("startupProbe", "readinessProbe",
                                                     "livenessProbe") if k in c},
            "mounts": sorted((m["mountPath"], m.get("subPath", ""), bool(m.get("readOnly")))
                             for m in c.get("volumeMounts", [])),
            "env": sorted(e["name"] for e in c.get("env", []) if "value" in e
                          and not e["name"].startswith(("COMETCHAT_API_HOST",
                                                        "COMETCHAT_CLIENT_HOST"))),
        }  # fmt: skip

    security = dict(spec["securityContext"])
    return {
        "initContainers": [container(c) for c in spec.get("initContainers", [])],
        "containers": [container(c) for c in spec["containers"]],
        "securityContext": security,
        "automountServiceAccountToken": spec.get("automountServiceAccountToken"),
    }


HELM_VALUES = {
    "cometchat": {"appId": manifests.EMULATOR_APP_ID},
    "secrets": {"existingSecret": "cometchat-keys"},
    "sidecar": {
        "extraEnv": [
            {"name": "COMETCHAT_API_HOST", "value": manifests.API_HOST},
            {"name": "COMETCHAT_CLIENT_HOST", "value": manifests.CLIENT_HOST},
        ]
    },
    "apps": [
        {"name": "app-a", "image": "example-app-a:1.0.0"},
        {
            "name": "app-b",
            "image": "example-app-b:1.0.0",
            # The base runs app-b as its own user; the chart's default is one user for all.
            "securityContext": {
                "runAsNonRoot": True, "runAsUser": 20002, "runAsGroup": 20002,
                "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"},
            },
        },
    ],
}  # fmt: skip


def test_the_chart_installed_with_helm_runs_the_same_pod(kube: Kube, tmp_path: Path) -> None:
    namespace = "cc-helm"
    keys = manifests.Keys.fresh()
    keys.write(tmp_path)
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump(HELM_VALUES))
    base_folder = manifests.overlay(tmp_path / "overlay", manifests.BASE, keys)
    with kube.namespace(namespace):
        kube.kubectl(
            "-n", namespace, "create", "secret", "generic", "cometchat-keys",
            f"--from-file=api-key={tmp_path / 'api-key'}",
            f"--from-file=state-key={tmp_path / 'state-key'}",
        )  # fmt: skip
        installed = subprocess.run(
            [str(tool("helm")), "install", "demo", str(manifests.CHART), "--namespace", namespace,
             "--kubeconfig", str(kube.cluster.admin_kubeconfig), "--values", str(values),
             "--wait", "--timeout", "120s"],
            capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert installed.returncode == 0, installed.stderr
        pod = kube.running_pod(namespace)

        rendered = subprocess.run(
            [str(tool("kustomize")), "build", str(base_folder)],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        base = next(d for d in yaml.safe_load_all(rendered) if d["kind"] == "Deployment")
        expected = _shape(base["spec"]["template"]["spec"])
        running = _shape(pod["spec"])
        # The chart also sets the seccomp profile on each app container, as the pod does.
        for app in expected["containers"]:
            app["securityContext"].setdefault("seccompProfile", {"type": "RuntimeDefault"})
            app["securityContext"].setdefault("runAsNonRoot", True)
        assert running == expected

        assert checks.start_order_problems(kube, namespace, pod) == []
        assert checks.isolation_problems(kube, namespace, pod) == []
        subprocess.run(
            [str(tool("helm")), "uninstall", "demo", "--namespace", namespace, "--kubeconfig",
             str(kube.cluster.admin_kubeconfig), "--wait"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
