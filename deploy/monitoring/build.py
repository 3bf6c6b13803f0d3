"""Builds the monitoring files from their two sources, or checks that they are up to date.

    python deploy/monitoring/build.py           # make monitoring
    python deploy/monitoring/build.py --check   # make test: exit 1 when a file is stale

Sources: the panels below (the Grafana dashboard) and cometchat-sidecar.rules.yaml (the
alerting rules, edited by hand). Built from them:
  deploy/monitoring/cometchat-sidecar.dashboard.json    the dashboard, for Grafana's import
  deploy/monitoring/prometheusrule.yaml                 the rules as a PrometheusRule
  deploy/helm/cometchat-sidecar/files/...               copies of both for the chart
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

HERE: Final = Path(__file__).resolve().parent
ROOT: Final = HERE.parents[1]
RULES: Final = HERE / "cometchat-sidecar.rules.yaml"
DASHBOARD: Final = HERE / "cometchat-sidecar.dashboard.json"
PROMETHEUS_RULE: Final = HERE / "prometheusrule.yaml"
CHART_FILES: Final = ROOT / "deploy" / "helm" / "cometchat-sidecar" / "files"

DASHBOARD_UID: Final = "cometchat-sidecar"
DATASOURCE: Final = {"type": "prometheus", "uid": "${datasource}"}
# Every query selects the dashboard's job and instance variables.
TARGET: Final = 'job=~"$job", instance=~"$instance"'
RATE: Final = "[$__rate_interval]"


def m(name: str, matchers: str = "") -> str:
    """A selector of one sidecar metric for the chosen job and instances."""
    return f"{name}{{{TARGET}{', ' + matchers if matchers else ''}}}"


def rate(name: str, matchers: str = "") -> str:
    return f"rate({m(name, matchers)}{RATE})"


SERVER_SIDE_CODES: Final = 'code=~"UNAVAILABLE|INTERNAL|UNKNOWN|DEADLINE_EXCEEDED"'
NOT_OK: Final = 'reason!="OK"'
BREAKER_STATES: Final = {
    "0": ("closed", "green"),
    "1": ("half-open", "orange"),
    "2": ("open", "red"),
}
UPSTREAM_UP: Final = {"-1": ("unknown", "text"), "0": ("down", "red"), "1": ("up", "green")}


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"  # or "stat"
    unit: str = "short"
    width: int = 8
    height: int = 8
    mappings: dict[str, tuple[str, str]] = field(default_factory=dict)
    stacked: bool = False


@dataclass(frozen=True)
class Row:
    title: str


def _q(expr: str, legend: str = "") -> tuple[Query, ...]:
    return (Query(expr, legend),)


PANELS: Final[tuple[Panel | Row, ...]] = (
    Row("Overview"),
    Panel(
        "Ready sidecars",
        "Sidecars answering /readyz (1 each); a sidecar is not ready while it starts or drains.",
        _q(f"sum({m('cometchat_sidecar_ready')})"),
        kind="stat",
        width=4,
        height=4,
    ),
    Panel(
        "Live sessions",
        "Apps with a logged-in session, summed over the chosen sidecars.",
        _q(f"sum({m('cometchat_sidecar_live_sessions')})"),
        kind="stat",
        width=4,
        height=4,
    ),
    Panel(
        "Circuit breaker (worst)",
        "The most open breaker among the chosen sidecars: closed, half-open (probing) or open"
        " (failing fast with UPSTREAM_CIRCUIT_OPEN).",
        _q(f"max({m('cometchat_sidecar_upstream_breaker_state')})"),
        kind="stat",
        width=4,
        height=4,
        mappings=BREAKER_STATES,
    ),
    Panel(
        "CometChat reachable (worst)",
        "1 when CometChat answered lately, 0 while a breaker is not closed, -1 before any answer.",
        _q(f"min({m('cometchat_sidecar_upstream_up')})"),
        kind="stat",
        width=4,
        height=4,
        mappings=UPSTREAM_UP,
    ),
    Panel(
        "RPCs",
        "RPCs answered per second, every method and outcome.",
        _q(f"sum({rate('cometchat_sidecar_rpcs_total')})"),
        kind="stat",
        unit="reqps",
        width=4,
        height=4,
    ),
    Panel(
        "Server-side RPC errors",
        "Share of RPCs ending in UNAVAILABLE, INTERNAL, UNKNOWN or DEADLINE_EXCEEDED"
        " (the CometChatSidecarRpcErrors alert fires above 5 % for 10 minutes).",
        _q(
            f"sum({rate('cometchat_sidecar_rpcs_total', SERVER_SIDE_CODES)})"
            f" / sum({rate('cometchat_sidecar_rpcs_total')})"
        ),
        kind="stat",
        unit="percentunit",
        width=4,
        height=4,
    ),
    Row("RPCs"),
    Panel(
        "RPC rate by method",
        "RPCs answered per second, by method.",
        _q(f"sum by (method) ({rate('cometchat_sidecar_rpcs_total')})", "{{method}}"),
        unit="reqps",
    ),
    Panel(
        "RPC errors by reason",
        "Answers other than OK per second, by the ErrorInfo reason (the README's error table"
        " says what each means and whether a retry helps).",
        _q(
            f"sum by (reason) ({rate('cometchat_sidecar_rpcs_total', NOT_OK)})",
            "{{reason}}",
        ),
        unit="reqps",
        stacked=True,
    ),
    Panel(
        "RPC latency",
        "50th and 99th percentile of the time to answer, by method.",
        (
            Query(
                "histogram_quantile(0.99, sum by (le, method) "
                f"({rate('cometchat_sidecar_rpc_duration_seconds_bucket')}))",
                "p99 {{method}}",
            ),
            Query(
                "histogram_quantile(0.5, sum by (le, method) "
                f"({rate('cometchat_sidecar_rpc_duration_seconds_bucket')}))",
                "p50 {{method}}",
            ),
        ),
        unit="s",
    ),
    Row("CometChat (upstream)"),
    Panel(
        "Upstream tries by outcome",
        "HTTP tries against CometChat per second, by endpoint (R3, R5, M1, M2) and outcome"
        " (HTTP status, timeout, connection_error, cancelled).",
        _q(
            f"sum by (endpoint, status) ({rate('cometchat_sidecar_upstream_requests_total')})",
            "{{endpoint}} {{status}}",
        ),
        unit="reqps",
    ),
    Panel(
        "Upstream latency",
        "99th percentile of one HTTP try, by endpoint.",
        _q(
            "histogram_quantile(0.99, sum by (le, endpoint) "
            f"({rate('cometchat_sidecar_upstream_request_duration_seconds_bucket')}))",
            "p99 {{endpoint}}",
        ),
        unit="s",
    ),
    Panel(
        "Upstream retries by cause",
        "Tries repeated per second, by endpoint and cause (connection errors, timeouts,"
        " 502/503/504, 429 after Retry-After).",
        _q(
            f"sum by (endpoint, cause) ({rate('cometchat_sidecar_upstream_retries_total')})",
            "{{endpoint}} {{cause}}",
        ),
        unit="reqps",
    ),
    Panel(
        "Circuit breaker state",
        "Per sidecar: 0 closed, 1 half-open (one probe goes through), 2 open (failing fast)."
        " The CometChatSidecarBreakerOpen alert fires when it is not closed for 3 minutes.",
        _q(f"max by (instance) ({m('cometchat_sidecar_upstream_breaker_state')})", "{{instance}}"),
        mappings=BREAKER_STATES,
        width=12,
    ),
    Panel(
        "CometChat reachability",
        "Per sidecar: 1 CometChat answered lately, 0 breaker not closed, -1 unknown (no answer"
        " yet).",
        _q(f"min by (instance) ({m('cometchat_sidecar_upstream_up')})", "{{instance}}"),
        mappings=UPSTREAM_UP,
        width=12,
    ),
    Row("Sessions and state"),
    Panel(
        "Live sessions",
        "Apps with a logged-in session, per sidecar.",
        _q(f"sum by (instance) ({m('cometchat_sidecar_live_sessions')})", "{{instance}}"),
        width=6,
    ),
    Panel(
        "Session changes",
        "Logins, logouts and revocations (a token CometChat no longer knows, found by the"
        " background check) per second.",
        _q(
            f"sum by (change) ({rate('cometchat_sidecar_session_changes_total')})",
            "{{change}}",
        ),
        unit="ops",
        width=6,
    ),
    Panel(
        "State store errors",
        "Failed operations on the session store (SQLite or Redis) per second; RPCs that need"
        " it answer STATE_UNAVAILABLE.",
        _q(
            f"sum by (operation) ({rate('cometchat_sidecar_state_errors_total')})",
            "{{operation}}",
        ),
        unit="ops",
        width=6,
    ),
    Panel(
        "Readiness and restarts",
        "Ready sidecars, and restarts seen in the window (a changed start time).",
        (
            Query(f"sum({m('cometchat_sidecar_ready')})", "ready"),
            Query(f"sum(changes({m('cometchat_sidecar_start_time_seconds')}{RATE}))", "restarts"),
        ),
        width=6,
    ),
)


def _mappings(states: dict[str, tuple[str, str]]) -> list[dict[str, Any]]:
    options = {
        value: {"text": text, "color": color, "index": i}
        for i, (value, (text, color)) in enumerate(states.items())
    }
    return [{"type": "value", "options": options}] if options else []


def _panel_json(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    targets = [
        {
            "datasource": DATASOURCE,
            "expr": query.expr,
            "legendFormat": query.legend or "__auto",
            "range": True,
            "refId": chr(ord("A") + i),
        }
        for i, query in enumerate(panel.queries)
    ]
    defaults: dict[str, Any] = {"unit": panel.unit, "mappings": _mappings(panel.mappings)}
    if panel.kind == "stat":
        options: dict[str, Any] = {
            "colorMode": "value",
            "graphMode": "none",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
            "textMode": "value",
        }
    else:
        defaults["custom"] = {
            "drawStyle": "line",
            "lineInterpolation": "stepAfter" if panel.mappings else "linear",
            "fillOpacity": 20 if panel.stacked else 0,
            "stacking": {"mode": "normal" if panel.stacked else "none", "group": "A"},
            "showPoints": "never",
        }
        options = {
            "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
            "tooltip": {"mode": "multi", "sort": "desc"},
        }
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": options,
    }


def _layout(items: tuple[Panel | Row, ...]) -> Iterator[dict[str, Any]]:
    """Rows across the full width; panels left to right, wrapping at 24 columns."""
    x = y = row_height = 0
    for panel_id, item in enumerate(items, start=1):
        if isinstance(item, Row):
            y += row_height
            x = row_height = 0
            yield {
                "id": panel_id,
                "type": "row",
                "title": item.title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
            y += 1
            continue
        if x + item.width > 24:
            y += row_height
            x = row_height = 0
        yield _panel_json(item, panel_id, x, y)
        x += item.width
        row_height = max(row_height, item.height)


def _variable(name: str, label: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DATASOURCE,
        "definition": query,
        "query": {"query": query, "refId": f"{name}-values"},
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "refresh": 2,
        "sort": 1,
    }


def dashboard() -> dict[str, Any]:
    # An unlabelled gauge every sidecar exports from its start: the variables' source.
    always = "cometchat_sidecar_upstream_breaker_state"
    return {
        "uid": DASHBOARD_UID,
        "title": "CometChat auth sidecar",
        "description": "RPCs, CometChat calls, the circuit breaker, sessions and the state store"
        " of the CometChat auth sidecar (metrics: README, Metrics).",
        "tags": ["cometchat", "sidecar", "grpc"],
        "timezone": "browser",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "schemaVersion": 39,
        "version": 1,
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "current": {},
                },
                _variable("job", "Job", f"label_values({always}, job)"),
                _variable(
                    "instance", "Instance", f'label_values({always}{{job=~"$job"}}, instance)'
                ),
            ]
        },
        "annotations": {"list": []},
        "panels": list(_layout(PANELS)),
    }


def prometheus_rule(rules_text: str) -> str:
    """The rules file as the spec of a PrometheusRule: its text indented, comments kept."""
    body = rules_text[rules_text.index("groups:") :]
    indented = "".join(f"  {line}" if line.strip() else line for line in body.splitlines(True))
    return (
        "# Built by deploy/monitoring/build.py from cometchat-sidecar.rules.yaml: do not edit.\n"
        "# The sidecar's alerts for the Prometheus Operator (kubectl apply -f, or kustomize).\n"
        "apiVersion: monitoring.coreos.com/v1\n"
        "kind: PrometheusRule\n"
        "metadata:\n"
        "  name: cometchat-sidecar\n"
        "  labels:\n"
        "    app.kubernetes.io/name: cometchat-sidecar\n"
        "spec:\n"
        f"{indented}"
    )


def outputs() -> dict[Path, str]:
    rules_text = RULES.read_text(encoding="utf-8")
    dashboard_text = json.dumps(dashboard(), indent=2) + "\n"
    return {
        DASHBOARD: dashboard_text,
        PROMETHEUS_RULE: prometheus_rule(rules_text),
        CHART_FILES / RULES.name: rules_text,
        CHART_FILES / DASHBOARD.name: dashboard_text,
    }


def main(argv: list[str] | None = None, out: Callable[[str], object] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a built file is stale")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            out(f"wrote {path.relative_to(ROOT)}")
    if stale:
        out(f"stale: {', '.join(stale)}: run 'make monitoring' and commit the result")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
