"""AuthTokenService over a real socket, against the emulator: issue, log in, revoke."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc
from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc

from sidecar.bootstrap import running_sidecar
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from tests.integration.conftest import AppClient, fails
from tests.integration.test_watch_and_revocation import REVOKED, Watcher
from tests.stack import (
    Stack,
    granting_policy,
    live_stack,
    new_state_key,
    sidecar_settings,
    write_credentials,
    write_policy,
)

POLICY = """
[apps.app-a]
issue_tokens = true
issue_uids = ["^cometchat-uid-[12]$", "^new-"]
revoke_all = true

[apps.app-b]
issue_tokens = true
"""


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with live_stack(tmp_path, policy=POLICY) as running:
        yield running


@pytest.fixture
async def channel(stack: Stack) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stack.address) as opened:
        yield opened


class Backend:
    """One app's backend: the token service and the auth service, with its credential."""

    def __init__(self, channel: grpc.aio.Channel, stack: Stack, app: str) -> None:
        self.tokens = tokens_pb2_grpc.AuthTokenServiceStub(channel)
        self.auth = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata(app))
        self.metadata = stack.metadata(app)

    async def issue(
        self, uid: str, *, create: bool = False, name: str = ""
    ) -> tokens_pb2.IssueAuthTokenResponse:
        return await self.tokens.IssueAuthToken(
            tokens_pb2.IssueAuthTokenRequest(uid=uid, create_if_missing=create, name=name),
            metadata=self.metadata,
            timeout=10,
        )

    async def revoke(self, uid: str, token: str) -> int:
        answer = await self.tokens.RevokeAuthToken(
            tokens_pb2.RevokeAuthTokenRequest(uid=uid, auth_token=token),
            metadata=self.metadata,
            timeout=10,
        )
        return answer.sessions_ended

    async def revoke_all(self, uid: str) -> int:
        answer = await self.tokens.RevokeAllAuthTokens(
            tokens_pb2.RevokeAllAuthTokensRequest(uid=uid), metadata=self.metadata, timeout=10
        )
        return answer.sessions_ended


async def test_an_issued_token_logs_in_and_a_revoked_one_no_longer_does(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    backend = Backend(channel, stack, "app-a")
    issued = await backend.issue("cometchat-uid-1")
    assert issued.uid == "cometchat-uid-1"
    assert issued.created_at > 0
    assert not issued.user_created
    [sent] = stack.emulator.received("R3")
    assert sent.json()["force"] is True

    user = await backend.auth.login_with_token(issued.auth_token)
    assert user.uid == "cometchat-uid-1"
    watcher = Watcher(auth_pb2_grpc.AuthServiceStub(channel), backend.metadata)
    try:
        await watcher.next()
        assert await backend.revoke("cometchat-uid-1", issued.auth_token) == 1
        revoked = await watcher.next()
        assert revoked is not None
        assert revoked.change == REVOKED
    finally:
        await watcher.close()
    assert await backend.auth.whoami() is None

    failure = await fails(backend.auth.login_with_token(issued.auth_token))
    assert failure.reason == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


async def test_every_issue_is_a_new_token(stack: Stack, channel: grpc.aio.Channel) -> None:
    backend = Backend(channel, stack, "app-a")
    first = await backend.issue("cometchat-uid-2")
    second = await backend.issue("cometchat-uid-2")
    assert first.auth_token != second.auth_token


async def test_a_missing_user_is_created_when_asked(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    backend = Backend(channel, stack, "app-a")
    failure = await fails(backend.issue("new-user-1"))
    assert (failure.code, failure.reason) == (grpc.StatusCode.NOT_FOUND, "ERR_UID_NOT_FOUND")

    issued = await backend.issue("new-user-1", create=True, name="New User")

    assert issued.user_created
    assert issued.uid == "new-user-1"
    [created] = stack.emulator.received("R2")
    assert created.json() == {"uid": "new-user-1", "name": "New User"}
    user = await backend.auth.login_with_token(issued.auth_token)
    assert (user.uid, user.name) == ("new-user-1", "New User")


async def test_a_user_created_meanwhile_by_someone_else_is_fine(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    backend = Backend(channel, stack, "app-a")
    stack.emulator.create_user("new-racer", "Racer")
    # CometChat did not know the user when asked; it does by the time R2 is sent.
    stack.emulator.inject_fault("R3", "ERR_UID_NOT_FOUND")

    issued = await backend.issue("new-racer", create=True)

    assert not issued.user_created
    assert stack.emulator.request_count("R2") == 1
    assert stack.emulator.request_count("R3") == 2


async def test_revoking_a_token_the_app_did_not_issue_is_refused_before_any_upstream_call(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_a, app_b = Backend(channel, stack, "app-a"), Backend(channel, stack, "app-b")
    minted_elsewhere = stack.emulator.mint_token("cometchat-uid-1")
    issued_to_a = await app_a.issue("cometchat-uid-1")
    stack.emulator.reset_counts()

    for backend, token in ((app_a, minted_elsewhere), (app_b, issued_to_a.auth_token)):
        failure = await fails(backend.revoke("cometchat-uid-1", token))
        assert failure.code is grpc.StatusCode.PERMISSION_DENIED
        assert failure.reason == "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    # The token under the wrong uid is not the one the app issued either.
    failure = await fails(app_a.revoke("cometchat-uid-2", issued_to_a.auth_token))
    assert failure.reason in ("ERROR_TOKEN_NOT_ISSUED_BY_APP", "ERROR_UID_NOT_ALLOWED")
    assert stack.emulator.request_count() == 0


async def test_revoke_all_ends_the_apps_session_of_that_user(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    backend = Backend(channel, stack, "app-a")
    first = await backend.issue("cometchat-uid-2")
    await backend.issue("cometchat-uid-2")
    await backend.auth.login_with_token(first.auth_token)

    assert await backend.revoke_all("cometchat-uid-2") == 1

    assert await backend.auth.whoami() is None
    assert stack.emulator.request_count("R8") == 1
    failure = await fails(backend.auth.login_with_token(first.auth_token))
    assert failure.reason == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"
    # The fingerprints are forgotten too: nothing left for this app to revoke.
    failure = await fails(backend.revoke("cometchat-uid-2", first.auth_token))
    assert failure.reason == "ERROR_TOKEN_NOT_ISSUED_BY_APP"


async def test_grants_and_uid_patterns_are_enforced_before_any_upstream_call(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    app_a, app_b = Backend(channel, stack, "app-a"), Backend(channel, stack, "app-b")
    stack.emulator.reset_counts()

    outside = await fails(app_a.issue("cometchat-uid-3"))
    no_grant = await fails(app_b.revoke_all("cometchat-uid-1"))
    bad_uid = await fails(app_a.issue("has space"))

    assert (outside.code, outside.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ERROR_UID_NOT_ALLOWED",
    )
    assert (no_grant.code, no_grant.reason) == (
        grpc.StatusCode.PERMISSION_DENIED,
        "ERROR_OPERATION_NOT_ALLOWED",
    )
    assert bad_uid.reason == "ERROR_UID_WITH_SPACE"
    assert stack.emulator.request_count() == 0


async def test_without_a_policy_the_token_service_is_off(tmp_path: Path) -> None:
    async with (
        live_stack(tmp_path, policy=None) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        backend = Backend(channel, stack, "app-a")
        for call in (
            backend.issue("cometchat-uid-1"),
            backend.revoke("cometchat-uid-1", "cometchat-uid-1_123"),
            backend.revoke_all("cometchat-uid-1"),
        ):
            failure = await fails(call)
            assert failure.reason == "ERROR_OPERATION_NOT_ALLOWED"
        # The auth RPCs stay as they were: any uid logs in.
        assert (await backend.auth.login("cometchat-uid-4")).uid == "cometchat-uid-4"
        assert stack.emulator.request_count("R3") == 1


def _state_files(directory: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(directory.glob("state.db*")))


async def test_what_an_app_issued_is_remembered_across_a_restart(tmp_path: Path) -> None:
    """With SQLite state the fingerprints are kept in the state file, like sessions."""
    async with Emulator() as emulator:
        credentials = write_credentials(tmp_path / "apps", ("app-a",))
        settings = sidecar_settings(
            emulator,
            tmp_path / "apps",
            state_path=tmp_path / "state.db",
            state_key=Secret(new_state_key()),
            policy_file=write_policy(tmp_path, granting_policy(["app-a"])),
        )
        metadata = (("authorization", f"Bearer {credentials['app-a']}"),)
        async with (
            running_sidecar(settings, grace=1.0) as first,
            grpc.aio.insecure_channel(first.address) as channel,
        ):
            issued = await tokens_pb2_grpc.AuthTokenServiceStub(channel).IssueAuthToken(
                tokens_pb2.IssueAuthTokenRequest(uid="cometchat-uid-1"), metadata=metadata
            )
        state = _state_files(tmp_path)
        assert b"issued_tokens" in state
        assert issued.auth_token.encode() not in state
        assert b"cometchat-uid-1" not in state  # the user is kept as a digest too
        async with (
            running_sidecar(settings, grace=1.0) as second,
            grpc.aio.insecure_channel(second.address) as channel,
        ):
            await tokens_pb2_grpc.AuthTokenServiceStub(channel).RevokeAuthToken(
                tokens_pb2.RevokeAuthTokenRequest(
                    uid="cometchat-uid-1", auth_token=issued.auth_token
                ),
                metadata=metadata,
            )
        assert emulator.request_count("R7") == 1


async def test_a_forced_r3_is_repeated_only_when_cometchat_said_it_did_nothing(
    stack: Stack, channel: grpc.aio.Channel
) -> None:
    backend = Backend(channel, stack, "app-a")
    # A gateway error may come after CometChat minted the token: not repeated.
    stack.emulator.inject("R3", "gateway", status=503)
    failure = await fails(backend.issue("cometchat-uid-1"))
    assert failure.reason == "UPSTREAM_BAD_RESPONSE"
    assert stack.emulator.request_count("R3") == 1

    # A 429 says nothing was done: repeated after CometChat's delay.
    stack.emulator.inject_fault("R3", "ERR_TOO_MANY_REQUESTS", retry_after=1)
    issued = await backend.issue("cometchat-uid-1")
    assert issued.auth_token
    assert stack.emulator.request_count("R3") == 3


@pytest.mark.parametrize(
    "name", ["x" * 101, "Ada\nLovelace", "Ada\x00", "Ada\u2028Lovelace", "Ada\u202eevil"]
)
async def test_a_name_too_long_or_with_control_characters_is_refused_before_any_upstream_call(
    stack: Stack, channel: grpc.aio.Channel, name: str
) -> None:
    backend = Backend(channel, stack, "app-a")
    stack.emulator.reset_counts()

    failure = await fails(backend.issue("new-named-user", create=True, name=name))

    assert failure.code is grpc.StatusCode.INVALID_ARGUMENT
    assert failure.reason == "ERROR_INVALID_NAME"
    assert stack.emulator.request_count() == 0
    # Unicode letters within the bound are a name like any other.
    issued = await backend.issue("new-named-user", create=True, name="Ada Lovelace-Byron ü 李")
    assert issued.uid == "new-named-user"
