"""The reliability scenario: concurrent calls from several apps (a login, a read, a call
token, an issued token and a logout, in turn) while the emulator injects each fault kind
in turn, with the recovery after each one measured; then the sidecar is killed with
SIGKILL under the same load and restarted on its state file.

The sidecar is a real process (`python -m sidecar serve` with SQLite state); the emulator
runs in this process, so it outlives the sidecar and counts every upstream request.

Used by the reliability test (which asserts on the result) and by `bench/reliability.py`
(which prints the figures the README reports).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc
from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc

from sidecar.emulator import Emulator
from sidecar.emulator.faults import FaultPolicy
from tests.grpc_helpers import DETAILS_KEY, failure_of
from tests.processes import ROOT, SidecarProcess, emulator_args
from tests.stack import granting_policy, new_state_key, write_credentials, write_policy

APPS = ("app-a", "app-b", "app-c")
# What each worker calls, in turn.
METHODS = ("Login", "GetLoggedInUser", "GenerateCallToken", "IssueAuthToken", "Logout")
WORKERS_PER_APP = 2
DEADLINE_SECONDS = 2.0
PHASES: tuple[tuple[str, FaultPolicy], ...] = (
    ("none", FaultPolicy()),
    ("latency 300 ms", FaultPolicy(latency_ms=300)),
    ("50% gateway 503", FaultPolicy(error_rate=0.5)),
    ("429 burst, Retry-After 1", FaultPolicy(error_rate=1.0, error_code="ERR_TOO_MANY_REQUESTS")),
    ("30% connection resets", FaultPolicy(reset_rate=0.3)),
    ("20% hangs", FaultPolicy(hang_rate=0.2)),
    ("outage: every connection reset", FaultPolicy(reset_rate=1.0)),
)
FLOOD_PHASE = "one app floods logins"
# The flooding app: its own process, this many logins in flight (more than the per-app limit
# of calls in flight, 64), a new user in each.
FLOOD_APP = "app-flood"
FLOOD_IN_FLIGHT = 128
KILL_PHASE = "sidecar SIGKILL + restart"
# A client-side deadline expiry: the sidecar did not answer in time with its own reason.
LATE = "NO_ANSWER_BEFORE_DEADLINE"
# What a caller's gRPC library answers while no sidecar process listens: UNAVAILABLE with
# no rich status (the README documents it beside the error table; a retry helps).
SIDECAR_UNREACHABLE = "TRANSPORT_UNAVAILABLE"
# Reconnect quickly once the restarted sidecar listens again (gRPC's default waits 1 s+).
CHANNEL_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 50),
    ("grpc.min_reconnect_backoff_ms", 50),
    ("grpc.max_reconnect_backoff_ms", 250),
)


@dataclass
class Call:
    phase: str
    app: str
    method: str
    reason: str
    seconds: float
    user: str | None = None


@dataclass
class Outcome:
    calls: list[Call] = field(default_factory=list)
    upstream_requests: int = 0
    recovery_seconds: dict[str, float] = field(default_factory=dict)
    crossed: list[Call] = field(default_factory=list)
    final_users: dict[str, str | None] = field(default_factory=dict)
    # After a SIGKILL with no call in flight and a restart: each app's user, and the
    # upstream requests those GetLoggedInUser calls caused.
    users_after_restart: dict[str, str | None] = field(default_factory=dict)
    upstream_for_restart_check: int = -1
    # The flooding app's answers by reason, in the flood phase.
    flood_answers: dict[str, int] = field(default_factory=dict)

    def reasons(self, phase: str | None = None) -> Counter[str]:
        return Counter(c.reason for c in self.calls if phase is None or c.phase == phase)


def own_uid(app: str) -> str:
    return f"cometchat-uid-{APPS.index(app) + 1}"


class _App:
    def __init__(self, channel: grpc.aio.Channel, app: str, credential: str) -> None:
        self.name = app
        self.uid = own_uid(app)
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)
        self._calls = calls_pb2_grpc.CallsServiceStub(channel)
        self._tokens = tokens_pb2_grpc.AuthTokenServiceStub(channel)
        self._metadata = (("authorization", f"Bearer {credential}"),)

    async def call(self, phase: str, method: str) -> Call:
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "Login": lambda: self._stub.Login(
                auth_pb2.LoginRequest(uid=self.uid),
                metadata=self._metadata,
                timeout=DEADLINE_SECONDS,
            ),
            "GetLoggedInUser": lambda: self._stub.GetLoggedInUser(
                auth_pb2.GetLoggedInUserRequest(),
                metadata=self._metadata,
                timeout=DEADLINE_SECONDS,
            ),
            "Logout": lambda: self._stub.Logout(
                auth_pb2.LogoutRequest(), metadata=self._metadata, timeout=DEADLINE_SECONDS
            ),
            "GenerateCallToken": lambda: self._calls.GenerateCallToken(
                calls_pb2.GenerateCallTokenRequest(session_id=f"{self.name}-room"),
                metadata=self._metadata,
                timeout=DEADLINE_SECONDS,
            ),
            "IssueAuthToken": lambda: self._tokens.IssueAuthToken(
                tokens_pb2.IssueAuthTokenRequest(uid=self.uid),
                metadata=self._metadata,
                timeout=DEADLINE_SECONDS,
            ),
        }
        started = time.monotonic()
        user: str | None = None
        try:
            answer = await calls[method]()
            reason = "OK"
            if method == "IssueAuthToken":
                user = answer.uid
            elif method != "Logout" and answer.HasField("user"):
                user = answer.user.uid
        except grpc.aio.AioRpcError as error:
            if DETAILS_KEY in dict(error.trailing_metadata() or ()):
                reason = failure_of(error).reason
            elif error.code() == grpc.StatusCode.UNAVAILABLE:
                reason = SIDECAR_UNREACHABLE
            else:
                reason = LATE
        return Call(phase, self.name, method, reason, time.monotonic() - started, user)


async def _load(apps: list[_App], phase: str, seconds: float, outcome: Outcome) -> None:
    stop_at = time.monotonic() + seconds

    async def worker(app: _App) -> None:
        while time.monotonic() < stop_at:
            for method in METHODS:
                call = await app.call(phase, method)
                outcome.calls.append(call)
                if call.user is not None and call.user != app.uid:
                    outcome.crossed.append(call)

    await asyncio.gather(*(worker(app) for app in apps for _ in range(WORKERS_PER_APP)))


async def _recover(apps: list[_App], phase: str, outcome: Outcome, limit: float) -> float:
    """Seconds from the end of the faults until every app logs in and sees its own user."""
    started = time.monotonic()

    async def until_served(app: _App) -> None:
        while time.monotonic() - started < limit:
            login = await app.call(f"{phase} (recovery)", "Login")
            outcome.calls.append(login)
            if login.reason == "OK":
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{app.name} not served {limit} s after {phase!r} ended")

    await asyncio.gather(*(until_served(app) for app in apps))
    return time.monotonic() - started


class _Sidecar:
    """The sidecar process, restarted on the same port and state file after a SIGKILL."""

    def __init__(self, workdir: Path, emulator: Emulator) -> None:
        self._workdir = workdir
        self._args = [
            *emulator_args(emulator, workdir / "apps"),
            "--state-path", str(workdir / "state.db"),
        ]  # fmt: skip
        # The per-app login rate limit is off: this load is about upstream faults, and each
        # app logs in far more often than the limit's default allows. Revocation checks are
        # off so that the upstream requests counted are those the calls caused.
        self._env = {
            "COMETCHAT_API_KEY": emulator.config.full_access_key,
            "COMETCHAT_SIDECAR_STATE_KEY": new_state_key(),
            "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
            "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
            # Call tokens and issued tokens for every app, at a rate this load never meets.
            "COMETCHAT_SIDECAR_POLICY_FILE": str(
                write_policy(workdir, granting_policy(APPS, call_tokens_per_second=10000))
            ),
        }
        self._process: SidecarProcess | None = None
        self.address = ""
        self.starts = 0

    async def start(self) -> None:
        listen = ["--listen", self.address] if self.address else []
        self.starts += 1
        log = self._workdir / f"sidecar-{self.starts}.log"
        self._process = await SidecarProcess.start(log, [*self._args, *listen], self._env)
        self.address = self._process.address

    async def kill_and_restart(self) -> None:
        assert self._process is not None
        await self._process.kill()
        await self.start()

    async def stop(self) -> None:
        if self._process is not None:
            await self._process.stop()


async def _kill_under_load(
    apps: list[_App], sidecar: _Sidecar, seconds: float, outcome: Outcome
) -> None:
    load = asyncio.create_task(_load(apps, KILL_PHASE, seconds, outcome))
    await asyncio.sleep(seconds / 3)
    await sidecar.kill_and_restart()
    await load


async def _flood_under_load(
    apps: list[_App], sidecar: _Sidecar, credential: str, seconds: float, outcome: Outcome
) -> None:
    """The other apps' usual load while the flooding app's process floods logins."""
    flooding = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.reliability.flood",
        sidecar.address, credential, str(seconds + 1.0), str(FLOOD_IN_FLIGHT),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await asyncio.sleep(0.5)  # the flood is at full strength before the others start
        await _load(apps, FLOOD_PHASE, seconds, outcome)
        out, _ = await asyncio.wait_for(flooding.communicate(), seconds + 60)
    finally:
        if flooding.returncode is None:
            flooding.kill()
            await flooding.wait()
    assert flooding.returncode == 0
    outcome.flood_answers = json.loads(out)


async def run(workdir: Path, phase_seconds: float = 2.0, recovery_limit: float = 15.0) -> Outcome:
    outcome = Outcome()
    async with Emulator() as emulator:
        credentials = write_credentials(workdir / "apps", [*APPS, FLOOD_APP])
        sidecar = _Sidecar(workdir, emulator)
        await sidecar.start()
        counted = 0
        try:
            async with grpc.aio.insecure_channel(sidecar.address, options=CHANNEL_OPTIONS) as ch:
                apps = [_App(ch, name, credentials[name]) for name in APPS]
                for phase, policy in PHASES:
                    emulator.set_fault_policy(policy)
                    await _load(apps, phase, phase_seconds, outcome)
                    emulator.clear_faults()
                    outcome.recovery_seconds[phase] = await _recover(
                        apps, phase, outcome, recovery_limit
                    )
                await _flood_under_load(
                    apps, sidecar, credentials[FLOOD_APP], phase_seconds, outcome
                )
                outcome.recovery_seconds[FLOOD_PHASE] = await _recover(
                    apps, FLOOD_PHASE, outcome, recovery_limit
                )
                await _kill_under_load(apps, sidecar, phase_seconds, outcome)
                outcome.recovery_seconds[KILL_PHASE] = await _recover(
                    apps, KILL_PHASE, outcome, recovery_limit
                )
                # Every app is logged in now (the recovery ends with each one's Login OK).
                # Kill again with nothing in flight: after the restart each app must see its
                # user from the state file alone.
                counted = emulator.request_count()
                emulator.reset_counts()
                await sidecar.kill_and_restart()
                for app in apps:
                    whoami = await app.call("after restart", "GetLoggedInUser")
                    outcome.users_after_restart[app.name] = whoami.user
                outcome.upstream_for_restart_check = emulator.request_count()
                for app in apps:
                    whoami = await app.call("final", "GetLoggedInUser")
                    outcome.final_users[app.name] = whoami.user
        finally:
            await sidecar.stop()
        outcome.upstream_requests = counted + emulator.request_count()
    return outcome


def report(outcome: Outcome) -> str:
    """The figures as Markdown, as the README shows them."""
    lines = [
        "| phase | calls | outcomes by reason | slowest call | recovery |",
        "|---|---|---|---|---|",
    ]
    for phase in [name for name, _ in PHASES] + [FLOOD_PHASE, KILL_PHASE]:
        calls = [c for c in outcome.calls if c.phase == phase]
        reasons = ", ".join(f"{r} {n}" for r, n in outcome.reasons(phase).most_common())
        slowest = max(c.seconds for c in calls)
        recovery = outcome.recovery_seconds[phase]
        lines.append(f"| {phase} | {len(calls)} | {reasons} | {slowest:.2f} s | {recovery:.2f} s |")
    total = len(outcome.calls)
    upstream = sum(1 for c in outcome.calls if c.method != "GetLoggedInUser")
    lines.append("")
    lines.append(
        f"{total} calls in all (recovery probes included), {upstream} of them of the kinds "
        "that may go upstream (all but GetLoggedInUser); "
        f"{outcome.upstream_requests} upstream requests: {outcome.upstream_requests / total:.2f} "
        f"per call, {outcome.upstream_requests / upstream:.2f} per call that may go upstream."
    )
    flood = ", ".join(f"{r} {n}" for r, n in Counter(outcome.flood_answers).most_common())
    lines.append(
        f"In the flood phase the flooding app ({FLOOD_IN_FLIGHT} logins in flight, its own "
        f"process) was answered {sum(outcome.flood_answers.values())} times: {flood}."
    )
    restored = sum(1 for app in APPS if outcome.users_after_restart.get(app) == own_uid(app))
    lines.append(
        f"After a SIGKILL with every app logged in and a restart: {restored} of {len(APPS)} "
        f"apps saw their own user, with {outcome.upstream_for_restart_check} upstream requests."
    )
    return "\n".join(lines)
