"""Every benchmark in one run and one process tree, so the ratios hold on a noisy machine.

    make bench            # or: .venv/bin/python -m bench.run [--quick]

Starts the CometChat emulator, the sidecar and the floor server as processes,
drives them with ghz (a load generator not written here), and writes
bench/results/latest.json, bench/results/latest.md and bench/results/plot.png.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]
GHZ = ROOT / "bench" / ".bin" / "ghz"
RESULTS = ROOT / "bench" / "results"
PROTO = ROOT / "protos" / "cometchat_sidecar" / "auth" / "v1" / "auth.proto"
SERVICE = "cometchat_sidecar.auth.v1.AuthService"
BENCH_APP = "bench"
BENCH_CREDENTIAL = "bench-credential-0123456789"
# ghz names its workers g<i>c<connection>; every worker is its own app in the Login run.
GHZ_CONNECTIONS = 8


@dataclass(frozen=True)
class LoadPoint:
    target: str
    concurrency: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


# Processes ----------------------------------------------------------------------


@contextlib.contextmanager
def process(
    args: Sequence[str], *, env: dict[str, str] | None = None, log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            list(args),
            cwd=ROOT,
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_for_line(log: Path, predicate: Any, timeout: float = 30.0) -> dict[str, Any]:
    """The first JSON line of `log` for which `predicate` holds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                record = json.loads(line)
                if isinstance(record, dict) and predicate(record):
                    return record
        time.sleep(0.02)
    raise RuntimeError(
        f"{log.name}: expected line not seen:\n{log.read_text(errors='replace')[-2000:]}"
    )


def emulator(workdir: Path, extra_users: int = 0) -> tuple[Any, dict[str, Any]]:
    log = workdir / "emulator.log"
    ctx = process(
        [sys.executable, "-m", "sidecar", "emulator", "--extra-users", str(extra_users)], log=log
    )
    proc = ctx.__enter__()
    description = wait_for_line(log, lambda r: "api_url" in r)
    return ctx, description | {"pid": proc.pid}


def write_credentials(directory: Path, concurrencies: Sequence[int]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / BENCH_APP).write_text(BENCH_CREDENTIAL)
    for c in concurrencies:
        connections = min(c, GHZ_CONNECTIONS)
        for i in range(c):
            name = f"g{i}c{i % connections}"
            (directory / name).write_text(f"worker-{name}")


def sidecar_command() -> list[str]:
    return [sys.executable, "-m", "sidecar", "serve", "--listen", "127.0.0.1:0"]


def sidecar_env(description: dict[str, Any], credentials: Path) -> dict[str, str]:
    return {
        "COMETCHAT_APP_ID": description["app_id"],
        "COMETCHAT_API_KEY": description["full_access_key"],
        "COMETCHAT_API_HOST": description["api_url"],
        "COMETCHAT_CLIENT_HOST": description["client_url"],
        "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR": str(credentials),
    }


def serving_address(log: Path) -> str:
    return str(wait_for_line(log, lambda r: r.get("event") == "serving")["address"])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


# Load ---------------------------------------------------------------------------


def ghz(
    address: str,
    method: str,
    concurrency: int,
    seconds: float,
    *,
    data: str = "{}",
    metadata: str = "{}",
    target: str,
) -> LoadPoint:
    command = [
        str(GHZ),
        "--insecure",
        "--proto", str(PROTO),
        "--call", f"{SERVICE}/{method}",
        "--concurrency", str(concurrency),
        "--connections", str(min(concurrency, GHZ_CONNECTIONS)),
        "--duration", f"{seconds}s",
        "--total", "0",
        "--cpus", "1",
        "--timeout", "20s",
        "--data", data,
        "--metadata", metadata,
        "--format", "json",
        address,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, check=True, timeout=seconds + 60)
    report = json.loads(result.stdout)
    latencies = {
        d["percentage"]: d["latency"] / 1e6 for d in report.get("latencyDistribution") or []
    }
    errors = (
        sum(report.get("errorDistribution", {}).values()) if report.get("errorDistribution") else 0
    )
    return LoadPoint(
        target=target,
        concurrency=concurrency,
        requests=int(report["count"]),
        rps=round(float(report["rps"]), 1),
        p50_ms=round(latencies.get(50, float("nan")), 3),
        p99_ms=round(latencies.get(99, float("nan")), 3),
        errors=int(errors),
    )


def login_once(address: str, uid: str = "cometchat-uid-1") -> None:
    from cometchat_sidecar import SidecarClient

    with SidecarClient(address, credential=BENCH_CREDENTIAL) as client:
        client.wait_until_ready(timeout=10)
        client.login(uid)


# Scenarios ----------------------------------------------------------------------


def get_logged_in_user_vs_floor(
    workdir: Path, description: dict[str, Any], concurrencies: Sequence[int], seconds: float
) -> list[LoadPoint]:
    credentials = workdir / "apps"
    write_credentials(credentials, [])
    points: list[LoadPoint] = []
    floor_log, sidecar_log = workdir / "floor.log", workdir / "sidecar-get.log"
    with (
        process([sys.executable, "-m", "bench.floor_server"], log=floor_log),
        process(sidecar_command(), env=sidecar_env(description, credentials), log=sidecar_log),
    ):
        floor_address = f"127.0.0.1:{_first_line(floor_log)}"
        sidecar_address = serving_address(sidecar_log)
        login_once(sidecar_address)
        metadata = json.dumps({"authorization": f"Bearer {BENCH_CREDENTIAL}"})
        for c in concurrencies:
            # Interleaved, each after a short warm-up, so drift hits both alike.
            for target, address, md in (
                ("floor", floor_address, "{}"),
                ("sidecar", sidecar_address, metadata),
            ):
                ghz(address, "GetLoggedInUser", c, 1, metadata=md, target=target)
                point = ghz(address, "GetLoggedInUser", c, seconds, metadata=md, target=target)
                print(point, flush=True)
                points.append(point)
    return points


def _first_line(log: Path, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines()
        if lines:
            return lines[0].strip()
        time.sleep(0.02)
    raise RuntimeError(f"{log.name} printed nothing")


def start_up(workdir: Path, description: dict[str, Any], runs: int) -> dict[str, float]:
    credentials = workdir / "apps"
    write_credentials(credentials, [])
    seconds: list[float] = []
    rss: list[float] = []
    for n in range(runs):
        log = workdir / f"start-{n}.log"
        started = time.perf_counter()
        with process(sidecar_command(), env=sidecar_env(description, credentials), log=log) as proc:
            address = serving_address(log)
            with grpc.insecure_channel(address) as channel:
                stub = health_pb2_grpc.HealthStub(channel)
                while True:
                    with contextlib.suppress(grpc.RpcError):
                        answer = stub.Check(
                            health_pb2.HealthCheckRequest(service=SERVICE), timeout=1
                        )
                        if answer.status == health_pb2.HealthCheckResponse.SERVING:
                            break
                    time.sleep(0.002)
            seconds.append(time.perf_counter() - started)
            time.sleep(1.0)
            rss.append(rss_mib(proc.pid))
    return {
        "runs": runs,
        "start_to_serving_median_s": round(statistics.median(seconds), 3),
        "start_to_serving_max_s": round(max(seconds), 3),
        "idle_rss_median_mib": round(statistics.median(rss), 1),
    }


# Report -------------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "grpcio": grpc.__version__,
        "kernel": platform.release(),
    }


def ratios(points: Sequence[LoadPoint]) -> list[dict[str, Any]]:
    floor = {p.concurrency: p for p in points if p.target == "floor"}
    rows = []
    for p in points:
        if p.target != "sidecar" or p.concurrency not in floor:
            continue
        f = floor[p.concurrency]
        rows.append(
            {
                "concurrency": p.concurrency,
                "floor_rps": f.rps,
                "sidecar_rps": p.rps,
                "throughput_ratio": round(p.rps / f.rps, 3),
                "floor_p99_ms": f.p99_ms,
                "sidecar_p99_ms": p.p99_ms,
                "p99_ratio": round(p.p99_ms / f.p99_ms, 3),
            }
        )
    return rows


def plot(points: Sequence[LoadPoint], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for target, style in (("floor", "o--"), ("sidecar", "s-")):
        mine = sorted((p for p in points if p.target == target), key=lambda p: p.concurrency)
        xs = [p.concurrency for p in mine]
        left.plot(xs, [p.rps for p in mine], style, label=target)
        right.plot(xs, [p.p99_ms for p in mine], style, label=target)
    for axis, title, unit in (
        (left, "GetLoggedInUser throughput", "calls/s"),
        (right, "GetLoggedInUser p99 latency", "ms"),
    ):
        axis.set_xscale("log", base=2)
        axis.set_xlabel("calls in flight")
        axis.set_ylabel(unit)
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
        axis.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, to check the harness")
    args = parser.parse_args(argv)
    if not GHZ.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-ghz.sh")], check=True)
    seconds = 1.0 if args.quick else 4.0
    concurrencies = [1, 4, 16, 64, 256] if not args.quick else [1, 16]
    RESULTS.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ctx, description = emulator(workdir)
        try:
            points = get_logged_in_user_vs_floor(workdir, description, concurrencies, seconds)
            report["get_logged_in_user"] = [asdict(p) for p in points]
            report["get_logged_in_user_vs_floor"] = ratios(points)
            report["start_up"] = start_up(workdir, description, 3 if args.quick else 10)
        finally:
            ctx.__exit__(None, None, None)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    plot(points, RESULTS / "plot.png")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
