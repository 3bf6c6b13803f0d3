"""CallTokenService: its order of checks, the rate, and a revoked session, with fakes."""

from __future__ import annotations

import pytest

from sidecar.adapters.state.memory import MemorySessionStore
from sidecar.domain.errors import SidecarError, upstream_failure
from sidecar.domain.events import Change
from sidecar.domain.model import AppIdentity
from sidecar.domain.policy import parse_policy
from sidecar.domain.secret import Secret
from sidecar.service.calls import CallTokenService
from sidecar.service.policy import PolicyHolder
from sidecar.service.sessions import SessionService
from tests.unit.fakes import FakeGateway

APP = AppIdentity("app")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeCalls:
    """C1: answers a token naming what it was asked with, or raises `error`."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.error: SidecarError | None = None

    async def create_call_token(self, auth_token: str, session_id: str) -> str:
        self.asked.append((auth_token, session_id))
        if self.error is not None:
            raise self.error
        return f"call-token-{session_id}-{len(self.asked)}"


def _service(
    table: str = 'call_session_prefix = "room:"\ncall_token_burst = 2\ncall_tokens_per_second = 1',
) -> tuple[SessionService, CallTokenService, FakeCalls, Clock]:
    import tomllib

    document = tomllib.loads(f"[apps.app]\n{table}\n")
    policy = PolicyHolder(parse_policy(document, "test", ("app",)))
    sessions = SessionService(
        MemorySessionStore(), FakeGateway(), held_api_key=Secret("key"), policy=policy
    )
    calls, clock = FakeCalls(), Clock()
    return sessions, CallTokenService(sessions, calls, clock=clock), calls, clock


async def _reason(call: object) -> str:
    with pytest.raises(SidecarError) as refused:
        await call  # type: ignore[misc]
    return refused.value.reason


async def test_the_sessions_own_token_and_the_session_id_are_sent() -> None:
    sessions, service, calls, _ = _service()
    await sessions.login(APP, "alice", "")

    answer = await service.generate(APP, "room:1")

    assert calls.asked == [("token-of-alice", "room:1")]
    assert (answer.token, answer.session_id, answer.user.uid) == (
        "call-token-room:1-1",
        "room:1",
        "alice",
    )
    assert "call-token" not in repr(answer)


@pytest.mark.parametrize(
    ("table", "session_id", "logged_in", "reason"),
    [
        ("", "room:1", True, "ERROR_OPERATION_NOT_ALLOWED"),
        ("", "", False, "ERROR_OPERATION_NOT_ALLOWED"),  # the grant is checked first
        ('call_session_prefix = "room:"', " ", False, "ERROR_SESSION_ID_MISSING"),
        ('call_session_prefix = "room:"', "room:1", False, "ERROR_AUTH_TOKEN_MISSING"),
        ('call_session_prefix = "room:"', "room:/1", True, "ERROR_INVALID_SESSION_ID"),
        ('call_session_prefix = "room:"', "hall:1", True, "ERROR_SESSION_ID_NOT_ALLOWED"),
        ('call_session_prefix = ""', "r" * 256, True, "ERROR_INVALID_SESSION_ID"),
    ],
)
async def test_checks_in_order_before_any_upstream_call(
    table: str, session_id: str, logged_in: bool, reason: str
) -> None:
    sessions, service, calls, _ = _service(table)
    if logged_in:
        await sessions.login(APP, "alice", "")

    assert await _reason(service.generate(APP, session_id)) == reason
    assert calls.asked == []


async def test_the_rate_admits_a_burst_then_says_when_to_retry() -> None:
    sessions, service, calls, clock = _service()
    await sessions.login(APP, "alice", "")
    await service.generate(APP, "room:1")
    await service.generate(APP, "room:2")

    with pytest.raises(SidecarError) as limited:
        await service.generate(APP, "room:3")
    clock.now += 1.0
    await service.generate(APP, "room:3")

    assert limited.value.reason == "ERROR_CALL_TOKEN_RATE_LIMITED"
    assert limited.value.retry_after == pytest.approx(1.0)
    assert len(calls.asked) == 3


async def test_a_token_cometchat_no_longer_knows_drops_the_session() -> None:
    sessions, service, calls, _ = _service()
    await sessions.login(APP, "alice", "")
    calls.error = upstream_failure("AUTH_ERR_AUTH_TOKEN_NOT_FOUND", 401, endpoint="C1")

    with sessions.watch(APP) as watch:
        assert await _reason(service.generate(APP, "room:1")) == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
        event = await watch.next()

    assert event is not None
    assert event.change is Change.REVOKED
    assert await sessions.get_logged_in_user(APP) is None


async def test_other_upstream_errors_keep_the_session() -> None:
    sessions, service, calls, _ = _service()
    await sessions.login(APP, "alice", "")
    calls.error = upstream_failure("ERR_CALL_SESSION_NOT_FOUND", 404, endpoint="C1")

    assert await _reason(service.generate(APP, "room:1")) == "ERR_CALL_SESSION_NOT_FOUND"
    assert await sessions.get_logged_in_user(APP) is not None
