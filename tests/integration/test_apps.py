"""Each app owns its session; callers without a known credential get nothing."""

from __future__ import annotations

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.integration.conftest import AppClient, fails
from tests.stack import Stack


async def test_apps_have_separate_sessions(app_a: AppClient, app_b: AppClient) -> None:
    await app_a.login("cometchat-uid-1")
    await app_b.login("cometchat-uid-2")

    user_a, user_b = await app_a.whoami(), await app_b.whoami()
    assert user_a is not None
    assert user_a.uid == "cometchat-uid-1"
    assert user_b is not None
    assert user_b.uid == "cometchat-uid-2"


async def test_one_apps_logout_and_failures_leave_the_other_alone(
    stack: Stack, app_a: AppClient, app_b: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")
    await app_b.login("cometchat-uid-1")

    await app_b.logout()
    await fails(app_b.login("no-such-user"))
    await fails(app_b.login("bad uid"))

    user_a = await app_a.whoami()
    assert user_a is not None
    assert user_a.uid == "cometchat-uid-1"
    assert await app_b.whoami() is None
    failure = await fails(app_b.logout())
    assert failure.reason == "ERROR_NO_USER_LOGGED_IN"


async def test_same_uid_in_two_apps_needs_each_apps_own_login(
    stack: Stack, app_a: AppClient, app_b: AppClient
) -> None:
    await app_a.login("cometchat-uid-1")
    stack.emulator.reset_counts()

    await app_b.login("cometchat-uid-1")

    # App B's login is not answered from app A's session.
    assert stack.emulator.request_count("M1") == 1


async def test_calls_without_a_credential_are_unauthenticated(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    stub = auth_pb2_grpc.AuthServiceStub(channel)

    missing = await fails(stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest()))
    unknown = await fails(
        stub.Login(
            auth_pb2.LoginRequest(uid="cometchat-uid-1"),
            metadata=(("authorization", "Bearer not-a-credential"),),
        )
    )
    not_bearer = await fails(
        stub.Logout(
            auth_pb2.LogoutRequest(),
            metadata=(("authorization", stack.credentials["app-a"]),),
        )
    )

    assert (missing.code, missing.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "ERROR_MISSING_APP_CREDENTIAL",
    )
    assert (unknown.code, unknown.reason) == (
        grpc.StatusCode.UNAUTHENTICATED,
        "ERROR_UNKNOWN_APP_CREDENTIAL",
    )
    assert not_bearer.reason == "ERROR_UNKNOWN_APP_CREDENTIAL"
    assert stack.emulator.request_count() == 0
