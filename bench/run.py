"""Every benchmark in one run and one process tree, so the ratios hold on a noisy machine.

    make bench            # or: .venv/bin/python -m bench.run [--quick] [--only PART]

Starts the CometChat emulator, the sidecar and the floor servers as processes, drives
them with ghz (a load generator not written here), and writes bench/results/latest.json,
bench/results/plot.png and a py-spy profile of the sidecar per benchmark
(bench/results/profile-*.txt). On a machine with two cores or more, the server under
test runs alone on one core and ghz and the emulator share another (taskset), so CPU per
call and the one-core plateau are the server's own.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import hashlib
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
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import memory_cycles

ROOT = Path(__file__).resolve().parents[1]
GHZ = ROOT / "bench" / ".bin" / "ghz"
# The sidecar and the floor run on the locked runtime set alone, as in the image
# (scripts/ensure-bench-runtime.sh); the development set where that is missing.
_RUNTIME_PYTHON = ROOT / "bench" / ".runtime" / "bin" / "python"
SERVER_PYTHON = str(_RUNTIME_PYTHON) if _RUNTIME_PYTHON.exists() else sys.executable
RESULTS = ROOT / "bench" / "results"
PROTO = ROOT / "protos" / "cometchat_sidecar" / "auth" / "v1" / "auth.proto"
SERVICE = "cometchat_sidecar.auth.v1.AuthService"
BENCH_APP = "bench"
BENCH_CREDENTIAL = "bench-credential-0123456789"
# ghz names its workers g<i>c<connection>; every worker is its own app in the Login run.
GHZ_CONNECTIONS = 8
# The server under test on one core, the load (ghz, the emulator) on another.
SERVER_CPUS, LOAD_CPUS = ("1", "0") if (os.cpu_count() or 1) >= 2 else ("", "")
BENCH_METADATA = json.dumps({"authorization": f"Bearer {BENCH_CREDENTIAL}"})


def pinned(args: Sequence[str], cpus: str) -> list[str]:
    """`args` run on `cpus` only (taskset), or as they are on a one-core machine."""
    return ["taskset", "-c", cpus, *args] if cpus else list(args)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class LoadPoint:
    """One ghz run. `rps` counts only calls answered OK; `errors` are the others, by kind.
    ghz ends a timed run by closing its connections: the calls still in flight then (at
    most one per worker) fail with "error reading from server", reported as `cut off`."""

    target: str
    concurrency: int
    seconds: float
    ok: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    cpu_us_per_call: float | None = None
    """The server's CPU time per call answered OK (None where it was not measured)."""


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


def emulator(
    workdir: Path, extra_users: int = 0, latency_ms: int = 0, name: str = "emulator"
) -> tuple[Any, dict[str, Any]]:
    log = workdir / f"{name}.log"
    args = pinned(
        [sys.executable, "-m", "sidecar", "emulator", "--extra-users", str(extra_users)],
        LOAD_CPUS,
    )
    if latency_ms:
        # The two calls of a login; M2 (logging out the app's previous user) gets none.
        args += ["--latency-ms", str(latency_ms), "--fault-routes", "R3,M1"]
    ctx = process(args, log=log)
    proc = ctx.__enter__()
    description = wait_for_line(log, lambda r: "api_url" in r)
    return ctx, description | {"pid": proc.pid}


def write_credentials(directory: Path, concurrencies: Sequence[int]) -> None:
    """The bench app, and one app per ghz worker, stored as the sidecar wants them: hashed."""
    directory.mkdir(parents=True, exist_ok=True)
    apps = {BENCH_APP: BENCH_CREDENTIAL}
    for c in concurrencies:
        connections = min(c, GHZ_CONNECTIONS)
        for i in range(c):
            name = f"g{i}c{i % connections}"
            apps[name] = f"worker-{name}"
    for name, credential in apps.items():
        digest = hashlib.sha256(credential.encode()).hexdigest()
        (directory / name).write_text(f"sha256:{digest}\n")


def sidecar_command(*extra: str) -> list[str]:
    return pinned(
        [
            SERVER_PYTHON, "-m", "sidecar", "serve",
            "--listen", "127.0.0.1:0",
            "--http-listen", "127.0.0.1:0",
            *extra,
        ],
        SERVER_CPUS,
    )  # fmt: skip


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


def ghz_command(
    address: str,
    method: str,
    concurrency: int,
    seconds: float = 0,
    *,
    total: int = 0,
    data: str = "{}",
    metadata: str = "{}",
    skip_first: int = 0,
) -> list[str]:
    """ghz for `seconds` (or for `total` calls), on the load's core, answering JSON."""
    run_for = ["--duration", f"{seconds}s", "--total", "0"] if seconds else ["--total", str(total)]
    return pinned(
        [
            str(GHZ),
            "--insecure",
            "--proto", str(PROTO),
            "--call", f"{SERVICE}/{method}",
            "--concurrency", str(concurrency),
            "--connections", str(min(concurrency, GHZ_CONNECTIONS)),
            *run_for,
            "--cpus", "1",
            "--timeout", "20s",
            "--data", data,
            "--metadata", metadata,
            "--skipFirst", str(skip_first),
            "--format", "json",
            address,
        ],
        LOAD_CPUS,
    )  # fmt: skip


def ghz(
    address: str,
    method: str,
    concurrency: int,
    seconds: float = 0,
    *,
    total: int = 0,
    data: str = "{}",
    metadata: str = "{}",
    target: str,
    skip_first: int = 0,
    server_pid: int | None = None,
) -> LoadPoint:
    """One ghz run; with `server_pid`, the server's CPU time per call answered OK too."""
    command = ghz_command(
        address,
        method,
        concurrency,
        seconds,
        total=total,
        data=data,
        metadata=metadata,
        skip_first=skip_first,
    )
    cpu_before = cpu_seconds(server_pid) if server_pid is not None else 0.0
    result = subprocess.run(command, capture_output=True, check=True, timeout=seconds + 600)
    point = load_point(json.loads(result.stdout), target, concurrency)
    if server_pid is None:
        return point
    used = cpu_seconds(server_pid) - cpu_before
    return replace(point, cpu_us_per_call=round(used / max(point.ok, 1) * 1e6, 1))


def load_point(report: dict[str, Any], target: str, concurrency: int) -> LoadPoint:
    latencies = {
        d["percentage"]: d["latency"] / 1e6 for d in report.get("latencyDistribution") or []
    }
    errors: dict[str, int] = {}
    for message, n in (report.get("errorDistribution") or {}).items():
        cut_off = "error reading from server" in message or "canceled" in message.lower()
        kind = "cut off" if cut_off else message[:80]
        errors[kind] = errors.get(kind, 0) + int(n)
    ok = int(report.get("statusCodeDistribution", {}).get("OK", 0))
    elapsed = float(report["total"]) / 1e9
    return LoadPoint(
        target=target,
        concurrency=concurrency,
        seconds=round(elapsed, 2),
        ok=ok,
        rps=round(ok / elapsed, 1),
        p50_ms=round(latencies.get(50, float("nan")), 3),
        p99_ms=round(latencies.get(99, float("nan")), 3),
        errors=errors,
    )


def login_once(
    address: str, uid: str = "cometchat-uid-1", credential: str = BENCH_CREDENTIAL
) -> None:
    from cometchat_sidecar import SidecarClient

    with SidecarClient(address, credential=credential) as client:
        client.wait_until_ready(timeout=10)
        client.login(uid)


# Scenarios ----------------------------------------------------------------------


def get_logged_in_user_vs_floor(
    workdir: Path,
    description: dict[str, Any],
    concurrencies: Sequence[int],
    seconds: float,
    profile_at: int | None,
) -> tuple[list[LoadPoint], dict[str, Any] | None]:
    """The sidecar against two floors: bare grpc.aio on the sidecar's event loop (uvloop),
    and grpc's thread-pool server for reference. Every server gets the same request and the
    same `authorization` metadata, so the bytes on the wire are the same for all three."""
    credentials = workdir / "apps"
    write_credentials(credentials, [])
    points: list[LoadPoint] = []
    profile: dict[str, Any] | None = None
    floor_log, sync_log = workdir / "floor.log", workdir / "floor-sync.log"
    sidecar_log = workdir / "sidecar-get.log"
    floor = pinned([SERVER_PYTHON, "-m", "bench.floor_server"], SERVER_CPUS)
    with (
        process(floor, log=floor_log) as floor_proc,
        process([*floor, "--sync"], log=sync_log) as sync_proc,
        process(
            sidecar_command(), env=sidecar_env(description, credentials), log=sidecar_log
        ) as sidecar_proc,
    ):
        servers = [
            ("floor", f"127.0.0.1:{_first_line(floor_log)}", floor_proc.pid),
            ("floor-sync", f"127.0.0.1:{_first_line(sync_log)}", sync_proc.pid),
            ("sidecar", serving_address(sidecar_log), sidecar_proc.pid),
        ]
        login_once(servers[-1][1])
        for c in concurrencies:
            # Interleaved, each after a short warm-up, so drift hits all alike.
            for target, address, pid in servers:
                ghz(address, "GetLoggedInUser", c, 1, metadata=BENCH_METADATA, target=target)
                point = ghz(
                    address,
                    "GetLoggedInUser",
                    c,
                    seconds,
                    metadata=BENCH_METADATA,
                    target=target,
                    server_pid=pid,
                )
                print(point, flush=True)
                points.append(point)
                if target == "sidecar" and c == profile_at:
                    # A run of its own, so sampling does not touch the figures above.
                    spy = start_profile(pid, seconds, workdir)
                    ghz(
                        address,
                        "GetLoggedInUser",
                        c,
                        seconds,
                        metadata=BENCH_METADATA,
                        target=target,
                    )
                    profile = finish_profile(spy, "get_logged_in_user")
    return points, profile


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


# Each ghz worker is one app logging in far more often than the default per-app limit
# (5 a second) allows; the Login figures measure the sidecar's capacity, so it is off.
UNLIMITED_LOGINS = {"COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0"}
LOGIN_LATENCY_MS = 50
# Two sequential calls of 50 ms: one login takes 100 ms at best.
LOGIN_IDEAL_SECONDS = 2 * LOGIN_LATENCY_MS / 1000


LOGIN_DATA = '{"uid": "user-{{.RequestNumber}}"}'
LOGIN_METADATA = '{"authorization": "Bearer worker-{{.WorkerID}}"}'


@contextlib.contextmanager
def login_sidecar(
    workdir: Path,
    description: dict[str, Any],
    c: int,
    name: str,
    *extra: str,
    env_extra: dict[str, str] | None = None,
) -> Iterator[tuple[str, int]]:
    """A fresh sidecar (address, pid) whose apps are `c` ghz workers: ghz numbers requests
    from 0 in every run, so an app must not still hold the user a new request names (that
    would be answered cached)."""
    log = workdir / f"sidecar-{name}-{c}.log"
    credentials = workdir / f"login-apps-{name}-{c}"
    write_credentials(credentials, [c])
    env = sidecar_env(description, credentials) | UNLIMITED_LOGINS | (env_extra or {})
    with process(sidecar_command(*extra), env=env, log=log) as proc:
        yield serving_address(log), proc.pid


def logins(
    workdir: Path,
    description: dict[str, Any],
    concurrencies: Sequence[int],
    seconds: float,
    profile_at: int | None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Login at each concurrency, every worker its own app and every call a new user (so
    each login logs the app's previous user out first: M2, then R3 and M1)."""
    rows: list[dict[str, Any]] = []
    profile: dict[str, Any] | None = None
    for c in concurrencies:
        with login_sidecar(workdir, description, c, "login") as (address, pid):
            sampler = CpuSampler(pid)
            # Long enough that the calls cut off at the end are few against those counted.
            point = ghz(
                address, "Login", c, max(seconds, c / 32), data=LOGIN_DATA,
                metadata=LOGIN_METADATA, target="sidecar", skip_first=c, server_pid=pid,
            )  # fmt: skip
            cpu = sampler.share()
        ideal = c / LOGIN_IDEAL_SECONDS
        row = asdict(point) | {
            "ideal_rps": round(ideal, 1),
            "efficiency": round(point.rps / ideal, 3),
            "sidecar_cpu_share": round(cpu, 2),
        }
        print(row, flush=True)
        rows.append(row)
        if c == profile_at:
            # A sidecar and a run of their own, so sampling does not touch the figures.
            with login_sidecar(workdir, description, c, "login-profile") as (address, pid):
                spy = start_profile(pid, seconds, workdir)
                ghz(
                    address, "Login", c, seconds, data=LOGIN_DATA, metadata=LOGIN_METADATA,
                    target="sidecar", skip_first=c,
                )  # fmt: skip
                profile = finish_profile(spy, "login")
    return rows, profile


def login_cpu(
    workdir: Path,
    description: dict[str, Any],
    concurrency: int,
    total: int,
    *,
    name: str = "login-cpu",
    env_extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The sidecar's CPU time per Login over a fixed run of `total` logins."""
    with login_sidecar(workdir, description, concurrency, name, env_extra=env_extra) as (
        address,
        pid,
    ):
        point = ghz(
            address, "Login", concurrency, total=total, data=LOGIN_DATA,
            metadata=LOGIN_METADATA, target="sidecar", skip_first=concurrency, server_pid=pid,
        )  # fmt: skip
    assert point.cpu_us_per_call is not None
    return {
        "concurrency": concurrency,
        "logins": point.ok,
        "errors": point.errors,
        "cpu_ms_per_login": round(point.cpu_us_per_call / 1000, 3),
        "rps": point.rps,
    }


OTLP_RECEIVER = ROOT / "tools" / ".bin" / "otlp-receiver"
# Tracing off, then on with every call sampled, then on with a tenth sampled (a root span's
# trace id decides; a caller's sampled traceparent would be followed either way).
TRACING_VARIANTS: dict[str, dict[str, str]] = {
    "off": {},
    "on, all sampled": {
        "COMETCHAT_SIDECAR_TRACING": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_always_on",
    },
    "on, 10% sampled": {
        "COMETCHAT_SIDECAR_TRACING": "otlp",
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": "0.1",
    },
}


def tracing_cost(
    workdir: Path, description: dict[str, Any], seconds: float, logins_total: int, rounds: int
) -> dict[str, Any]:
    """The sidecar's CPU per GetLoggedInUser and per Login with tracing off and on, the spans
    exported over OTLP/gRPC to the collector's receiver (tools/otlp-receiver) on the load's
    core. Variants alternate within each round, so drift hits all alike; medians reported."""
    if not OTLP_RECEIVER.exists():
        subprocess.run(["bash", str(ROOT / "tools" / "go-tools.sh")], check=True)
    receiver_log = workdir / "otlp-receiver.log"
    port = _free_port()
    receiver = pinned(
        [str(OTLP_RECEIVER), "-endpoint", f"127.0.0.1:{port}", "-out", str(workdir / "spans")],
        LOAD_CPUS,
    )
    concurrency = 16
    get: dict[str, list[float]] = {name: [] for name in TRACING_VARIANTS}
    login: dict[str, list[float]] = {name: [] for name in TRACING_VARIANTS}
    credentials = workdir / "apps"
    write_credentials(credentials, [])
    with process(receiver, log=receiver_log):
        _first_line(receiver_log)
        exporting = {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"}
        for n in range(rounds):
            for name, variant in TRACING_VARIANTS.items():
                env = sidecar_env(description, credentials) | exporting | variant
                log = workdir / f"sidecar-tracing-{n}-{len(get[name])}.log"
                with process(sidecar_command(), env=env, log=log) as proc:
                    address = serving_address(log)
                    login_once(address)
                    ghz(address, "GetLoggedInUser", concurrency, 1, metadata=BENCH_METADATA,
                        target=name)  # fmt: skip
                    point = ghz(
                        address, "GetLoggedInUser", concurrency, seconds,
                        metadata=BENCH_METADATA, target=name, server_pid=proc.pid,
                    )  # fmt: skip
                assert point.cpu_us_per_call is not None
                get[name].append(point.cpu_us_per_call)
                measured = login_cpu(
                    workdir, description, concurrency, logins_total,
                    name=f"tracing-{n}-{len(login[name])}", env_extra=exporting | variant,
                )  # fmt: skip
                login[name].append(measured["cpu_ms_per_login"])
                print(name, point.cpu_us_per_call, measured, flush=True)
    spans = sum(line.count('"spanId"') for line in (workdir / "spans").open())
    return {
        "concurrency": concurrency,
        "rounds": rounds,
        "get_logged_in_user_seconds": seconds,
        "logins_per_run": logins_total,
        "get_logged_in_user_cpu_us_per_call": {
            name: round(statistics.median(v), 1) for name, v in get.items()
        },
        "login_cpu_ms_per_call": {
            name: round(statistics.median(v), 3) for name, v in login.items()
        },
        "runs": {"get_logged_in_user": get, "login": login},
        "spans_received": spans,
    }


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def fairness(
    workdir: Path, description: dict[str, Any], flood: int, seconds: float
) -> list[dict[str, Any]]:
    """Another app's GetLoggedInUser while one app floods Login with `flood` in flight.

    The flooding app sends a new user in every call; the other app asks who is logged in,
    one call at a time, first alone, then under the flood. Three set-ups: both apps over
    TCP with their credentials, with the in-flight limit at its default and with it off;
    and each app on its own Unix socket, as the Kubernetes manifests run them."""
    credentials = workdir / "fair-apps"
    write_credentials(credentials, [1])  # the bench app, and worker g0c0: the flood
    sockets = workdir / "fair-sockets"
    rows: list[dict[str, Any]] = []
    for listener, limit in (("tcp", "default"), ("tcp", "off"), ("sockets", "default")):
        log = workdir / f"sidecar-fair-{listener}-{limit}.log"
        extra = ("--max-calls-in-flight-per-app", "100000") if limit == "off" else ()
        env = sidecar_env(description, credentials) | {
            "COMETCHAT_SIDECAR_SOCKET_DIR": str(sockets),
            "COMETCHAT_SIDECAR_SOCKET_APPS": "flood,other",
        }
        with process(sidecar_command(*extra), env=env, log=log) as proc:
            address = serving_address(log)
            if listener == "tcp":
                flood_target = address
                flood_metadata = json.dumps({"authorization": "Bearer worker-g0c0"})
                other_target, other_metadata = address, BENCH_METADATA
                login_once(address)
            else:
                flood_target, flood_metadata = f"unix://{sockets}/flood/sidecar.sock", "{}"
                other_target, other_metadata = f"unix://{sockets}/other/sidecar.sock", "{}"
                login_once(f"unix:{sockets}/other/sidecar.sock", credential="")
            alone = ghz(
                other_target, "GetLoggedInUser", 1, seconds, metadata=other_metadata,
                target="alone",
            )  # fmt: skip
            flooding = subprocess.Popen(
                ghz_command(
                    flood_target, "Login", flood, seconds + 2, data=LOGIN_DATA,
                    metadata=flood_metadata,
                ),
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            time.sleep(1)  # the flood is at full strength before the other app is measured
            sampler = CpuSampler(proc.pid)
            other = ghz(
                other_target, "GetLoggedInUser", 1, seconds, metadata=other_metadata,
                target="other app",
            )  # fmt: skip
            cpu = sampler.share()
            out, _ = flooding.communicate(timeout=seconds + 60)
            flooded = load_point(json.loads(out), "flood", flood)
            if listener == "sockets":
                spy = start_profile(proc.pid, seconds, workdir)
                subprocess.run(
                    ghz_command(
                        flood_target, "Login", flood, seconds, data=LOGIN_DATA,
                        metadata=flood_metadata,
                    ),
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 60,
                    check=False,
                )  # fmt: skip
                finish_profile(spy, "fairness")
        row = {
            "listener": listener,
            "in_flight_limit": limit,
            "alone_p99_ms": alone.p99_ms,
            "other_app_p50_ms": other.p50_ms,
            "other_app_p99_ms": other.p99_ms,
            "other_app_rps": other.rps,
            "other_app_errors": other.errors,
            "flood_answered_per_s": round(
                (flooded.ok + sum(flooded.errors.values())) / flooded.seconds, 1
            ),
            "flood_answers": {"OK": flooded.ok, **flooded.errors},
            "sidecar_cpu_share": round(cpu, 2),
        }
        print(row, flush=True)
        rows.append(row)
    return rows


class CpuSampler:
    """The share of one core a process used since this object was made."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._start = (cpu_seconds(pid), time.monotonic())

    def share(self) -> float:
        used, started = self._start
        return (cpu_seconds(self._pid) - used) / (time.monotonic() - started)


def start_profile(pid: int, seconds: float, workdir: Path) -> tuple[subprocess.Popen[bytes], Path]:
    """py-spy sampling `pid` for about `seconds`, itself on the load's core."""
    out = workdir / f"profile-{pid}-{time.monotonic_ns()}.txt"
    spy = subprocess.Popen(
        pinned(
            [str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(pid),
             "--duration", str(max(1, int(seconds) - 1)), "--format", "raw",
             "--output", str(out), "--nonblocking"],
            LOAD_CPUS,
        ),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return spy, out


def finish_profile(spy: tuple[subprocess.Popen[bytes], Path], name: str) -> dict[str, Any] | None:
    """Where the CPU went: the share of samples by the package of the running frame
    (self time), the running frames with the most samples, and the sidecar's own frames
    by inclusive time. Also written to bench/results/profile-<name>.txt."""
    proc, out = spy
    proc.wait(timeout=60)
    if not out.exists():
        return None
    by_package: dict[str, int] = {}
    by_leaf: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        leaf = frames[-1]
        package = _package(leaf)
        by_package[package] = by_package.get(package, 0) + n
        by_leaf[leaf] = by_leaf.get(leaf, 0) + n
        for frame in {f.rsplit(":", 1)[0] for f in frames if "(sidecar/" in f}:
            own[frame] = own.get(frame, 0) + n
    if not total:
        return None

    def top(counts: dict[str, int], k: int) -> list[tuple[str, float]]:
        ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)[:k]
        return [(name, round(n / total, 3)) for name, n in ranked]

    tables = {
        "by_package": top(by_package, 12),
        "by_leaf": top(by_leaf, 12),
        "sidecar_inclusive": top(own, 20),
    }
    lines = [f"py-spy profile of the sidecar: {name}, {total} samples", ""]
    for title, key in (
        ("self time by package", "by_package"),
        ("running frames", "by_leaf"),
        ("the sidecar's own frames, inclusive", "sidecar_inclusive"),
    ):
        lines += [f"## {title}", *(f"{share:6.1%}  {frame}" for frame, share in tables[key]), ""]
    (RESULTS / f"profile-{name}.txt").write_text("\n".join(lines))
    return {"samples": total, **tables}


def _package(frame: str) -> str:
    """`function (package/module.py:line)`, as py-spy names frames -> the package."""
    path = frame[frame.rfind("(") + 1 :].rsplit(":", 1)[0]
    if path.startswith("<frozen "):
        return path.removeprefix("<frozen ").split(".")[0].rstrip(">")
    return path.split("/", 1)[0].removesuffix(".py") or "?"


def hop_cost(workdir: Path, description: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Login through the sidecar against the same two upstream calls made with httpx.

    One asyncio caller using the same HTTP stack the sidecar uses (httpx.AsyncClient),
    alternating the two paths each round so drift hits both alike. Only the login is
    timed; the logout after it (so that the next login does R3 + M1 again) is not.
    """
    from cometchat_sidecar import AsyncSidecarClient

    credentials = workdir / "apps"
    write_credentials(credentials, [])
    log = workdir / "sidecar-hop.log"
    env = sidecar_env(description, credentials) | UNLIMITED_LOGINS
    api = description["api_url"] + "/v3.0"
    client_api = description["client_url"] + "/v3.0"
    key = {"apikey": description["full_access_key"], "appId": description["app_id"]}
    via_sidecar: list[float] = []
    direct: list[float] = []

    async def measure(address: str) -> None:
        async with (
            AsyncSidecarClient(address, credential=BENCH_CREDENTIAL) as sidecar,
            httpx.AsyncClient() as http,
        ):
            await sidecar.wait_until_ready(timeout=10)
            for n in range(rounds):
                uid = f"user-{n}"
                started = time.perf_counter()
                await sidecar.login(uid)
                via_sidecar.append(time.perf_counter() - started)
                await sidecar.logout()

                started = time.perf_counter()
                answer = await http.post(f"{api}/users/{uid}/auth_tokens", headers=key, json={})
                me = {"authToken": answer.json()["data"]["authToken"], "appId": key["appId"]}
                body = {"platform": "bench", "deviceId": f"bench-{n}"}
                (await http.put(f"{client_api}/me", headers=me, json=body)).raise_for_status()
                direct.append(time.perf_counter() - started)
                (await http.delete(f"{client_api}/me", headers=me)).raise_for_status()

    with process(sidecar_command(), env=env, log=log):
        asyncio.run(measure(serving_address(log)))
    p50_sidecar = statistics.median(via_sidecar) * 1000
    p50_direct = statistics.median(direct) * 1000
    return {
        "rounds": rounds,
        "sidecar_login_p50_ms": round(p50_sidecar, 3),
        "direct_httpx_p50_ms": round(p50_direct, 3),
        "extra_hop_p50_ms": round(p50_sidecar - p50_direct, 3),
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
        "server_environment": "runtime lock" if sys.executable != SERVER_PYTHON else "development",
    }


def ratios(points: Sequence[LoadPoint]) -> list[dict[str, Any]]:
    floor = {p.concurrency: p for p in points if p.target == "floor"}
    sync = {p.concurrency: p for p in points if p.target == "floor-sync"}
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
                "floor_cpu_us_per_call": f.cpu_us_per_call,
                "sidecar_cpu_us_per_call": p.cpu_us_per_call,
                "sync_floor_rps": sync[p.concurrency].rps if p.concurrency in sync else None,
                "sync_floor_p99_ms": sync[p.concurrency].p99_ms if p.concurrency in sync else None,
            }
        )
    return rows


def plot(points: Sequence[LoadPoint], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for target, style in (("floor", "o--"), ("floor-sync", "^:"), ("sidecar", "s-")):
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
    parser.add_argument(
        "--only",
        choices=("get", "start", "memory", "login", "fairness", "tracing"),
        action="append",
        help="run these parts only, keeping the other parts of bench/results/latest.json",
    )
    args = parser.parse_args(argv)
    parts = set(args.only or ("get", "start", "memory", "login", "fairness", "tracing"))
    if not GHZ.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "ensure-ghz.sh")], check=True)
    seconds = 1.0 if args.quick else 4.0
    concurrencies = [1, 4, 16, 64, 256] if not args.quick else [1, 16]
    login_concurrencies = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] if not args.quick else [1, 64]
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    report: dict[str, Any] = json.loads(latest.read_text()) if args.only else {}
    when = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    report["machine"] = machine()
    dates = report.setdefault("dates", {})
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ctx, description = emulator(workdir)
        try:
            if "get" in parts:
                points, report["get_logged_in_user_profile"] = get_logged_in_user_vs_floor(
                    workdir, description, concurrencies, seconds, 64 if not args.quick else 16
                )
                report["get_logged_in_user"] = [asdict(p) for p in points]
                report["get_logged_in_user_vs_floor"] = ratios(points)
                plot(points, RESULTS / "plot.png")
            if "start" in parts:
                report["start_up"] = start_up(workdir, description, 3 if args.quick else 10)
            if "memory" in parts:
                report["memory"] = asyncio.run(
                    memory_cycles.run(2_000 if args.quick else 100_000, 16, "sqlite")
                )
        finally:
            ctx.__exit__(None, None, None)
        if parts & {"login", "fairness", "tracing"}:
            slow_ctx, slow = emulator(
                workdir, extra_users=100_000, latency_ms=LOGIN_LATENCY_MS, name="emulator-50ms"
            )
            try:
                if "login" in parts:
                    report["login"], report["login_profile"] = logins(
                        workdir, slow, login_concurrencies, seconds, 64
                    )
                    report["login_cpu"] = login_cpu(workdir, slow, 64, 500 if args.quick else 5_000)
                    report["login_hop_cost"] = hop_cost(workdir, slow, 20 if args.quick else 100)
                if "fairness" in parts:
                    report["fairness"] = fairness(workdir, slow, 512, seconds)
                if "tracing" in parts:
                    report["tracing"] = tracing_cost(
                        workdir, slow, seconds, 300 if args.quick else 3_000, 2 if args.quick else 3
                    )
            finally:
                slow_ctx.__exit__(None, None, None)
    dates.update(dict.fromkeys(parts, when))
    latest.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
