"""The dashboard, drawn from its own queries over a real run (Grafana does not run here).

    make dashboard-plot     # or: .venv/bin/python -m bench.dashboard [--phase-seconds 30]

A real Prometheus (deploy/.bin/prometheus, built by `deploy/monitoring/tools.sh
prometheus`) scrapes a real sidecar process every second, with the alerting rules loaded,
while this process drives a bounded load through the CometChat emulator on loopback in
four phases: normal, 15 % gateway 503s, an outage (every connection reset), recovery.
Then every panel's PromQL is read from deploy/monitoring/cometchat-sidecar.dashboard.json,
asked of Prometheus' HTTP API over the run, and drawn where the dashboard puts it into
deploy/monitoring/dashboard.png; the figures go to bench/results/dashboard.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import socket
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import grpc
import httpx
import structlog
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.emulator import Emulator
from sidecar.emulator.faults import FaultPolicy
from sidecar.logs import configure_logging
from tests.processes import SidecarProcess, emulator_args
from tests.stack import write_credentials

ROOT = Path(__file__).resolve().parents[1]
PROMETHEUS = ROOT / "deploy" / ".bin" / "prometheus"
MONITORING = ROOT / "deploy" / "monitoring"
DASHBOARD = MONITORING / "cometchat-sidecar.dashboard.json"
RULES = MONITORING / "cometchat-sidecar.rules.yaml"
PLOT = MONITORING / "dashboard.png"
FIGURES = ROOT / "bench" / "results" / "dashboard.json"
JOB = "cometchat-sidecar"
# Scraped every second, so a window of 10 s holds enough samples for rate().
RATE_WINDOW = "10s"
# One worker per app (an app has one session): no worker logs another one's user out.
APPS = ("billing", "chat", "rooms", "video", "notes", "files", "board", "calls")
REVOKER = "revoker"
CALL_TIMEOUT_SECONDS = 2.0
PAUSE_SECONDS = 0.02  # between one worker's calls: a steady load, not a saturating one
Metadata = tuple[tuple[str, str], ...]
if TYPE_CHECKING:
    Stub = auth_pb2_grpc.AuthServiceAsyncStub  # only in the stubs' .pyi


@dataclass(frozen=True)
class Phase:
    name: str
    policy: FaultPolicy
    color: str


PHASES = (
    Phase("normal", FaultPolicy(), "white"),
    Phase("15 % gateway 503", FaultPolicy(error_rate=0.15, error_status=503), "#fff3cd"),
    Phase("outage: every connection reset", FaultPolicy(reset_rate=1.0), "#f8d7da"),
    Phase("recovery", FaultPolicy(), "white"),
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def prometheus(workdir: Path, target: str) -> Iterator[str]:
    """A Prometheus scraping `target` every second; yields its base URL."""
    if not PROMETHEUS.exists():
        raise SystemExit(f"{PROMETHEUS} is missing: run deploy/monitoring/tools.sh prometheus")
    config = workdir / "prometheus.yml"
    config.write_text(
        json.dumps(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES)],
                "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}],
            }
        ),
        encoding="utf-8",
    )
    address = f"127.0.0.1:{free_port()}"
    with (workdir / "prometheus.log").open("wb") as log:
        process = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address={address}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://{address}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            if process.poll() is not None:
                raise SystemExit((workdir / "prometheus.log").read_text()[-2000:])
            time.sleep(0.2)
        else:
            raise SystemExit("Prometheus did not get ready within 60 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# Load ---------------------------------------------------------------------------


async def worker(
    stub: Stub, metadata: Metadata, uid: str, until: float, outcomes: dict[str, int]
) -> None:
    calls: tuple[Callable[[], Awaitable[object]], ...] = (
        lambda: stub.Login(
            auth_pb2.LoginRequest(uid=uid), metadata=metadata, timeout=CALL_TIMEOUT_SECONDS
        ),
        lambda: stub.GetLoggedInUser(
            auth_pb2.GetLoggedInUserRequest(), metadata=metadata, timeout=CALL_TIMEOUT_SECONDS
        ),
        lambda: stub.Logout(
            auth_pb2.LogoutRequest(), metadata=metadata, timeout=CALL_TIMEOUT_SECONDS
        ),
    )
    while time.monotonic() < until:
        for call in calls:
            try:
                await call()
                outcomes["OK"] = outcomes.get("OK", 0) + 1
            except grpc.aio.AioRpcError as error:
                outcomes[error.code().name] = outcomes.get(error.code().name, 0) + 1
            await asyncio.sleep(PAUSE_SECONDS)


async def revocations(
    stub: Stub, metadata: Metadata, emulator: Emulator, until: float, revoked: list[int]
) -> None:
    """Log in with a fresh token, revoke it on CometChat's side, every 3 s."""
    uid = "cometchat-uid-5"
    while time.monotonic() < until - 3:
        token = emulator.mint_token(uid)
        with contextlib.suppress(grpc.aio.AioRpcError):
            await stub.LoginWithToken(
                auth_pb2.LoginWithTokenRequest(auth_token=token),
                metadata=metadata,
                timeout=CALL_TIMEOUT_SECONDS,
            )
            await asyncio.sleep(0.5)
            emulator.revoke_token(uid, token)
            revoked.append(1)
        await asyncio.sleep(2.5)


async def drive(workdir: Path, phase_seconds: float) -> dict[str, Any]:
    """Runs the phases; returns their start times and the callers' outcomes."""
    figures: dict[str, Any] = {"phases": [], "outcomes": {}, "revoked_tokens": 0}
    async with Emulator() as emulator:
        credentials = write_credentials(workdir / "apps", (*APPS, REVOKER))
        sidecar = await SidecarProcess.start(
            workdir / "sidecar.log",
            [*emulator_args(emulator, workdir / "apps"), "--revocation-check-seconds", "1"],
            {
                "COMETCHAT_API_KEY": emulator.config.full_access_key,
                # The load is about upstream faults: each app logs in far more often than
                # the per-app login limit allows.
                "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
            },
        )
        http_address = str(sidecar.events("serving")[-1]["http_address"])
        try:
            with prometheus(workdir, http_address) as url:
                figures["prometheus"] = url
                await asyncio.sleep(3)  # a few scrapes before the load
                figures["start"] = time.time()
                async with grpc.aio.insecure_channel(sidecar.address) as channel:
                    stub = auth_pb2_grpc.AuthServiceStub(channel)
                    outcomes: dict[str, int] = {}
                    revoked: list[int] = []
                    for phase in PHASES:
                        emulator.set_fault_policy(phase.policy)
                        figures["phases"].append({"name": phase.name, "start": time.time()})
                        until = time.monotonic() + phase_seconds
                        tasks = [
                            worker(
                                stub,
                                (("authorization", f"Bearer {credentials[app]}"),),
                                f"cometchat-uid-{i % 4 + 1}",
                                until,
                                outcomes,
                            )
                            for i, app in enumerate(APPS)
                        ]
                        if not phase.policy.reset_rate:
                            revoker = (("authorization", f"Bearer {credentials[REVOKER]}"),)
                            tasks.append(revocations(stub, revoker, emulator, until, revoked))
                        await asyncio.gather(*tasks)
                    emulator.clear_faults()
                figures["outcomes"] = dict(sorted(outcomes.items()))
                figures["revoked_tokens"] = len(revoked)
                await asyncio.sleep(3)  # the last scrapes
                figures["end"] = time.time()
                figures["series"] = await asyncio.to_thread(
                    query_panels, url, figures["start"], figures["end"]
                )
                figures["totals"] = await asyncio.to_thread(
                    totals, url, figures["end"] - figures["start"]
                )
        finally:
            await sidecar.stop()
    return figures


# Queries ------------------------------------------------------------------------


def concrete(expr: str) -> str:
    """A panel's PromQL with the dashboard's variables filled in."""
    return (
        expr.replace("$__rate_interval", RATE_WINDOW)
        .replace('job=~"$job"', f'job=~"{JOB}"')
        .replace('instance=~"$instance"', 'instance=~".+"')
    )


def query_panels(url: str, start: float, end: float) -> dict[str, list[dict[str, Any]]]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found: dict[str, list[dict[str, Any]]] = {}
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            response = httpx.get(
                f"{url}/api/v1/query_range",
                params={"query": concrete(target["expr"]), "start": start, "end": end, "step": 1},
                timeout=30,
            )
            response.raise_for_status()
            found[f"{panel['id']}/{target['refId']}"] = response.json()["data"]["result"]
    return found


def totals(url: str, seconds: float) -> dict[str, Any]:
    """Whole-run figures, from Prometheus too."""
    window = f"{int(seconds) + 1}s"

    def increase(by: str, name: str) -> str:
        return f'sum by ({by}) (increase(cometchat_sidecar_{name}{{job="{JOB}"}}[{window}]))'

    breaker = f'cometchat_sidecar_upstream_breaker_state{{job="{JOB}"}} > bool 0'
    queries = {
        "rpcs_by_reason": increase("reason", "rpcs_total"),
        "upstream_tries_by_status": increase("status", "upstream_requests_total"),
        "retries_by_cause": increase("cause", "upstream_retries_total"),
        "session_changes": increase("change", "session_changes_total"),
        "seconds_breaker_not_closed": f"sum_over_time(({breaker})[{window}:1s])",
        # Pending or firing at some point of the run (the rules' `for` outlasts short phases).
        "alerts": f"count by (alertname, alertstate) (max_over_time(ALERTS[{window}]))",
    }
    result: dict[str, Any] = {}
    for name, query in queries.items():
        response = httpx.get(f"{url}/api/v1/query", params={"query": query}, timeout=30)
        response.raise_for_status()
        result[name] = {
            "/".join(v for _, v in sorted(s["metric"].items())) or "all": round(
                float(s["value"][1])
            )
            for s in response.json()["data"]["result"]
        }
    return result


# Plot ---------------------------------------------------------------------------

LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")
UNITS = {"reqps": "/s", "ops": "/s", "s": "s", "percentunit": "", "short": ""}


def legend(template: str, labels: dict[str, str]) -> str:
    if template == "__auto":
        return (
            ",".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("job",)) or "value"
        )
    return LEGEND_LABEL.sub(lambda m: labels.get(m.group(1), ""), template)


def plot(figures: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in panels)
    unit_height = 0.42  # inches per grid row
    fig = plt.figure(figsize=(22, bottom * unit_height + 1.2), dpi=100)
    top_margin = 1.0 / (bottom * unit_height + 1.2)
    scale_y = (1 - top_margin) / bottom
    start = figures["start"]
    fig.suptitle(
        f"{dashboard['title']}: the dashboard's queries over a {figures['end'] - start:.0f} s run"
        " (Prometheus scraping every second; rate windows of 10 s)",
        fontsize=15,
        y=1 - top_margin * 0.35,
    )

    def rect(grid: dict[str, int], labels: bool) -> tuple[float, float, float, float]:
        """Where the dashboard puts a panel; room on the left for y labels, more for words."""
        pad_x, pad_y = 0.006, 0.25
        left = pad_x + (0.035 if labels else 0.02) * (grid["x"] == 0 or labels)
        return (
            grid["x"] / 24 + left,
            1 - top_margin - (grid["y"] + grid["h"]) * scale_y + pad_y * scale_y * 2,
            grid["w"] / 24 - pad_x - left,
            grid["h"] * scale_y - pad_y * scale_y * 4.5,
        )

    for panel in panels:
        grid = panel["gridPos"]
        if panel["type"] == "row":
            fig.text(
                0.01, 1 - top_margin - (grid["y"] + 0.7) * scale_y, panel["title"],
                fontsize=13, fontweight="bold",
            )  # fmt: skip
            continue
        unit = panel["fieldConfig"]["defaults"]["unit"]
        mapping = {
            float(value): option["text"]
            for m in panel["fieldConfig"]["defaults"]["mappings"]
            for value, option in m["options"].items()
        }
        ax = fig.add_axes(rect(grid, bool(mapping) and panel["type"] != "stat"))
        ax.set_title(panel["title"], fontsize=11, loc="left")
        results = [
            (target, series)
            for target in panel["targets"]
            for series in figures["series"][f"{panel['id']}/{target['refId']}"]
        ]
        if panel["type"] == "stat":
            ax.set_axis_off()
            values = [float(s["values"][-1][1]) for _, s in results if s["values"]]
            value = values[0] if values else None
            if value is None:
                text = "no data"
            elif value in mapping:
                text = mapping[value]
            elif unit == "percentunit":
                text = f"{value:.1%}"
            else:
                text = f"{value:.3g}{UNITS.get(unit, '')}"
            ax.text(0.5, 0.35, text, ha="center", va="center", fontsize=22, transform=ax.transAxes)
            continue
        for phase, following in zip(
            figures["phases"], [*figures["phases"][1:], {"start": figures["end"]}], strict=True
        ):
            color = next(p.color for p in PHASES if p.name == phase["name"])
            ax.axvspan(phase["start"] - start, following["start"] - start, color=color, zorder=0)
        labels = [legend(target["legendFormat"], series["metric"]) for target, series in results]
        stacked = panel["fieldConfig"]["defaults"]["custom"]["stacking"]["mode"] == "normal"
        if stacked and results:
            # As Grafana stacks: each series on top of the ones before, 0 where it has no point.
            times = sorted({float(t) for _, series in results for t, _ in series["values"]})
            stacks = [
                [dict((float(t), float(v)) for t, v in series["values"]).get(t, 0.0) for t in times]
                for _, series in results
            ]
            ax.stackplot([t - start for t in times], stacks, labels=labels, alpha=0.8)
        else:
            for (_, series), label in zip(results, labels, strict=True):
                ax.plot(
                    [float(t) - start for t, _ in series["values"]],
                    [float(v) for _, v in series["values"]],
                    linewidth=1.2,
                    drawstyle="steps-post" if mapping else "default",
                    label=label,
                )
        if mapping:
            ax.set_yticks(sorted(mapping), [mapping[v] for v in sorted(mapping)], fontsize=8)
        ax.tick_params(labelsize=8)
        if unit:
            ax.set_ylabel(UNITS.get(unit, unit), fontsize=8)
        ax.set_xlim(0, figures["end"] - start)
        ax.grid(alpha=0.3)
        if results:
            ax.legend(
                fontsize=7, loc="upper left", ncol=2 if len(results) > 5 else 1, framealpha=0.8
            )
    handles = [Patch(facecolor=p.color, edgecolor="#999", label=p.name) for p in PHASES[1:3]]
    fig.legend(handles=handles, loc="upper right", fontsize=10, title="phases (x axis: seconds)")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase-seconds", type=float, default=30.0)
    args = parser.parse_args()
    configure_logging("error")
    with tempfile.TemporaryDirectory() as workdir:
        figures = asyncio.run(drive(Path(workdir), args.phase_seconds))
    structlog.reset_defaults()
    plot(figures, PLOT)
    summary = {k: v for k, v in figures.items() if k not in ("series", "prometheus")}
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    print(f"wrote {PLOT.relative_to(ROOT)} and {FIGURES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
