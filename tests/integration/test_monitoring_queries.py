"""The dashboard's and the alerts' queries name only metrics a running sidecar exports, and
the dashboard shows every metric it exports. The exported names come from the real
`/metrics` of a live sidecar; the queries are parsed with a PromQL parser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import promql_parser
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import AppClient, fails
from tests.stack import Stack

MONITORING = Path(__file__).resolve().parents[2] / "deploy" / "monitoring"
DASHBOARD = MONITORING / "cometchat-sidecar.dashboard.json"
RULES = MONITORING / "cometchat-sidecar.rules.yaml"
# Grafana's interval variables stand where PromQL wants a duration.
GRAFANA_DURATIONS = re.compile(r"\$__(rate_interval|interval|range)\b")
LABEL_VALUES = re.compile(r"^label_values\((.+),\s*\w+\)$")


def queries() -> list[tuple[str, str]]:
    """(where, PromQL) of every panel target, dashboard variable and alert."""
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found = [
        (f"panel {panel['title']!r}", target["expr"])
        for panel in dashboard["panels"]
        for target in panel.get("targets", [])
    ]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            selector = LABEL_VALUES.match(variable["query"]["query"])
            assert selector, variable["name"]
            found.append((f"variable {variable['name']!r}", selector.group(1)))
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    found += [
        (f"alert {rule['alert']}", rule["expr"])
        for group in rules["groups"]
        for rule in group["rules"]
    ]
    return found


def metric_names(query: str) -> set[str]:
    names: set[str] = set()

    def visit(node: promql_parser.Expr) -> bool:
        if isinstance(node, promql_parser.VectorSelector):
            by_matcher = {m.value for m in node.matchers.matchers if m.name == "__name__"}
            names.update({node.name} if node.name else by_matcher)
        return True

    promql_parser.walk(promql_parser.parse(GRAFANA_DURATIONS.sub("5m", query)), visit)
    return names


def test_the_queries_parse_and_name_metrics() -> None:
    found = queries()
    assert len(found) > 20
    for where, query in found:
        assert metric_names(query), f"{where} names no metric: {query}"


async def test_every_query_names_only_metrics_the_sidecar_exports(
    stack: Stack, app_a: AppClient
) -> None:
    # Enough traffic that every labelled metric has a sample: a retried try, a failure.
    stack.emulator.inject_connection_close("M1")
    await app_a.login("cometchat-uid-1")
    await app_a.logout()
    await fails(app_a.logout())
    async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
        response = await ops.get("/metrics")
    families = list(text_string_to_metric_families(response.text))
    exported = {sample.name for family in families for sample in family.samples}
    assert "cometchat_sidecar_upstream_retries_total" in exported

    missing = sorted(
        f"{where}: {name}"
        for where, query in queries()
        for name in metric_names(query)
        if name not in exported
    )
    assert missing == [], "queries name metrics the sidecar does not export"

    # And the other way: each metric the sidecar exports is on the dashboard (leaving out
    # prometheus_client's `*_created` timestamps of counters and histograms).
    panels = [query for where, query in queries() if where.startswith("panel")]
    on_dashboard = {name for query in panels for name in metric_names(query)}
    not_shown = sorted(
        family.name
        for family in families
        if not family.name.endswith("_created")
        and not {sample.name for sample in family.samples} & on_dashboard
    )
    assert not_shown == [], "exported but on no panel: add one in deploy/monitoring/build.py"
