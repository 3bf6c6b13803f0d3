"""Load for the state-store fault tests: one sequential caller per app (Login, read,
Logout, read, ... or a burst of Logins), every answer recorded and checked against what
the app was answered before.

A `Ledger` holds, per app, the states the store may be in: after an acknowledged change
exactly one (its result); after a change that failed (STATE_UNAVAILABLE and the like) also
what that change would have left, since a write whose answer was lost may have landed. A
read, and the final state, outside that set is an acknowledged session lost (or a change
that was refused but kept).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.grpc_helpers import DETAILS_KEY, failure_of

DEADLINE_SECONDS = 2.0
# Deadlines are measured on the client; allow for scheduling on a busy 2-core machine.
DEADLINE_SLACK_SECONDS = 0.5
LATE = "NO_ANSWER_BEFORE_DEADLINE"
TRANSPORT_UNAVAILABLE = "TRANSPORT_UNAVAILABLE"
CYCLE = ("Login", "GetLoggedInUser", "Logout", "GetLoggedInUser")
BURST = ("Login", "GetLoggedInUser")


@dataclass(frozen=True)
class Answer:
    app: str
    method: str
    asked: str | None
    reason: str
    started: float
    ended: float
    user: str | None = None
    retry_delay: float | None = None

    @property
    def seconds(self) -> float:
        return self.ended - self.started


@dataclass
class Ledger:
    """The states one app's session may be in, given what its caller was answered."""

    app: str
    allowed: set[str | None] = field(default_factory=lambda: {None})
    violations: list[str] = field(default_factory=list)

    def observe(self, answer: Answer) -> None:
        ok = answer.reason == "OK"
        if answer.method == "GetLoggedInUser":
            if ok and answer.user not in self.allowed:
                self.violations.append(f"read {answer.user!r}, allowed {self.allowed!r}")
        elif answer.method == "Login":
            if ok:
                if answer.user != answer.asked:
                    self.violations.append(f"asked {answer.asked!r}, answered {answer.user!r}")
                self.allowed = {answer.user}
            else:
                # It may have landed; or the old session was dropped (it was ended upstream).
                self.allowed |= {answer.asked, None}
        elif answer.method == "Logout":
            if ok:
                self.allowed = {None}
            elif answer.reason == "ERROR_NO_USER_LOGGED_IN":
                if None not in self.allowed:
                    self.violations.append(f"logout found nobody, allowed {self.allowed!r}")
            else:
                self.allowed |= {None}

    def check_final(self, user: str | None) -> None:
        if user not in self.allowed:
            self.violations.append(f"ended with {user!r}, allowed {self.allowed!r}")


class AppCaller:
    """One app's calls over one channel, with its credential and the deadline."""

    def __init__(self, channel: grpc.aio.Channel, app: str, credential: str) -> None:
        self.app = app
        self.stub = auth_pb2_grpc.AuthServiceStub(channel)
        self.metadata = (("authorization", f"Bearer {credential}"),)

    async def call(self, method: str, uid: str | None = None) -> Answer:
        started = time.monotonic()
        user: str | None = None
        retry_delay: float | None = None
        try:
            if method == "Login":
                answer: Any = await self.stub.Login(
                    auth_pb2.LoginRequest(uid=uid or ""),
                    metadata=self.metadata,
                    timeout=DEADLINE_SECONDS,
                )
            elif method == "GetLoggedInUser":
                answer = await self.stub.GetLoggedInUser(
                    auth_pb2.GetLoggedInUserRequest(),
                    metadata=self.metadata,
                    timeout=DEADLINE_SECONDS,
                )
            else:
                answer = await self.stub.Logout(
                    auth_pb2.LogoutRequest(), metadata=self.metadata, timeout=DEADLINE_SECONDS
                )
            reason = "OK"
            if method != "Logout" and answer.HasField("user"):
                user = answer.user.uid
        except grpc.aio.AioRpcError as error:
            if DETAILS_KEY in dict(error.trailing_metadata() or ()):
                failure = failure_of(error)
                reason, retry_delay = failure.reason, failure.retry_delay
            elif error.code() == grpc.StatusCode.UNAVAILABLE:
                reason = TRANSPORT_UNAVAILABLE
            else:
                reason = LATE
        return Answer(self.app, method, uid, reason, started, time.monotonic(), user, retry_delay)


def uids(first: int, count: int) -> Iterator[str]:
    """The emulator's extra users `user-{first}` .. `user-{first+count-1}`, round and round."""
    while True:
        for n in range(first, first + count):
            yield f"user-{n}"


@dataclass
class Workload:
    """One sequential caller per app, each with its own ledger, until `stop` is set."""

    callers: Sequence[AppCaller]
    sequence: Sequence[str] = CYCLE
    users_per_app: int = 40
    answers: list[Answer] = field(default_factory=list)
    ledgers: dict[str, Ledger] = field(default_factory=dict)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        await asyncio.gather(*(self._worker(n, c) for n, c in enumerate(self.callers)))

    async def _worker(self, index: int, caller: AppCaller) -> None:
        ledger = self.ledgers.setdefault(caller.app, Ledger(caller.app))
        names = uids(index * self.users_per_app, self.users_per_app)
        while not self.stop.is_set():
            for method in self.sequence:
                answer = await caller.call(method, next(names) if method == "Login" else None)
                self.answers.append(answer)
                ledger.observe(answer)
                if answer.reason not in ("OK", "ERROR_NO_USER_LOGGED_IN"):
                    await asyncio.sleep(0.02)  # a client that retries, not a busy loop

    async def check_final(
        self, callers: Sequence[AppCaller] | None = None
    ) -> dict[str, str | None]:
        """Each app's state read once more (retried until answered), checked by its ledger."""
        finals: dict[str, str | None] = {}
        for caller in callers or self.callers:
            for _attempt in range(50):
                answer = await caller.call("GetLoggedInUser")
                if answer.reason == "OK":
                    break
                await asyncio.sleep(0.1)
            assert answer.reason == "OK", f"{caller.app}: {answer.reason}"
            finals[caller.app] = answer.user
            self.ledgers[caller.app].check_final(answer.user)
        return finals

    def violations(self) -> list[str]:
        return [f"{app}: {v}" for app, ledger in self.ledgers.items() for v in ledger.violations]

    def reasons(self) -> Counter[str]:
        return Counter(answer.reason for answer in self.answers)

    def late(self) -> list[Answer]:
        limit = DEADLINE_SECONDS + DEADLINE_SLACK_SECONDS
        return [a for a in self.answers if a.reason == LATE or a.seconds > limit]

    def failures(self) -> list[Answer]:
        """The answers that are neither a success nor "nobody is logged in"."""
        return [a for a in self.answers if a.reason not in ("OK", "ERROR_NO_USER_LOGGED_IN")]

    def not_state_unavailable(self, since: float) -> list[tuple[object, ...]]:
        """The failures that are not STATE_UNAVAILABLE, described for an assertion message
        (start and duration relative to `since`, the fault's moment)."""
        return [
            (a.app, a.method, a.asked, a.reason, round(a.started - since, 3), round(a.seconds, 3))
            for a in self.failures()
            if a.reason != "STATE_UNAVAILABLE"
        ]

    def first_ok_after(self, moment: float) -> dict[str, float]:
        """Seconds from `moment` to each app's first successful call that started after it."""
        firsts: dict[str, float] = {}
        for answer in sorted(self.answers, key=lambda a: a.ended):
            if answer.reason == "OK" and answer.started >= moment and answer.app not in firsts:
                firsts[answer.app] = answer.ended - moment
        return firsts

    def figures(self) -> dict[str, Any]:
        return {
            "calls": len(self.answers),
            "answers_by_reason": dict(self.reasons().most_common()),
            "sessions_lost": len(self.violations()),
            "slowest_call_seconds": round(max(a.seconds for a in self.answers), 3),
        }


async def watch_hears_a_login(watcher: AppCaller, changer: AppCaller, uid: str) -> None:
    """A WatchSession on one sidecar learns of a login made through the other (pub/sub)."""
    stream = watcher.stub.WatchSession(auth_pb2.WatchSessionRequest(), metadata=watcher.metadata)
    try:
        first = await asyncio.wait_for(stream.read(), 10)
        assert isinstance(first, auth_pb2.WatchSessionResponse)
        assert first.change == auth_pb2.SESSION_CHANGE_CURRENT
        async with asyncio.timeout(15):
            while True:  # the relay may still be resubscribing: log in until it is heard
                answer = await changer.call("Login", uid)
                try:
                    message = await asyncio.wait_for(stream.read(), 1.0)
                except TimeoutError:
                    await changer.call("Logout")
                    continue
                assert isinstance(message, auth_pb2.WatchSessionResponse)
                if message.change == auth_pb2.SESSION_CHANGE_LOGGED_IN:
                    assert answer.reason == "OK"
                    assert message.user.uid == uid
                    return
    finally:
        stream.cancel()


def record(name: str, figures: dict[str, Any]) -> None:
    """Print a test's figures; with SIDECAR_FIGURES_DIR set, also write them there as
    `<name>.json` (the README's reliability figures are copied from such files)."""
    text = json.dumps(figures, indent=2, sort_keys=True)
    print(f"\n{name}: {text}")
    directory = os.environ.get("SIDECAR_FIGURES_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{name}.json").write_text(text + "\n", encoding="utf-8")
