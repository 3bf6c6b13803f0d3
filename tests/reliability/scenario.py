"""The reliability scenario: concurrent calls from several apps while the emulator injects
each fault kind in turn, with the recovery after each one measured.

Used by the reliability test (which asserts on the result) and by `bench/reliability.py`
(which prints the figures the README reports).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.emulator.faults import FaultPolicy
from tests.grpc_helpers import DETAILS_KEY, failure_of
from tests.stack import Stack, live_stack

APPS = ("app-a", "app-b", "app-c")
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
# A client-side deadline expiry: the sidecar did not answer in time with its own reason.
LATE = "NO_ANSWER_BEFORE_DEADLINE"


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

    def reasons(self, phase: str | None = None) -> Counter[str]:
        return Counter(c.reason for c in self.calls if phase is None or c.phase == phase)


def own_uid(app: str) -> str:
    return f"cometchat-uid-{APPS.index(app) + 1}"


class _App:
    def __init__(self, stack: Stack, channel: grpc.aio.Channel, app: str) -> None:
        self.name = app
        self.uid = own_uid(app)
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)
        self._metadata = stack.metadata(app)

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
        }
        started = time.monotonic()
        user: str | None = None
        try:
            answer = await calls[method]()
            reason = "OK"
            if method != "Logout" and answer.HasField("user"):
                user = answer.user.uid
        except grpc.aio.AioRpcError as error:
            has_details = DETAILS_KEY in dict(error.trailing_metadata() or ())
            reason = failure_of(error).reason if has_details else LATE
        return Call(phase, self.name, method, reason, time.monotonic() - started, user)


async def _load(apps: list[_App], phase: str, seconds: float, outcome: Outcome) -> None:
    stop_at = time.monotonic() + seconds

    async def worker(app: _App) -> None:
        while time.monotonic() < stop_at:
            for method in ("Login", "GetLoggedInUser", "Logout"):
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


async def run(workdir: Path, phase_seconds: float = 2.0, recovery_limit: float = 15.0) -> Outcome:
    outcome = Outcome()
    # The per-app login rate limit is off: this load is about upstream faults, and each
    # app logs in far more often than the limit's default allows.
    async with live_stack(workdir, APPS, login_rate_per_second=0) as stack:
        async with grpc.aio.insecure_channel(stack.address) as channel:
            apps = [_App(stack, channel, name) for name in APPS]
            for phase, policy in PHASES:
                stack.emulator.set_fault_policy(policy)
                await _load(apps, phase, phase_seconds, outcome)
                stack.emulator.clear_faults()
                outcome.recovery_seconds[phase] = await _recover(
                    apps, phase, outcome, recovery_limit
                )
            for app in apps:
                whoami = await app.call("final", "GetLoggedInUser")
                outcome.final_users[app.name] = whoami.user
        outcome.upstream_requests = stack.emulator.request_count()
    return outcome


def report(outcome: Outcome) -> str:
    """The figures as Markdown, as the README shows them."""
    lines = [
        "| phase | calls | outcomes by reason | slowest call | recovery |",
        "|---|---|---|---|---|",
    ]
    for phase, _ in PHASES:
        calls = [c for c in outcome.calls if c.phase == phase]
        reasons = ", ".join(f"{r} {n}" for r, n in outcome.reasons(phase).most_common())
        slowest = max(c.seconds for c in calls)
        recovery = outcome.recovery_seconds[phase]
        lines.append(f"| {phase} | {len(calls)} | {reasons} | {slowest:.2f} s | {recovery:.2f} s |")
    total = len(outcome.calls)
    writes = sum(1 for c in outcome.calls if c.method != "GetLoggedInUser")
    lines.append("")
    lines.append(
        f"{total} calls in all (recovery probes included), {writes} of them Login or Logout; "
        f"{outcome.upstream_requests} upstream requests: {outcome.upstream_requests / total:.2f} "
        f"per call, {outcome.upstream_requests / writes:.2f} per Login or Logout."
    )
    return "\n".join(lines)
