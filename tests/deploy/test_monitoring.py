"""deploy/monitoring: promtool checks and unit-tests the alerting rules, the built files match
their sources, and the chart and kustomize install them.

Which metrics the queries may name is checked against a live sidecar in
tests/integration/test_monitoring_queries.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.render import (
    DEPLOY,
    HELM_SOCKETS_ONLY,
    KUBERNETES_VERSIONS,
    helm,
    kustomize,
    pod_spec,
    sidecar_of,
)

pytestmark = pytest.mark.deploy

MONITORING = DEPLOY / "monitoring"
RULES = MONITORING / "cometchat-sidecar.rules.yaml"
RULE_TESTS = MONITORING / "cometchat-sidecar.rules.test.yaml"
DASHBOARD = MONITORING / "cometchat-sidecar.dashboard.json"
HELM_MONITORING = (
    *HELM_SOCKETS_ONLY,
    "monitoring.prometheusRule.enabled=true",
    "monitoring.prometheusRule.labels.release=prometheus",
    "monitoring.dashboard.enabled=true",
    "monitoring.podMonitor.enabled=true",
)


def promtool() -> Path:
    """The pinned promtool; skips (fails under CI) when deploy/monitoring/tools.sh has not run."""
    path = DEPLOY / ".bin" / "promtool"
    if not path.exists():
        message = f"{path} is missing: run deploy/monitoring/tools.sh (needs Go) or `make test`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def rules() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return document


def alert_names() -> list[str]:
    return [rule["alert"] for group in rules()["groups"] for rule in group["rules"]]


def test_promtool_accepts_the_rules() -> None:
    result = run_promtool("check", "rules", RULES)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_names())} rules found" in result.stdout


def test_the_rule_unit_tests_pass_and_test_every_alert_firing() -> None:
    result = run_promtool("test", "rules", RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    fired = {
        case["alertname"]
        for test in tests
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert fired == set(alert_names())


@pytest.mark.parametrize("alert", alert_names())
def test_the_unit_tests_fail_when_an_alerts_expression_is_broken(
    alert: str, tmp_path: Path
) -> None:
    """Each alert's expression replaced by one that never fires: its unit test must fail."""
    document = rules()
    for group in document["groups"]:
        for rule in group["rules"]:
            if rule["alert"] == alert:
                rule["expr"] = "vector(0) > 1"
    (tmp_path / RULES.name).write_text(yaml.safe_dump(document), encoding="utf-8")
    shutil.copy(RULE_TESTS, tmp_path / RULE_TESTS.name)
    result = run_promtool("test", "rules", tmp_path / RULE_TESTS.name)
    assert result.returncode == 1
    assert f"alertname: {alert}" in result.stdout + result.stderr


def test_promtool_refuses_a_rule_with_a_broken_expression(tmp_path: Path) -> None:
    broken = RULES.read_text(encoding="utf-8").replace(
        "expr: cometchat_sidecar_upstream_breaker_state > 0",
        "expr: cometchat_sidecar_upstream_breaker_state >",
    )
    assert broken != RULES.read_text(encoding="utf-8")
    (tmp_path / "broken.rules.yaml").write_text(broken, encoding="utf-8")
    result = run_promtool("check", "rules", tmp_path / "broken.rules.yaml")
    assert result.returncode == 1
    assert "parse error" in result.stdout + result.stderr


def test_the_built_files_match_their_sources() -> None:
    result = subprocess.run(
        [sys.executable, MONITORING / "build.py", "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_the_prometheus_rule_holds_exactly_the_rules_file() -> None:
    rule = yaml.safe_load((MONITORING / "prometheusrule.yaml").read_text(encoding="utf-8"))
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == rules()


def test_every_alert_has_a_severity_and_says_what_to_do() -> None:
    readme = (DEPLOY.parent / "README.md").read_text(encoding="utf-8")
    for group in rules()["groups"]:
        for rule in group["rules"]:
            assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]
            assert len(rule["annotations"]["description"]) > 80, rule["alert"]
            assert f"`{rule['alert']}`" in readme, f"the README does not explain {rule['alert']}"


def test_the_dashboard_is_well_formed() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    occupied: set[tuple[int, int]] = set()
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0, panel["title"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & occupied, f"{panel['title']} overlaps another panel"
        occupied |= cells
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert 'job=~"$job", instance=~"$instance"' in target["expr"], panel["title"]
    variables = [v["name"] for v in dashboard["templating"]["list"]]
    assert variables == ["datasource", "job", "instance"]
    titles = {p["title"] for p in panels}
    for title in ("RPC errors by reason", "Upstream tries by outcome", "Session changes"):
        assert title in titles


def test_the_chart_installs_nothing_for_monitoring_by_default() -> None:
    kinds = {d["kind"] for d in helm(*HELM_SOCKETS_ONLY)}
    assert not kinds & {"PrometheusRule", "PodMonitor"}
    names = [d["metadata"]["name"] for d in helm(*HELM_SOCKETS_ONLY)]
    assert not [n for n in names if n.endswith("-dashboard")]


def test_the_chart_installs_the_rules_the_dashboard_and_a_pod_monitor() -> None:
    documents = helm(*HELM_MONITORING)
    by_kind = {d["kind"]: d for d in documents if d["kind"] in ("PrometheusRule", "PodMonitor")}
    rule = by_kind["PrometheusRule"]
    assert rule["spec"] == rules()
    assert rule["metadata"]["labels"]["release"] == "prometheus"

    dashboard = next(d for d in documents if d["metadata"]["name"].endswith("-dashboard"))
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert json.loads(dashboard["data"]["cometchat-sidecar.json"]) == json.loads(
        DASHBOARD.read_text(encoding="utf-8")
    )
    for version in KUBERNETES_VERSIONS:
        kubernetes_validate.validate(dashboard, version, strict=True)

    # The PodMonitor selects the Deployment's pods and scrapes the sidecar's named port.
    monitor = by_kind["PodMonitor"]["spec"]
    deployment = next(d for d in documents if d["kind"] == "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert monitor["selector"]["matchLabels"].items() <= pod_labels.items()
    spec = pod_spec(deployment)
    assert spec is not None
    sidecar = sidecar_of(spec)
    assert sidecar is not None
    (endpoint,) = monitor["podMetricsEndpoints"]
    port = next(p for p in sidecar["ports"] if p["name"] == endpoint["port"])
    # The sidecar's settings come from the chart's ConfigMap: HTTP on every address.
    settings = next(
        d["data"]
        for d in documents
        if d["kind"] == "ConfigMap" and "COMETCHAT_SIDECAR_HTTP_LISTEN" in d.get("data", {})
    )
    assert settings["COMETCHAT_SIDECAR_HTTP_LISTEN"] == f"0.0.0.0:{port['containerPort']}"
    assert endpoint["path"] == "/metrics"


def test_kustomize_builds_the_rules_and_the_dashboard() -> None:
    documents = kustomize(MONITORING)
    rule = next(d for d in documents if d["kind"] == "PrometheusRule")
    assert rule["spec"] == rules()
    config = next(d for d in documents if d["kind"] == "ConfigMap")
    assert config["metadata"]["labels"] == {"grafana_dashboard": "1"}
    assert json.loads(config["data"]["cometchat-sidecar.dashboard.json"]) == json.loads(
        DASHBOARD.read_text(encoding="utf-8")
    )
