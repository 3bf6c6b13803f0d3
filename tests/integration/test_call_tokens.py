"""CallsService.GenerateCallToken over a real socket, against the emulator's call host."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc

from tests.integration.conftest import AppClient, fails
from tests.integration.test_watch_and_revocation import REVOKED, Watcher
from tests.stack import Stack, live_stack

POLICY = """
[apps.app-a]
call_session_prefix = "team-a:"
call_tokens_per_second = 0.01
call_token_burst = 3
"""


def _payload(jwt: str) -> dict[str, Any]:
    body = jwt.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return decoded


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with live_stack(tmp_path, policy=POLICY) as running:
        yield running


@pytest.fixture
async def channel(stack: Stack) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stack.address) as opened:
        yield opened


class Caller:
    def __init__(self, channel: grpc.aio.Channel, stack: Stack, app: str) -> None:
        self.auth = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata(app))
        self.calls = calls_pb2_grpc.CallsServiceStub(channel)
        self.metadata = stack.metadata(app)

    async def call_token(self, session_id: str) -> calls_pb2.GenerateCallTokenResponse:
        return await self.calls.GenerateCallToken(
            calls_pb2.GenerateCallTokenRequest(session_id=session_id),
            metadata=self.metadata,
            timeout=10,
        )


async def test_a_call_token_is_made_with_the_apps_own_session_and_nothing_else(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_a = Caller(channel, stack, "app-a")
    await app_a.auth.login("cometchat-uid-1")
    stack.emulator.reset_counts()

    answer = await app_a.call_token("team-a:standup")

    assert answer.session_id == "team-a:standup"
    assert answer.user.uid == "cometchat-uid-1"
    payload = _payload(answer.call_token)["data"]
    assert payload["sessionId"] == "team-a:standup"
    assert payload["user"]["uid"] == "cometchat-uid-1"
    [sent] = stack.emulator.received("C1")
    assert sent.json() == {"sessionId": "team-a:standup"}
    # The auth token of app A's session: the one the emulator put in the token's payload.
    assert sent.headers["authtoken"] == payload["authToken"]
    assert sent.headers["authtoken"].startswith("cometchat-uid-1_")
    assert sent.headers["appid"] == stack.emulator.config.app_id
    assert "apikey" not in sent.headers
    assert stack.emulator.request_count() == 1


async def test_an_app_without_the_grant_is_refused_before_any_upstream_call(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_b = Caller(channel, stack, "app-b")
    await app_b.auth.login("cometchat-uid-2")
    stack.emulator.reset_counts()

    failure = await fails(app_b.call_token("team-a:standup"))

    assert failure.code is grpc.StatusCode.PERMISSION_DENIED
    assert failure.reason == "ERROR_OPERATION_NOT_ALLOWED"
    assert stack.emulator.request_count() == 0


@pytest.mark.parametrize(
    ("session_id", "logged_in", "code", "reason"),
    [
        ("", True, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_SESSION_ID_MISSING"),
        ("   ", True, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_SESSION_ID_MISSING"),
        ("", False, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_SESSION_ID_MISSING"),
        ("team-a:x", False, grpc.StatusCode.FAILED_PRECONDITION, "ERROR_AUTH_TOKEN_MISSING"),
        ("team-a:a b", True, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_INVALID_SESSION_ID"),
        ("team-a:" + "x" * 249, True, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_INVALID_SESSION_ID"),
        ("team-a:é", True, grpc.StatusCode.INVALID_ARGUMENT, "ERROR_INVALID_SESSION_ID"),
        ("team-b:standup", True, grpc.StatusCode.PERMISSION_DENIED, "ERROR_SESSION_ID_NOT_ALLOWED"),
    ],
)
async def test_checks_run_in_the_sdk_order_before_any_upstream_call(
    stack: Stack,
    channel: grpc.aio.Channel,
    session_id: str,
    logged_in: bool,
    code: grpc.StatusCode,
    reason: str,
) -> None:
    app_a = Caller(channel, stack, "app-a")
    if logged_in:
        await app_a.auth.login("cometchat-uid-1")
    stack.emulator.reset_counts()

    failure = await fails(app_a.call_token(session_id))

    assert (failure.code, failure.reason) == (code, reason)
    assert stack.emulator.request_count() == 0


async def test_the_apps_call_token_rate_is_limited_with_retry_info(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_a = Caller(channel, stack, "app-a")
    await app_a.auth.login("cometchat-uid-1")
    for n in range(3):
        await app_a.call_token(f"team-a:{n}")

    failure = await fails(app_a.call_token("team-a:4"))

    assert failure.code is grpc.StatusCode.RESOURCE_EXHAUSTED
    assert failure.reason == "ERROR_CALL_TOKEN_RATE_LIMITED"
    assert failure.retry_delay is not None
    assert failure.retry_delay > 1
    assert stack.emulator.request_count("C1") == 3


async def test_a_revoked_session_is_dropped_and_its_watchers_see_revoked(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_a = Caller(channel, stack, "app-a")
    user = await app_a.auth.login("cometchat-uid-1")
    watcher = Watcher(auth_pb2_grpc.AuthServiceStub(channel), app_a.metadata)
    try:
        current = await watcher.next()
        assert current is not None
        assert current.user.uid == user.uid
        stack.emulator.revoke_all_tokens("cometchat-uid-1")

        failure = await fails(app_a.call_token("team-a:standup"))

        assert failure.code is grpc.StatusCode.UNAUTHENTICATED
        assert failure.reason == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
        revoked = await watcher.next()
        assert revoked is not None
        assert revoked.change == REVOKED
        assert await app_a.auth.whoami() is None
    finally:
        await watcher.close()


async def test_upstream_call_errors_pass_through(stack: Stack, channel: grpc.aio.Channel) -> None:
    app_a = Caller(channel, stack, "app-a")
    await app_a.auth.login("cometchat-uid-1")
    stack.emulator.inject_fault("C1", "ERR_CALL_SESSION_NOT_FOUND")

    failure = await fails(app_a.call_token("team-a:gone"))

    assert failure.code is grpc.StatusCode.NOT_FOUND
    assert failure.reason == "ERR_CALL_SESSION_NOT_FOUND"
    assert failure.domain == "cometchat-api"
    assert await app_a.auth.whoami() is not None


async def test_call_tokens_are_never_shared_between_apps(tmp_path: Path) -> None:
    policy = '[apps.app-a]\ncall_session_prefix = ""\n[apps.app-b]\ncall_session_prefix = ""\n'
    async with (
        live_stack(tmp_path, policy=policy) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        app_a, app_b = Caller(channel, stack, "app-a"), Caller(channel, stack, "app-b")
        await app_a.auth.login("cometchat-uid-1")
        await app_b.auth.login("cometchat-uid-2")

        first = await app_a.call_token("room")
        second = await app_b.call_token("room")
        again = await app_a.call_token("room")

        assert _payload(first.call_token)["data"]["user"]["uid"] == "cometchat-uid-1"
        assert _payload(second.call_token)["data"]["user"]["uid"] == "cometchat-uid-2"
        assert len({first.call_token, second.call_token, again.call_token}) == 3
        assert stack.emulator.request_count("C1") == 3


def test_auth_pb2_user_is_the_shared_message() -> None:
    assert calls_pb2.GenerateCallTokenResponse().user.DESCRIPTOR is auth_pb2.CallsUser.DESCRIPTOR


async def test_c1_goes_through_the_retry_policy(stack: Stack, channel: grpc.aio.Channel) -> None:
    app_a = Caller(channel, stack, "app-a")
    await app_a.auth.login("cometchat-uid-1")
    stack.emulator.inject("C1", "gateway", status=503)
    stack.emulator.inject_connection_close("C1")

    answer = await app_a.call_token("team-a:retried")

    assert answer.call_token
    assert stack.emulator.request_count("C1") == 3
