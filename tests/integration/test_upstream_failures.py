"""CometChat's failures reach the app as its own codes, on fitting gRPC codes."""

from __future__ import annotations

import grpc
import pytest

from tests.integration.conftest import AppClient, fails
from tests.stack import Stack


async def test_unknown_uid_is_not_found(app_a: AppClient) -> None:
    failure = await fails(app_a.login("no-such-user"))

    assert failure.code == grpc.StatusCode.NOT_FOUND
    assert failure.reason == "ERR_UID_NOT_FOUND"
    assert failure.domain == "cometchat-api"
    assert failure.metadata == {"http_status": "404", "endpoint": "R3"}
    assert failure.retry_delay is None


async def test_wrong_api_key_is_unauthenticated(app_a: AppClient) -> None:
    failure = await fails(app_a.login("cometchat-uid-1", api_key="not-a-key-of-this-app"))

    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert failure.reason == "AUTH_ERR_APIKEY_NOT_FOUND"
    assert "not-a-key-of-this-app" not in failure.message


async def test_auth_only_key_is_enough_to_log_in(stack: Stack, app_a: AppClient) -> None:
    # R3 (create an auth token) is what an Auth Key is for; M1 uses the token.
    user = await app_a.login("cometchat-uid-1", api_key=stack.emulator.config.auth_only_key)
    assert user.uid == "cometchat-uid-1"


async def test_key_scope_refusal_is_permission_denied(stack: Stack, app_a: AppClient) -> None:
    stack.emulator.inject_fault("R3", "AUTH_ERR_NO_ACCESS")

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.PERMISSION_DENIED
    assert failure.reason == "AUTH_ERR_NO_ACCESS"
    assert await app_a.whoami() is None


async def test_revoked_token_is_unauthenticated(stack: Stack, app_a: AppClient) -> None:
    token = stack.emulator.mint_token("cometchat-uid-1")
    stack.emulator.revoke_token("cometchat-uid-1", token)

    failure = await fails(app_a.login_with_token(token))

    assert failure.code == grpc.StatusCode.UNAUTHENTICATED
    assert failure.reason == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    assert token not in failure.message
    assert await app_a.whoami() is None


async def test_rate_limit_is_resource_exhausted_with_the_upstream_delay(
    stack: Stack, app_a: AppClient
) -> None:
    stack.emulator.inject_fault("M1", "ERR_TOO_MANY_REQUESTS", retry_after=7)

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert failure.reason == "ERR_TOO_MANY_REQUESTS"
    assert failure.retry_delay == pytest.approx(7.0)


@pytest.mark.parametrize(
    ("code", "grpc_code"),
    [
        ("AUTH_ERR_INVALID_APPID", grpc.StatusCode.FAILED_PRECONDITION),
        ("ERR_BAD_REQUEST", grpc.StatusCode.INVALID_ARGUMENT),
        ("ERR_API_NOT_FOUND", grpc.StatusCode.INTERNAL),
    ],
)
async def test_other_upstream_codes_pass_through(
    stack: Stack, app_a: AppClient, code: str, grpc_code: grpc.StatusCode
) -> None:
    stack.emulator.inject_fault("R3", code)

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert (failure.code, failure.reason) == (grpc_code, code)


async def test_emulator_down_is_unavailable_and_retryable(stack: Stack, app_a: AppClient) -> None:
    await stack.emulator.stop()

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.reason == "UPSTREAM_UNAVAILABLE"
    assert failure.metadata == {"endpoint": "R3"}
    assert failure.retry_delay is not None
    assert await app_a.whoami() is None


async def test_connection_dropped_on_every_try_is_unavailable(
    stack: Stack, app_a: AppClient
) -> None:
    stack.emulator.inject_connection_close("M1", times=stack.settings.upstream_max_attempts)

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.reason == "UPSTREAM_UNAVAILABLE"
    assert failure.metadata["endpoint"] == "M1"
