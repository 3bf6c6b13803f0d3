"""SessionService rules that need precise timing: with a fake CometChat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from sidecar.adapters.state.memory import MemorySessionStore
from sidecar.domain.errors import SidecarError, fail, upstream_failure
from sidecar.domain.model import AppIdentity
from sidecar.domain.secret import Secret
from sidecar.service.ratelimit import LoginRateLimiter
from sidecar.service.sessions import SessionService
from tests.unit.fakes import FakeGateway

APP = AppIdentity("app")
OTHER = AppIdentity("other")


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def service(gateway: FakeGateway) -> SessionService:
    return SessionService(MemorySessionStore(), gateway, held_api_key=Secret("held-key"))


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(2):
        while not condition():  # noqa: ASYNC110 - polls a list the fake appends to
            await asyncio.sleep(0)


async def test_a_different_login_during_a_login_is_refused(
    service: SessionService, gateway: FakeGateway
) -> None:
    gateway.release.clear()
    first = asyncio.create_task(service.login(APP, "alice", ""))
    await gateway.entered.wait()

    for attempt in (
        service.login(APP, "bob", ""),
        service.login(APP, "alice", "another-key"),
        service.login_with_token(APP, "some-token"),
        service.login(APP, "", ""),  # the SDK checks "in progress" before the UID
    ):
        with pytest.raises(SidecarError) as caught:
            await attempt
        assert caught.value.reason == "ERROR_LOGIN_IN_PROGRESS"
        assert caught.value.spec.code == "ABORTED"

    gateway.release.set()
    assert (await first).uid == "alice"


async def test_other_apps_are_not_blocked_by_a_login_in_flight(
    service: SessionService, gateway: FakeGateway
) -> None:
    gateway.release.clear()
    first = asyncio.create_task(service.login(APP, "alice", ""))
    await gateway.entered.wait()

    other = asyncio.create_task(service.login(OTHER, "bob", ""))
    # Started while APP's login is still held, not queued behind it.
    await _until(lambda: "R3 bob" in gateway.calls)
    assert not first.done()

    gateway.release.set()
    assert (await first).uid == "alice"
    assert (await other).uid == "bob"


async def test_a_flight_whose_callers_all_left_is_cancelled(
    service: SessionService, gateway: FakeGateway
) -> None:
    gateway.release.clear()
    caller = asyncio.create_task(service.login(APP, "alice", ""))
    await gateway.entered.wait()

    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.sleep(0)

    assert gateway.cancelled == 1
    assert await service.get_logged_in_user(APP) is None
    gateway.release.set()
    assert (await service.login(APP, "bob", "")).uid == "bob"  # nothing left in flight


async def test_a_flight_goes_on_while_one_caller_remains(
    service: SessionService, gateway: FakeGateway
) -> None:
    gateway.release.clear()
    leaving = asyncio.create_task(service.login(APP, "alice", ""))
    staying = asyncio.create_task(service.login(APP, "alice", ""))
    await gateway.entered.wait()

    leaving.cancel()
    await asyncio.sleep(0)
    gateway.release.set()

    assert (await staying).uid == "alice"
    assert gateway.cancelled == 0
    assert gateway.calls == ["R3 alice", "M1"]


async def test_logout_waits_for_the_login_in_flight(
    service: SessionService, gateway: FakeGateway
) -> None:
    gateway.release.clear()
    login = asyncio.create_task(service.login(APP, "alice", ""))
    await gateway.entered.wait()
    logout = asyncio.create_task(service.logout(APP))
    await asyncio.sleep(0)
    assert not logout.done()

    gateway.release.set()
    await login
    assert (await logout).uid == "alice"
    assert await service.get_logged_in_user(APP) is None


async def test_logout_forgets_the_session_even_when_upstream_fails(
    service: SessionService, gateway: FakeGateway
) -> None:
    await service.login(APP, "alice", "")
    gateway.close_error = fail("UPSTREAM_UNAVAILABLE", endpoint="M2")

    await service.logout(APP)

    assert await service.get_logged_in_user(APP) is None


async def test_a_failed_login_after_a_switch_leaves_nobody_logged_in(
    service: SessionService, gateway: FakeGateway
) -> None:
    await service.login(APP, "alice", "")

    async def refuse(uid: str, api_key: str) -> str:
        raise upstream_failure("ERR_UID_NOT_FOUND", 404, endpoint="R3")

    gateway.create_auth_token = refuse  # type: ignore[method-assign]
    with pytest.raises(SidecarError):
        await service.login(APP, "bob", "")

    # As in the SDK: the old user was logged out before the new login was tried.
    assert gateway.calls[-1] == "M2"
    assert await service.get_logged_in_user(APP) is None


async def test_the_held_key_is_used_when_the_request_has_none(gateway: FakeGateway) -> None:
    seen: list[str] = []
    original = gateway.create_auth_token

    async def spy(uid: str, api_key: str) -> str:
        seen.append(api_key)
        return await original(uid, api_key)

    gateway.create_auth_token = spy  # type: ignore[method-assign]
    service = SessionService(MemorySessionStore(), gateway, held_api_key=Secret("held-key"))
    await service.login(APP, "alice", "")
    await service.login(APP, "bob", "request-key")

    assert seen == ["held-key", "request-key"]


async def test_only_logins_that_go_upstream_spend_the_apps_rate_limit(
    gateway: FakeGateway,
) -> None:
    limited = SessionService(
        MemorySessionStore(),
        gateway,
        held_api_key=Secret("held-key"),
        admission=LoginRateLimiter(0.001, 2),
    )
    gateway.release.clear()
    first = asyncio.create_task(limited.login(APP, "alice", ""))
    await gateway.entered.wait()
    joiners = [asyncio.create_task(limited.login(APP, "alice", "")) for _ in range(5)]
    await asyncio.sleep(0)
    gateway.release.set()
    await asyncio.gather(first, *joiners)
    await limited.login(APP, "Alice", "")  # answered from the session
    for invalid in (limited.login(APP, "bad uid", ""), limited.login_with_token(APP, " ")):
        with pytest.raises(SidecarError):
            await invalid

    await limited.login_with_token(APP, "token-of-bob")  # the second and last token
    with pytest.raises(SidecarError) as refused:
        await limited.login(APP, "carol", "")

    assert refused.value.reason == "ERROR_LOGIN_RATE_LIMITED"
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 100
    assert (await limited.login(OTHER, "dave", "")).uid == "dave"
    assert gateway.calls.count("R3 carol") == 0
