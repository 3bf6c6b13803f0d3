"""The asyncio client against an in-process fake sidecar."""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from cometchat_sidecar import (
    DOMAIN_SIDECAR,
    AsyncSidecarClient,
    Reason,
    SidecarError,
    SidecarNotReadyError,
)
from cometchat_sidecar.auth.v1 import auth_pb2


async def test_login_returns_the_user_and_sends_the_credential(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        user = await client.login("cometchat-uid-1")
    assert user.uid == "cometchat-uid-1"
    assert fake.auth.calls[-1].metadata["authorization"] == "Bearer s3cret"


async def test_dev_mode_sends_no_credential(dev_fake):
    async with AsyncSidecarClient(dev_fake.target) as client:
        await client.get_logged_in_user()
    assert "authorization" not in dev_fake.auth.calls[-1].metadata


async def test_session_round_trip(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        assert await client.get_logged_in_user() is None
        await client.login("u1")
        assert (await client.get_logged_in_user()).uid == "u1"
        assert (await client.login_with_token("t")).uid == "token-t"
        await client.logout()
        assert await client.get_logged_in_user() is None
        with pytest.raises(SidecarError) as e:
            await client.logout()
    assert e.value.reason == Reason.ERROR_NO_USER_LOGGED_IN
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_rich_error_is_decoded(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarError) as e:
            await client.login("bad uid")
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.reason == Reason.ERROR_UID_WITH_SPACE
    assert e.value.domain == DOMAIN_SIDECAR
    assert e.value.metadata == {"field": "uid"}
    assert isinstance(e.value.__cause__, grpc.aio.AioRpcError)


async def test_retry_info_is_decoded(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarError) as e:
            await client.login("busy")
    assert e.value.retry_delay == pytest.approx(1.5)


async def test_status_without_details_is_still_typed(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarError) as e:
            await client.login("plain")
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.reason == ""


async def test_missing_credential_is_unauthenticated(fake):
    async with AsyncSidecarClient(fake.target) as client:
        with pytest.raises(SidecarError) as e:
            await client.login("a")
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert e.value.reason == Reason.ERROR_MISSING_APP_CREDENTIAL


async def test_deadlines(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        await client.get_logged_in_user()
        await client.get_logged_in_user(timeout=3)
        with pytest.raises(SidecarError) as e:
            await client.login("slow", timeout=0.2)
    default, explicit, _ = (c.time_remaining for c in fake.auth.calls)
    assert 8.0 < default <= 10.1
    assert 1.0 < explicit <= 3.1
    assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_raw_stub_gets_credential_and_deadline(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        response = await client.stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest())
    assert not response.HasField("user")
    assert fake.auth.calls[-1].metadata["authorization"] == "Bearer s3cret"
    assert fake.auth.calls[-1].time_remaining <= 10.1


async def test_unix_socket_target(unix_fake):
    async with AsyncSidecarClient(unix_fake.target, credential="s3cret") as client:
        await client.wait_until_ready(5)
        assert (await client.login("over-uds")).uid == "over-uds"


async def test_unreachable_sidecar_is_unavailable(free_port):
    async with AsyncSidecarClient(f"127.0.0.1:{free_port}") as client:
        with pytest.raises(SidecarError) as e:
            await client.get_logged_in_user()
    assert e.value.code == grpc.StatusCode.UNAVAILABLE


async def test_wait_until_ready_waits_for_serving(fake):
    fake.set_serving(False)
    loop = asyncio.get_running_loop()
    loop.call_later(0.4, fake.set_serving, True)
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        start = time.monotonic()
        await client.wait_until_ready(5)
        assert 0.3 < time.monotonic() - start < 3.0


async def test_wait_until_ready_times_out(fake):
    fake.set_serving(False)
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarNotReadyError) as e:
            # Long enough for a health check to be answered even on a loaded machine.
            await client.wait_until_ready(2.0)
    assert isinstance(e.value, TimeoutError)
    assert "NOT_SERVING" in str(e.value)


async def test_wait_until_ready_when_nothing_listens(free_port):
    async with AsyncSidecarClient(f"127.0.0.1:{free_port}") as client:
        with pytest.raises(SidecarNotReadyError) as e:
            await client.wait_until_ready(0.5)
    assert "UNAVAILABLE" in str(e.value)


async def test_wait_until_ready_for_a_sidecar_that_starts_late(late_fake):
    target, started = late_fake
    async with AsyncSidecarClient(target, credential="s3cret") as client:
        await client.wait_until_ready(10)
        assert started.is_set()
        assert (await client.login("late")).uid == "late"
