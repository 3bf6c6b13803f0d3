"""The four RPCs' happy paths and SDK behaviours, over a real socket to a real emulator."""

from __future__ import annotations

import asyncio

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2

from tests.integration.conftest import AppClient, fails
from tests.stack import Stack


async def test_login_creates_a_token_then_opens_a_session(stack: Stack, app_a: AppClient) -> None:
    user = await app_a.login("cometchat-uid-1")

    assert user.uid == "cometchat-uid-1"
    assert user.name == "Andrew Joseph"
    assert user.avatar == "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp"
    assert user.status == auth_pb2.USER_STATUS_ONLINE
    assert stack.emulator.request_count("R3") == 1
    assert stack.emulator.request_count("M1") == 1
    assert stack.emulator.active_device_sessions("cometchat-uid-1") == 1


async def test_login_with_the_request_key_instead_of_the_held_one(
    stack: Stack, app_a: AppClient
) -> None:
    user = await app_a.login("cometchat-uid-3", api_key=stack.emulator.config.auth_only_key)
    assert user.uid == "cometchat-uid-3"


async def test_same_uid_again_answers_the_cached_user_without_upstream_calls(
    stack: Stack, app_a: AppClient
) -> None:
    first = await app_a.login("cometchat-uid-1")
    stack.emulator.reset_counts()

    again = await app_a.login("cometchat-uid-1")
    other_case = await app_a.login("CometChat-UID-1")

    assert again == first
    assert other_case == first
    assert stack.emulator.request_count() == 0


async def test_a_different_uid_logs_the_old_session_out_first(
    stack: Stack, app_a: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")
    user = await app_a.login("cometchat-uid-2")

    assert user.uid == "cometchat-uid-2"
    assert stack.emulator.request_count("M2") == 1
    assert stack.emulator.active_device_sessions("cometchat-uid-1") == 0
    assert stack.emulator.active_device_sessions("cometchat-uid-2") == 1
    current = await app_a.whoami()
    assert current is not None
    assert current.uid == "cometchat-uid-2"


async def test_login_with_token_opens_a_session_without_creating_a_token(
    stack: Stack, app_a: AppClient
) -> None:
    token = stack.emulator.mint_token("cometchat-uid-2")
    stack.emulator.reset_counts()

    user = await app_a.login_with_token(token)

    assert user.uid == "cometchat-uid-2"
    assert user.name == "George Alan"
    assert stack.emulator.request_count("R3") == 0
    assert stack.emulator.request_count("M1") == 1


async def test_login_with_the_same_token_again_is_answered_locally(
    stack: Stack, app_a: AppClient
) -> None:
    token = stack.emulator.mint_token("cometchat-uid-2")
    await app_a.login_with_token(token)
    stack.emulator.reset_counts()

    user = await app_a.login_with_token(token)

    assert user.uid == "cometchat-uid-2"
    assert stack.emulator.request_count() == 0


async def test_login_with_another_token_logs_the_old_session_out(
    stack: Stack, app_a: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")
    user = await app_a.login_with_token(stack.emulator.mint_token("cometchat-uid-4"))

    assert user.uid == "cometchat-uid-4"
    assert stack.emulator.active_device_sessions("cometchat-uid-1") == 0


async def test_get_logged_in_user_never_calls_upstream(stack: Stack, app_a: AppClient) -> None:
    assert await app_a.whoami() is None
    await app_a.login("cometchat-uid-1")
    stack.emulator.reset_counts()

    users = [await app_a.whoami() for _ in range(20)]

    assert all(user is not None and user.uid == "cometchat-uid-1" for user in users)
    assert stack.emulator.request_count() == 0


async def test_logout_ends_the_upstream_session_and_the_local_one(
    stack: Stack, app_a: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")

    await app_a.logout()

    assert stack.emulator.request_count("M2") == 1
    assert stack.emulator.active_device_sessions("cometchat-uid-1") == 0
    assert await app_a.whoami() is None
    failure = await fails(app_a.logout())
    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "ERROR_NO_USER_LOGGED_IN"
    assert failure.domain == "cometchat-sidecar"


async def test_logout_clears_local_state_whatever_upstream_answers(
    stack: Stack, app_a: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")
    stack.emulator.inject_fault("M2", "ERR_TOO_MANY_REQUESTS")
    await app_a.logout()
    assert await app_a.whoami() is None

    await app_a.login("cometchat-uid-1")
    await stack.emulator.stop()
    await app_a.logout()
    assert await app_a.whoami() is None


async def test_logout_after_the_token_was_revoked_counts_as_success(
    stack: Stack, app_a: AppClient
) -> None:
    token = stack.emulator.mint_token("cometchat-uid-5")
    await app_a.login_with_token(token)
    stack.emulator.revoke_token("cometchat-uid-5", token)

    await app_a.logout()

    assert await app_a.whoami() is None


async def test_identical_concurrent_logins_share_one_upstream_flow(
    stack: Stack, app_a: AppClient
) -> None:
    users = await asyncio.gather(*(app_a.login("cometchat-uid-1") for _ in range(100)))

    assert {user.uid for user in users} == {"cometchat-uid-1"}
    assert stack.emulator.request_count("R3") == 1
    assert stack.emulator.request_count("M1") == 1
