"""kustomize and helm output: strict schema validation and the promised hardening."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.render import (
    DEPLOY,
    HELM_EXISTING,
    HELM_INLINE,
    KUBERNETES_VERSIONS,
    PROBE_SERVICE,
    RenderError,
    helm,
    kustomize,
    pod_spec,
    sidecar_of,
)

pytestmark = pytest.mark.deploy

KUSTOMIZE = DEPLOY / "kubernetes"
Renderer = Callable[[], list[dict[str, Any]]]
RENDERINGS: dict[str, Renderer] = {
    "kustomize-base": lambda: kustomize(KUSTOMIZE / "base"),
    "kustomize-job": lambda: kustomize(KUSTOMIZE / "examples" / "job"),
    "helm-inline-secrets": lambda: helm(*HELM_INLINE),
    "helm-existing-secrets": lambda: helm(*HELM_EXISTING),
}
SIDECAR_ENV = {
    "COMETCHAT_API_KEY_FILE",
    "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR",
    "COMETCHAT_SIDECAR_SOCKET_DIR",
    "COMETCHAT_SIDECAR_STATE_PATH",
    "COMETCHAT_SIDECAR_STATE_KEY_FILE",
}


@pytest.fixture(params=sorted(RENDERINGS))
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return RENDERINGS[request.param]()


def validate(document: dict[str, Any], version: str) -> None:
    kubernetes_validate.validate(document, version, strict=True)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_document_passes_strict_schema_validation(
    rendered: list[dict[str, Any]], version: str
) -> None:
    assert rendered
    for document in rendered:
        validate(document, version)


def test_strict_validation_rejects_an_unknown_field() -> None:
    document = copy.deepcopy(kustomize(KUSTOMIZE / "base"))
    workload = next(d for d in document if d["kind"] == "Deployment")
    spec = pod_spec(workload)
    assert spec is not None
    sidecar = sidecar_of(spec)
    assert sidecar is not None
    sidecar["restartpolicy"] = "Always"  # a typo a lenient check would let through

    with pytest.raises(kubernetes_validate.ValidationError):
        validate(workload, KUBERNETES_VERSIONS[0])


def _workloads(rendered: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    pairs = []
    for document in rendered:
        spec = pod_spec(document)
        if spec is not None:
            pairs.append((document, spec))
    assert pairs, "no workload rendered"
    return pairs


def test_the_sidecar_is_a_hardened_native_sidecar(rendered: list[dict[str, Any]]) -> None:
    for _, spec in _workloads(rendered):
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        assert sidecar["restartPolicy"] == "Always"

        security = sidecar["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["runAsUser"] > 0
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert "add" not in security["capabilities"]
        assert security["seccompProfile"]["type"] == "RuntimeDefault"
        assert security.get("privileged", False) is False

        resources = sidecar["resources"]
        assert resources["requests"]["cpu"]
        assert resources["requests"]["memory"]
        assert resources["limits"]["memory"]

        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert sidecar[probe]["grpc"]["service"] == PROBE_SERVICE, probe
            health_port = sidecar[probe]["grpc"]["port"]
            assert {"name": "grpc-health", "containerPort": health_port, "protocol": "TCP"} in (
                sidecar["ports"]
            )


def test_the_sidecar_reads_its_secrets_from_files_and_listens_on_loopback(
    rendered: list[dict[str, Any]],
) -> None:
    config_maps = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "ConfigMap"}
    for _, spec in _workloads(rendered):
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        env = {e["name"]: e for e in sidecar["env"]}
        assert set(env) >= SIDECAR_ENV
        assert all("valueFrom" not in e for e in env.values()), "a secret in an env variable"

        (source,) = sidecar["envFrom"]
        config = config_maps[source["configMapRef"]["name"]]["data"]
        assert config["COMETCHAT_SIDECAR_LISTEN"].startswith("127.0.0.1:")
        assert config["COMETCHAT_SIDECAR_HEALTH_LISTEN"].startswith("0.0.0.0:")
        assert config["COMETCHAT_SIDECAR_SOCKET_APPS"]
        assert "COMETCHAT_API_KEY" not in config

        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in sidecar["volumeMounts"]}
        for variable in ("COMETCHAT_SIDECAR_SOCKET_DIR", "COMETCHAT_SIDECAR_STATE_PATH"):
            path = env[variable]["value"]
            mount = next(m for p, m in mounts.items() if path == p or path.startswith(p + "/"))
            assert "emptyDir" in volumes[mount["name"]], variable
        for variable in ("COMETCHAT_API_KEY_FILE", "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR"):
            path = env[variable]["value"]
            mount = next(m for p, m in mounts.items() if path == p or path.startswith(p + "/"))
            assert mount["readOnly"] is True
            assert "secret" in volumes[mount["name"]], variable


def test_each_app_sees_only_its_own_socket_and_credential(rendered: list[dict[str, Any]]) -> None:
    for _, spec in _workloads(rendered):
        volumes = {v["name"]: v for v in spec["volumes"]}
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        socket_volume = next(
            m["name"] for m in sidecar["volumeMounts"] if m["mountPath"] == "/run/cometchat-sidecar"
        )
        for app in spec["containers"]:
            mounts = app["volumeMounts"]
            sockets = [m for m in mounts if m["name"] == socket_volume]
            assert [m.get("subPath") for m in sockets] == [app["name"]]
            secrets = [
                volumes[m["name"]]["secret"] for m in mounts if "secret" in volumes[m["name"]]
            ]
            assert [s["items"] for s in secrets] == [[{"key": app["name"], "path": app["name"]}]]
            assert app["securityContext"]["readOnlyRootFilesystem"] is True
            assert app["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_network_policy_allows_egress_only_to_dns_and_https() -> None:
    for name in ("kustomize-base", "helm-inline-secrets"):
        rendered = RENDERINGS[name]()
        (policy,) = [d for d in rendered if d["kind"] == "NetworkPolicy"]
        (workload, _) = _workloads(rendered)[0]
        pod_labels = workload["spec"]["template"]["metadata"]["labels"]
        selector = policy["spec"]["podSelector"]["matchLabels"]
        assert selector.items() <= pod_labels.items(), name

        assert sorted(policy["spec"]["policyTypes"]) == ["Egress", "Ingress"]
        assert policy["spec"]["ingress"] == []
        allowed = set()
        for rule in policy["spec"]["egress"]:
            assert "to" not in rule or rule["to"], name
            allowed |= {(p["protocol"], p["port"]) for p in rule["ports"]}
        assert allowed == {("UDP", 53), ("TCP", 53), ("TCP", 443)}, name


def test_the_component_adds_the_sidecar_only_to_workloads_that_opt_in(tmp_path: Path) -> None:
    component = KUSTOMIZE / "components" / "cometchat-sidecar"
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\n"
        "kind: Kustomization\n"
        "resources: [workloads.yaml]\n"
        f"components: [{os.path.relpath(component, tmp_path)}]\n",
        encoding="utf-8",
    )
    workload = (
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n  labels: {labels}\n"
        "spec:\n  selector: {{matchLabels: {{app: {name}}}}}\n"
        "  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
        "    spec: {{containers: [{{name: app, image: app:1}}]}}\n"
    )
    (tmp_path / "workloads.yaml").write_text(
        workload.format(
            kind="Deployment", name="opted-in", labels="{cometchat.io/sidecar: enabled}"
        )
        + "---\n"
        + workload.format(kind="Deployment", name="left-alone", labels="{}")
        + "---\n"
        + workload.format(
            kind="StatefulSet", name="stateful", labels="{cometchat.io/sidecar: enabled}"
        ),
        encoding="utf-8",
    )

    rendered = kustomize(tmp_path)

    by_name = {d["metadata"]["name"]: pod_spec(d) for d in rendered if pod_spec(d) is not None}
    assert set(by_name) == {"opted-in", "left-alone", "stateful"}
    opted_in, left_alone, stateful = by_name["opted-in"], by_name["left-alone"], by_name["stateful"]
    assert opted_in is not None
    assert left_alone is not None
    assert stateful is not None
    assert sidecar_of(opted_in) is not None
    assert sidecar_of(stateful) is not None
    assert sidecar_of(left_alone) is None
    assert "volumes" not in left_alone
    # The user's own containers are untouched.
    assert opted_in["containers"] == [{"name": "app", "image": "app:1"}]


def test_helm_refuses_to_render_without_an_app_id_or_secrets() -> None:
    with pytest.raises(RenderError, match=r"cometchat\.appId is required"):
        helm("secrets.existingSecret=s", "secrets.existingAppsSecret=a")
    with pytest.raises(RenderError, match=r"secrets\.apiKey is required"):
        helm("cometchat.appId=x", "secrets.existingAppsSecret=a")


def test_helm_puts_every_app_credential_in_the_apps_secret_and_no_key_in_the_config() -> None:
    rendered = helm(*HELM_INLINE)
    secrets = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "Secret"}
    assert sorted(secrets["demo-cometchat-sidecar-apps"]["data"]) == ["app-a", "app-b"]
    assert sorted(secrets["demo-cometchat-sidecar"]["data"]) == ["api-key", "state-key"]
    (config,) = [d for d in rendered if d["kind"] == "ConfigMap"]
    outside_secrets = yaml.safe_dump([d for d in rendered if d["kind"] != "Secret"])
    for secret in ("example-api-key", "example-state-key", "example-credential-a"):
        assert secret not in outside_secrets
    assert config["data"]["COMETCHAT_SIDECAR_SOCKET_APPS"] == "app-a,app-b"


def test_helm_uses_existing_secrets_without_creating_any() -> None:
    rendered = helm(*HELM_EXISTING)
    assert not [d for d in rendered if d["kind"] == "Secret"]
    (_, spec) = _workloads(rendered)[0]
    names = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    assert names == {"cometchat-keys", "cometchat-apps"}


def test_the_chart_targets_kubernetes_1_29_or_newer() -> None:
    with pytest.raises(RenderError, match="kubeVersion"):
        helm(*HELM_EXISTING, kube_version="1.28.0")
