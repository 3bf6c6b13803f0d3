"""kustomize and helm output: strict schema validation and the promised hardening."""

from __future__ import annotations

import base64
import copy
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from sidecar.adapters.credentials import hash_credential
from tests.deploy.render import (
    DEPLOY,
    HELM_EXISTING,
    HELM_INLINE,
    HELM_POLICY_VALUES,
    HELM_SOCKETS_ONLY,
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
    "kustomize-tcp-app": lambda: kustomize(KUSTOMIZE / "examples" / "tcp-app"),
    "helm-inline-secrets": lambda: helm(*HELM_INLINE),
    "helm-existing-secrets": lambda: helm(*HELM_EXISTING),
    "helm-sockets-only": lambda: helm(*HELM_SOCKETS_ONLY),
    "helm-policy": lambda: helm(*HELM_SOCKETS_ONLY, values_file=HELM_POLICY_VALUES),
}
SIDECAR_ENV = {
    "COMETCHAT_API_KEY_FILE",
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


def _config(rendered: list[dict[str, Any]], sidecar: dict[str, Any]) -> dict[str, str]:
    config_maps = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "ConfigMap"}
    (source,) = sidecar["envFrom"]
    data: dict[str, str] = config_maps[source["configMapRef"]["name"]]["data"]
    return data


def _mounted_volume(container: dict[str, Any], path: str) -> dict[str, Any]:
    """The volumeMount of `container` that holds `path`."""
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    return next(m for p, m in mounts.items() if path == p or path.startswith(p + "/"))


def _secret_names(spec: dict[str, Any], container: dict[str, Any]) -> set[str]:
    volumes = {v["name"]: v for v in spec["volumes"]}
    return {
        volumes[m["name"]]["secret"]["secretName"]
        for m in container.get("volumeMounts", [])
        if "secret" in volumes[m["name"]]
    }


def test_the_sidecar_reads_its_secrets_from_files_and_listens_on_loopback(
    rendered: list[dict[str, Any]],
) -> None:
    for _, spec in _workloads(rendered):
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        env = {e["name"]: e for e in sidecar["env"]}
        assert set(env) >= SIDECAR_ENV
        assert all("valueFrom" not in e for e in env.values()), "a secret in an env variable"

        config = _config(rendered, sidecar)
        assert config["COMETCHAT_SIDECAR_HEALTH_LISTEN"].startswith("0.0.0.0:")
        assert config["COMETCHAT_SIDECAR_SOCKET_APPS"]
        assert "COMETCHAT_API_KEY" not in config
        # TCP is off, or on loopback with per-app credentials: never open mode.
        listen = config["COMETCHAT_SIDECAR_LISTEN"]
        credentials = "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR"
        assert listen == "" or listen.startswith("127.0.0.1:")
        assert bool(listen) == (credentials in env)

        volumes = {v["name"]: v for v in spec["volumes"]}
        for variable in ("COMETCHAT_SIDECAR_SOCKET_DIR", "COMETCHAT_SIDECAR_STATE_PATH"):
            mount = _mounted_volume(sidecar, env[variable]["value"])
            assert "emptyDir" in volumes[mount["name"]], variable
        for variable in ("COMETCHAT_API_KEY_FILE", credentials):
            if variable in env:
                mount = _mounted_volume(sidecar, env[variable]["value"])
                assert mount["readOnly"] is True
                assert "secret" in volumes[mount["name"]], variable


_HASH = re.compile(r"sha256:[0-9a-f]{64}")


def test_no_clear_credential_is_mounted_into_the_sidecar(rendered: list[dict[str, Any]]) -> None:
    secrets = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "Secret"}
    for _, spec in _workloads(rendered):
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        # No Secret is shared between the sidecar and an app: the apps' credentials
        # never reach the sidecar, nor the API key an app.
        sidecar_secrets = _secret_names(spec, sidecar)
        for app in spec["containers"]:
            assert not sidecar_secrets & _secret_names(spec, app), app["name"]

        env = {e["name"]: e["value"] for e in sidecar["env"]}
        if "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR" not in env:
            continue
        mount = _mounted_volume(sidecar, env["COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR"])
        volume = next(v for v in spec["volumes"] if v["name"] == mount["name"])
        hashes = secrets.get(volume["secret"]["secretName"])
        if hashes is None:
            continue  # a Secret managed elsewhere
        values = {k: base64.b64decode(v).decode() for k, v in hashes["data"].items()}
        assert values
        for app, value in values.items():
            assert _HASH.fullmatch(value), f"{app}: not a sha256 hash"


def test_each_app_mounts_only_its_own_socket_folder_or_its_own_credential(
    rendered: list[dict[str, Any]],
) -> None:
    for _, spec in _workloads(rendered):
        volumes = {v["name"]: v for v in spec["volumes"]}
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        socket_volume = _mounted_volume(sidecar, "/run/cometchat-sidecar")["name"]
        socket_apps = _config(rendered, sidecar)["COMETCHAT_SIDECAR_SOCKET_APPS"].split(",")
        on_sockets = []
        for app in spec["containers"]:
            env = {e["name"]: e["value"] for e in app.get("env", [])}
            mounts = app.get("volumeMounts", [])
            sockets = [m for m in mounts if m["name"] == socket_volume]
            secrets = [
                volumes[m["name"]]["secret"] for m in mounts if "secret" in volumes[m["name"]]
            ]
            if env["SIDECAR_ADDRESS"].startswith("unix:"):
                # Its own folder, seen as the socket folder; no credential at all.
                on_sockets.append(app["name"])
                assert [(m.get("subPath"), m["mountPath"]) for m in sockets] == [
                    (app["name"], "/run/cometchat-sidecar")
                ]
                assert env["SIDECAR_ADDRESS"] == "unix:///run/cometchat-sidecar/sidecar.sock"
                assert secrets == []
                assert "SIDECAR_APP_CREDENTIAL_FILE" not in env
            else:
                # TCP on the pod's loopback with its credential, from one Secret of its own.
                assert env["SIDECAR_ADDRESS"].startswith("127.0.0.1:")
                assert sockets == []
                assert len(secrets) == 1
                credential_mount = _mounted_volume(app, env["SIDECAR_APP_CREDENTIAL_FILE"])
                assert credential_mount["readOnly"] is True
            assert app["securityContext"]["readOnlyRootFilesystem"] is True
            assert app["securityContext"]["allowPrivilegeEscalation"] is False
        # Every app on a socket has one made for it, and no other socket is made.
        assert sorted(socket_apps) == sorted(on_sockets)


def test_the_tcp_example_hashes_the_credential_its_app_holds() -> None:
    rendered = RENDERINGS["kustomize-tcp-app"]()
    secrets = {
        d["metadata"]["name"].rsplit("-", 1)[0]: {
            k: base64.b64decode(v).decode() for k, v in d["data"].items()
        }
        for d in rendered
        if d["kind"] == "Secret"
    }
    credential = secrets["legacy-app-credential"]["credential"]
    assert secrets["cometchat-sidecar-tcp-credentials"] == {"legacy": hash_credential(credential)}


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
        helm("secrets.existingSecret=s")
    with pytest.raises(RenderError, match=r"secrets\.apiKey is required"):
        helm("cometchat.appId=x")
    tcp_app = ("apps[0].name=legacy", "apps[0].image=l:1", "apps[0].transport=tcp")
    with pytest.raises(RenderError, match=r"apps\[legacy\]\.credential is required"):
        helm(*HELM_SOCKETS_ONLY, *tcp_app)
    with pytest.raises(RenderError, match=r"apps\[legacy\]\.credential or"):
        helm(*HELM_SOCKETS_ONLY, *tcp_app, "secrets.existingTcpCredentialsSecret=h")
    with pytest.raises(RenderError, match="transport must be socket or tcp"):
        helm(*HELM_SOCKETS_ONLY, "apps[0].name=a", "apps[0].image=a:1", "apps[0].transport=udp")


def test_helm_gives_the_sidecar_only_hashes_and_each_tcp_app_its_own_credential() -> None:
    rendered = helm(*HELM_INLINE)
    secrets = {
        d["metadata"]["name"]: {k: base64.b64decode(v).decode() for k, v in d["data"].items()}
        for d in rendered
        if d["kind"] == "Secret"
    }
    assert secrets == {
        "demo-cometchat-sidecar": {"api-key": "example-api-key", "state-key": "example-state-key"},
        # helm's sha256sum gives what `cometchat-sidecar hash-credential` prints.
        "demo-cometchat-sidecar-tcp-credentials": {
            "legacy": hash_credential("example-credential-legacy")
        },
        "demo-cometchat-sidecar-legacy-credential": {"credential": "example-credential-legacy"},
    }
    (config,) = [d for d in rendered if d["kind"] == "ConfigMap"]
    outside_secrets = yaml.safe_dump([d for d in rendered if d["kind"] != "Secret"])
    for secret in ("example-api-key", "example-state-key", "example-credential-legacy"):
        assert secret not in outside_secrets
    assert config["data"]["COMETCHAT_SIDECAR_SOCKET_APPS"] == "app-a,app-b"
    assert config["data"]["COMETCHAT_SIDECAR_LISTEN"] == "127.0.0.1:50051"


def test_helm_uses_existing_secrets_without_creating_any() -> None:
    rendered = helm(*HELM_EXISTING)
    assert not [d for d in rendered if d["kind"] == "Secret"]
    (_, spec) = _workloads(rendered)[0]
    names = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
    assert names == {"cometchat-keys", "cometchat-tcp-hashes", "legacy-credential"}


def test_with_every_app_on_a_socket_there_is_no_tcp_and_no_credential() -> None:
    for name in ("helm-sockets-only", "kustomize-base", "kustomize-job"):
        rendered = RENDERINGS[name]()
        (_, spec) = _workloads(rendered)[0]
        sidecar = sidecar_of(spec)
        assert sidecar is not None
        assert _config(rendered, sidecar)["COMETCHAT_SIDECAR_LISTEN"] == "", name
        assert "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR" not in {e["name"] for e in sidecar["env"]}
        secrets = [d["metadata"]["name"] for d in rendered if d["kind"] == "Secret"]
        mounted = {v["secret"]["secretName"] for v in spec["volumes"] if "secret" in v}
        assert len(mounted) == 1, name  # the API key's Secret, mounted by the sidecar only
        assert len(secrets) <= 1, name


def test_a_policy_file_is_mounted_as_a_folder_the_sidecar_rereads() -> None:
    import tomllib

    from sidecar.domain.policy import parse_policy

    rendered = RENDERINGS["helm-policy"]()
    (_, spec) = _workloads(rendered)[0]
    sidecar = sidecar_of(spec)
    assert sidecar is not None
    env = {e["name"]: e.get("value") for e in sidecar["env"]}
    assert env["COMETCHAT_SIDECAR_POLICY_FILE"] == "/etc/cometchat-sidecar/policy/policy.toml"
    (mount,) = [m for m in sidecar["volumeMounts"] if m["name"] == "policy"]
    # No subPath: the kubelet updates a folder mount in place when the ConfigMap changes.
    assert mount == {
        "name": "policy",
        "mountPath": "/etc/cometchat-sidecar/policy",
        "readOnly": True,
    }
    (volume,) = [v for v in spec["volumes"] if v["name"] == "policy"]
    (config_map,) = [
        d
        for d in rendered
        if d["kind"] == "ConfigMap" and d["metadata"]["name"] == volume["configMap"]["name"]
    ]
    # What the chart mounts is a policy the sidecar takes, for the chart's own app.
    policy = parse_policy(tomllib.loads(config_map["data"]["policy.toml"]), "chart", ("app",))
    assert policy.for_app("app").call_session_prefix == "app:"
    # Without a policy value there is no policy file: deny by default.
    for name in ("helm-sockets-only", "helm-inline-secrets"):
        (_, other) = _workloads(RENDERINGS[name]())[0]
        sidecar = sidecar_of(other)
        assert sidecar is not None
        assert "COMETCHAT_SIDECAR_POLICY_FILE" not in {e["name"] for e in sidecar["env"]}
    existing = helm(*HELM_SOCKETS_ONLY, "policy.existingConfigMap=my-policy")
    (_, spec) = _workloads(existing)[0]
    assert [v["configMap"]["name"] for v in spec["volumes"] if v["name"] == "policy"] == [
        "my-policy"
    ]
    assert not [d for d in existing if d["metadata"]["name"].endswith("-policy")]


def test_the_chart_targets_kubernetes_1_29_or_newer() -> None:
    with pytest.raises(RenderError, match="kubeVersion"):
        helm(*HELM_EXISTING, kube_version="1.28.0")
