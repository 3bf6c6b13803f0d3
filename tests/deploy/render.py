"""Render the manifests with the pinned kustomize and helm (installed by deploy/tools.sh)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = DEPLOY / ".bin"
CHART = DEPLOY / "helm" / "cometchat-sidecar"
# Native sidecars need 1.29; the newest schema kubernetes-validate ships is 1.37.
KUBERNETES_VERSIONS = ("1.29.0", "1.37.0")

SIDECAR = "cometchat-sidecar"
PROBE_SERVICE = "cometchat_sidecar.auth.v1.AuthService"


def tool(name: str) -> Path:
    """A pinned deploy tool; skips (fails under CI) when deploy/tools.sh has not run."""
    path = BIN / name
    if not path.exists():
        message = f"{path} is missing: run deploy/tools.sh (needs Go) or `make test`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run(*args: str | Path) -> str:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, check=False
    )
    if result.returncode != 0:
        raise RenderError(result.stderr)
    return result.stdout


class RenderError(Exception):
    pass


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def kustomize(directory: Path) -> list[dict[str, Any]]:
    return documents(run(tool("kustomize"), "build", directory))


def helm(
    *values: str, kube_version: str = KUBERNETES_VERSIONS[0], values_file: Path | None = None
) -> list[dict[str, Any]]:
    sets = [arg for value in values for arg in ("--set", value)]
    files = ["--values", str(values_file)] if values_file is not None else []
    return documents(
        run(tool("helm"), "template", "demo", CHART, "--kube-version", kube_version, *files, *sets)
    )


# Values that render the chart with Secrets it creates itself: two apps on their sockets
# and one over TCP with a credential.
HELM_INLINE = (
    "cometchat.appId=example-app-id",
    "secrets.apiKey=example-api-key",
    "secrets.stateKey=example-state-key",
    "apps[0].name=app-a",
    "apps[0].image=example-app-a:1.0.0",
    "apps[1].name=app-b",
    "apps[1].image=example-app-b:1.0.0",
    "apps[2].name=legacy",
    "apps[2].image=example-legacy:1.0.0",
    "apps[2].transport=tcp",
    "apps[2].credential=example-credential-legacy",
)
# Values that render it against Secrets managed elsewhere, with a TCP app.
HELM_EXISTING = (
    "cometchat.appId=example-app-id",
    "secrets.existingSecret=cometchat-keys",
    "secrets.existingTcpCredentialsSecret=cometchat-tcp-hashes",
    "apps[0].name=app",
    "apps[0].image=example-app:1.0.0",
    "apps[1].name=legacy",
    "apps[1].image=example-legacy:1.0.0",
    "apps[1].transport=tcp",
    "apps[1].credentialSecret=legacy-credential",
)
# The chart's defaults: one app on its socket, no TCP.
HELM_SOCKETS_ONLY = ("cometchat.appId=example-app-id", "secrets.existingSecret=cometchat-keys")
# Values with a policy file (TOML does not survive --set).
HELM_POLICY_VALUES = Path(__file__).with_name("policy-values.yaml")


def pod_spec(document: dict[str, Any]) -> dict[str, Any] | None:
    """The pod template of a workload, or None for other kinds."""
    if document["kind"] in ("Deployment", "StatefulSet", "Job", "DaemonSet"):
        spec: dict[str, Any] = document["spec"]["template"]["spec"]
        return spec
    return None


def sidecar_of(spec: dict[str, Any]) -> dict[str, Any] | None:
    containers: list[dict[str, Any]] = spec.get("initContainers", [])
    return next((c for c in containers if c["name"] == SIDECAR), None)
