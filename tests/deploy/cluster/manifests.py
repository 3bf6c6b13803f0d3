"""The project's manifests as the cluster tests apply them: through kustomize overlays and
Helm values only, never edited.

Each overlay is written into a temporary folder and points at the project's folder by a
relative path. It changes only what a user would: the app id and the hosts (the emulator's
Services instead of CometChat), and the Secret, generated from files of random test keys.
A mutation (a JSON patch on the workload) turns an overlay into a broken one, to show the
checks catch it.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.render import CHART, DEPLOY

EMULATOR_APP_ID = "emulator-app"
# The emulator's fixed (fake) fullAccess key: the sidecar's API key in these tests.
EMULATOR_API_KEY = "emulator-full-access-key-0123456789abcdef"
# Fixed ClusterIPs, so the sidecar's settings need no DNS (the test node runs none). Port
# 443, as CometChat's, so the NetworkPolicy's egress rule would admit the traffic.
EMULATOR_API_IP = "10.96.0.50"
EMULATOR_CLIENT_IP = "10.96.0.51"
API_HOST = f"http://{EMULATOR_API_IP}:443"
CLIENT_HOST = f"http://{EMULATOR_CLIENT_IP}:443"
EMULATOR_IMAGE = "cometchat-auth-sidecar:0.1.0"

# The native sidecar made an ordinary container: moved to `containers`, no restartPolicy.
ORDINARY_CONTAINER = [
    {
        "op": "move",
        "from": "/spec/template/spec/initContainers/0",
        "path": "/spec/template/spec/containers/0",
    },
    {"op": "remove", "path": "/spec/template/spec/containers/0/restartPolicy"},
]
# app-b's socket mount pointed at app-a's folder.
SUBPATH_OF_APP_A = [
    {
        "op": "replace",
        "path": "/spec/template/spec/containers/1/volumeMounts/0/subPath",
        "value": "app-a",
    }
]


@dataclass(frozen=True)
class Keys:
    """The test's Secret values: the emulator's API key and a fresh random state key."""

    api_key: str
    state_key: str

    @classmethod
    def fresh(cls) -> Keys:
        import base64

        return cls(EMULATOR_API_KEY, base64.b64encode(secrets.token_bytes(32)).decode())

    def write(self, folder: Path) -> None:
        for name, value in (("api-key", self.api_key), ("state-key", self.state_key)):
            path = folder / name
            path.write_text(value)
            path.chmod(0o600)


def overlay(
    folder: Path,
    project_dir: Path,
    keys: Keys,
    *,
    workload: tuple[str, str] | None = None,
    mutation: list[dict[str, Any]] | None = None,
) -> Path:
    """A kustomization over `project_dir` (base or an example) for the test cluster."""
    folder.mkdir(parents=True, exist_ok=True)
    keys.write(folder)
    settings = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cometchat-sidecar"},
        "data": {
            "COMETCHAT_APP_ID": EMULATOR_APP_ID,
            "COMETCHAT_API_HOST": API_HOST,
            "COMETCHAT_CLIENT_HOST": CLIENT_HOST,
        },
    }
    patches: list[dict[str, Any]] = [{"patch": yaml.safe_dump(settings)}]
    if mutation:
        assert workload is not None
        kind, name = workload
        patches.append({"target": {"kind": kind, "name": name}, "patch": json.dumps(mutation)})
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        # kustomize takes a relative path only.
        "resources": [os.path.relpath(project_dir, folder)],
        "patches": patches,
        "secretGenerator": [
            {"name": "cometchat-sidecar", "behavior": "replace", "files": ["api-key", "state-key"]}
        ],
    }
    (folder / "kustomization.yaml").write_text(yaml.safe_dump(kustomization, sort_keys=False))
    return folder


BASE = DEPLOY / "kubernetes" / "base"
JOB = DEPLOY / "kubernetes" / "examples" / "job"


def emulator_manifest() -> str:
    """The emulator (the sidecar's own image) in its own pod, behind two Services."""
    labels = {"app.kubernetes.io/name": "cometchat-emulator"}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "cometchat-emulator", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "automountServiceAccountToken": False,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001},
                    "containers": [
                        {
                            "name": "emulator",
                            "image": EMULATOR_IMAGE,
                            "imagePullPolicy": "Never",
                            "command": ["python", "-m", "sidecar", "emulator"],
                            "args": ["--host", "0.0.0.0", "--api-port", "8080",
                                     "--client-port", "8081", "--app-id", EMULATOR_APP_ID],
                            "ports": [{"containerPort": 8080, "name": "api"},
                                      {"containerPort": 8081, "name": "client"}],
                            "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
                            "securityContext": {"readOnlyRootFilesystem": True,
                                                "allowPrivilegeEscalation": False,
                                                "capabilities": {"drop": ["ALL"]}},
                        }
                    ],
                },
            },
        },
    }  # fmt: skip
    services = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": f"cometchat-{name}"},
            "spec": {
                "clusterIP": ip,
                "selector": labels,
                "ports": [{"name": "https", "port": 443, "targetPort": target}],
            },
        }
        for name, ip, target in (
            ("api", EMULATOR_API_IP, "api"),
            ("client", EMULATOR_CLIENT_IP, "client"),
        )
    ]
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": [deployment, *services]})


def helm_values(secret_name: str) -> list[str]:
    """`--set` values: the base's two apps and the emulator's hosts, Secret made elsewhere."""
    return [
        f"cometchat.appId={EMULATOR_APP_ID}",
        f"secrets.existingSecret={secret_name}",
        "apps[0].name=app-a",
        "apps[0].image=example-app-a:1.0.0",
        "apps[1].name=app-b",
        "apps[1].image=example-app-b:1.0.0",
        "sidecar.extraEnv[0].name=COMETCHAT_API_HOST",
        f"sidecar.extraEnv[0].value={API_HOST}",
        "sidecar.extraEnv[1].name=COMETCHAT_CLIENT_HOST",
        f"sidecar.extraEnv[1].value={CLIENT_HOST}",
    ]


__all__ = ["BASE", "CHART", "JOB", "Keys", "emulator_manifest", "helm_values", "overlay"]
