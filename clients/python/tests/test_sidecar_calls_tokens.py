"""Call tokens and the auth-token flow, sync and asyncio, against the fake sidecar."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest
from cometchat_sidecar import (
    DOMAIN_API,
    AsyncSidecarClient,
    CallToken,
    IssuedAuthToken,
    Reason,
    SidecarClient,
    SidecarError,
)


def test_a_call_token_for_the_logged_in_user(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cometchat-uid-1")
        token = client.generate_call_token("app:room-1")
    assert isinstance(token, CallToken)
    assert token.call_token == "call-token-for-app:room-1"
    assert token.session_id == "app:room-1"
    assert token.user.uid == "cometchat-uid-1"
    seen = fake.auth.calls[-1]
    assert seen.method == "GenerateCallToken"
    assert seen.metadata["authorization"] == "Bearer s3cret"
    assert 8.0 < seen.time_remaining <= 10.1


@pytest.mark.parametrize(
    ("session_id", "logged_in", "code", "reason"),
    [
        ("  ", True, grpc.StatusCode.INVALID_ARGUMENT, Reason.ERROR_SESSION_ID_MISSING),
        ("app:room", False, grpc.StatusCode.FAILED_PRECONDITION, Reason.ERROR_AUTH_TOKEN_MISSING),
        (
            "other:room",
            True,
            grpc.StatusCode.PERMISSION_DENIED,
            Reason.ERROR_SESSION_ID_NOT_ALLOWED,
        ),
    ],
)
def test_call_token_refusals_are_typed(fake, session_id, logged_in, code, reason):
    with SidecarClient(fake.target, credential="s3cret") as client:
        if logged_in:
            client.login("cometchat-uid-1")
        with pytest.raises(SidecarError) as caught:
            client.generate_call_token(session_id)
    assert (caught.value.code, caught.value.reason) == (code, reason)
    assert caught.value.retry_delay is None


def test_the_call_token_rate_limit_says_when_to_retry(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cometchat-uid-1")
        with pytest.raises(SidecarError) as caught:
            client.generate_call_token("app:flood")
    assert caught.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert caught.value.reason == Reason.ERROR_CALL_TOKEN_RATE_LIMITED
    assert caught.value.retry_delay == pytest.approx(0.2)


def test_issue_log_in_with_and_revoke_a_token(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        issued = client.issue_auth_token("cust-1")
        user = client.login_with_token(issued.auth_token)
        ended = client.revoke_auth_token("cust-1", issued.auth_token)
        with pytest.raises(SidecarError) as again:
            client.revoke_auth_token("cust-1", issued.auth_token)
    assert isinstance(issued, IssuedAuthToken)
    assert issued.uid == "cust-1"
    assert issued.auth_token.startswith("cust-1_issued")
    assert issued.created_at == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert issued.user_created is False
    assert user.uid == f"token-{issued.auth_token}"
    assert ended == 0  # the fake's session was of another uid
    assert again.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert again.value.reason == Reason.ERROR_TOKEN_NOT_ISSUED_BY_APP


def test_issue_creates_a_missing_user_only_when_asked(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarError) as missing:
            client.issue_auth_token("cust-new")
        created = client.issue_auth_token("cust-new", create_if_missing=True, name="New Customer")
        with pytest.raises(SidecarError) as not_allowed:
            client.issue_auth_token("staff-1")
    assert (missing.value.reason, missing.value.domain) == (Reason.ERR_UID_NOT_FOUND, DOMAIN_API)
    assert missing.value.code == grpc.StatusCode.NOT_FOUND
    assert created.user_created is True
    assert created.auth_token.endswith("-New Customer")
    assert not_allowed.value.reason == Reason.ERROR_UID_NOT_ALLOWED


def test_revoke_all_ends_the_session_of_that_user(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cust-1")
        assert client.revoke_all_auth_tokens("cust-1") == 1
        assert client.get_logged_in_user() is None
        assert client.revoke_all_auth_tokens("cust-1") == 0
        with pytest.raises(SidecarError) as caught:
            client.revoke_all_auth_tokens("cust-protected")
    assert caught.value.reason == Reason.ERROR_OPERATION_NOT_ALLOWED
    methods = [c.method for c in fake.auth.calls if c.method.startswith("Revoke")]
    assert methods == ["RevokeAllAuthTokens"] * 3


def test_secrets_stay_out_of_repr_and_str(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cometchat-uid-1")
        call_token = client.generate_call_token("app:room-1")
        issued = client.issue_auth_token("cust-1")
    for value, secret in ((call_token, call_token.call_token), (issued, issued.auth_token)):
        assert secret
        assert secret not in repr(value)
        assert secret not in str(value)
        assert secret not in f"{value}"
    assert "app:room-1" in repr(call_token)
    assert "cust-1" in repr(issued)


def test_a_call_token_error_never_echoes_a_token(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        issued = client.issue_auth_token("cust-1")
        client.revoke_auth_token("cust-1", issued.auth_token)
        with pytest.raises(SidecarError) as caught:
            client.revoke_auth_token("cust-1", issued.auth_token)
    assert issued.auth_token not in str(caught.value)
    assert issued.auth_token not in repr(caught.value)


async def test_async_call_token_and_token_flow(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        with pytest.raises(SidecarError) as nobody:
            await client.generate_call_token("app:room")
        await client.login("cust-1")
        token = await client.generate_call_token("app:room")
        issued = await client.issue_auth_token("cust-2", create_if_missing=True)
        assert (await client.login_with_token(issued.auth_token)).uid.startswith("token-cust-2")
        assert await client.revoke_auth_token("cust-2", issued.auth_token) == 0
        await client.login("cust-1")
        with pytest.raises(SidecarError) as flood:
            await client.generate_call_token("app:flood")
        assert await client.revoke_all_auth_tokens("cust-1") == 1
    assert nobody.value.reason == Reason.ERROR_AUTH_TOKEN_MISSING
    assert (token.session_id, token.user.uid) == ("app:room", "cust-1")
    assert token.call_token not in repr(token)
    assert issued.user_created is True
    assert issued.auth_token not in repr(issued)
    assert flood.value.retry_delay == pytest.approx(0.2)
    assert {c.metadata["authorization"] for c in fake.auth.calls} == {"Bearer s3cret"}
