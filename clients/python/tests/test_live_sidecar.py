"""Live test against a real sidecar and CometChat emulator.

Configured by the environment (all five are needed; SIDECAR_APP_CREDENTIAL may
be empty for a sidecar in dev mode):

    SIDECAR_ADDRESS         gRPC target, e.g. 127.0.0.1:50051 or unix:///path.sock
    SIDECAR_APP_CREDENTIAL  the app's bearer credential
    EMULATOR_API_URL        e.g. http://127.0.0.1:40123
    EMULATOR_APP_ID         the emulator's app id
    EMULATOR_API_KEY        a fullAccess API key of the emulator

and, optionally, EMULATOR_CALL_SESSION_PREFIX: the prefix the app's policy allows
for call session ids (empty: any). The stack must grant the app call tokens,
token issuance and revoke_all (tests/stack.py's live stack does).
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar import (
    AsyncSidecarClient,
    Reason,
    SessionChange,
    SessionEvent,
    SidecarClient,
    SidecarError,
)

pytestmark = pytest.mark.skipif(
    not os.environ.get("SIDECAR_ADDRESS"),
    reason="live test skipped: SIDECAR_ADDRESS is not set (also set SIDECAR_APP_CREDENTIAL,"
    " EMULATOR_API_URL, EMULATOR_APP_ID, EMULATOR_API_KEY to run it against a real sidecar)",
)

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "login.py"


class Live:
    def __init__(self) -> None:
        missing = [
            name
            for name in ("EMULATOR_API_URL", "EMULATOR_APP_ID", "EMULATOR_API_KEY")
            if not os.environ.get(name)
        ]
        if missing:
            pytest.fail(f"SIDECAR_ADDRESS is set but {', '.join(missing)} is not")
        self.address = os.environ["SIDECAR_ADDRESS"]
        self.credential = os.environ.get("SIDECAR_APP_CREDENTIAL") or None
        self.api_url = os.environ["EMULATOR_API_URL"].rstrip("/")
        self.app_id = os.environ["EMULATOR_APP_ID"]
        self.api_key = os.environ["EMULATOR_API_KEY"]
        self.session_prefix = os.environ.get("EMULATOR_CALL_SESSION_PREFIX", "")

    def mint_token(self, uid: str) -> str:
        """Create an auth token for `uid` directly at the emulator's REST API."""
        request = urllib.request.Request(  # noqa: S310 (the emulator's http URL from the env)
            f"{self.api_url}/v3.0/users/{uid}/auth_tokens",
            data=b"{}",
            method="POST",
            headers={
                "apikey": self.api_key,
                "appId": self.app_id,
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            body = json.load(response)
        token = body["data"]["authToken"]
        assert isinstance(token, str)
        assert token
        return token


@pytest.fixture(scope="module")
def live() -> Live:
    return Live()


def _jwt_payload(token: str) -> dict[str, object]:
    """The claims of a JWT, unverified: enough to see whom and what it was made for."""
    _header, payload, _signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(claims, dict)
    return claims


def test_live_flow(live):
    with SidecarClient(live.address, credential=live.credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)

        user = sidecar.login("cometchat-uid-1", api_key="")
        assert user.uid == "cometchat-uid-1"
        assert user.name == "Andrew Joseph"
        current = sidecar.get_logged_in_user()
        assert current is not None
        assert current.uid == "cometchat-uid-1"

        token = live.mint_token("cometchat-uid-2")
        user = sidecar.login_with_token(token)
        assert user.uid == "cometchat-uid-2"
        current = sidecar.get_logged_in_user()
        assert current is not None
        assert current.uid == "cometchat-uid-2"

        sidecar.logout()
        assert sidecar.get_logged_in_user() is None

        with pytest.raises(SidecarError) as no_user:
            sidecar.logout()
        assert no_user.value.reason == Reason.ERROR_NO_USER_LOGGED_IN

        with pytest.raises(SidecarError) as bad_uid:
            sidecar.login("bad uid")
        assert bad_uid.value.reason == Reason.ERROR_UID_WITH_SPACE
        assert bad_uid.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_live_flow_async(live):
    async with AsyncSidecarClient(live.address, credential=live.credential) as sidecar:
        await sidecar.wait_until_ready(timeout=30)

        user = await sidecar.login("cometchat-uid-1")
        assert (user.uid, user.name) == ("cometchat-uid-1", "Andrew Joseph")
        current = await sidecar.get_logged_in_user()
        assert current is not None
        assert current.uid == "cometchat-uid-1"

        token = live.mint_token("cometchat-uid-2")
        assert (await sidecar.login_with_token(token)).uid == "cometchat-uid-2"
        current = await sidecar.get_logged_in_user()
        assert current is not None
        assert current.uid == "cometchat-uid-2"

        await sidecar.logout()
        assert await sidecar.get_logged_in_user() is None

        with pytest.raises(SidecarError) as no_user:
            await sidecar.logout()
        assert no_user.value.reason == Reason.ERROR_NO_USER_LOGGED_IN

        with pytest.raises(SidecarError) as bad_uid:
            await sidecar.login("bad uid")
        assert bad_uid.value.reason == Reason.ERROR_UID_WITH_SPACE
        assert bad_uid.value.code == grpc.StatusCode.INVALID_ARGUMENT


def _logged_out(sidecar: SidecarClient) -> None:
    if sidecar.get_logged_in_user() is not None:
        sidecar.logout()


def test_live_watch_session(live):
    with SidecarClient(live.address, credential=live.credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)
        _logged_out(sidecar)
        with sidecar.watch_session(timeout=30) as events:
            assert next(events) == SessionEvent(SessionChange.CURRENT, None)
            sidecar.login("cometchat-uid-3")
            logged_in = next(events)
            sidecar.logout()
            logged_out = next(events)
    assert logged_in.change is SessionChange.LOGGED_IN
    assert logged_in.user is not None
    assert logged_in.user.uid == "cometchat-uid-3"
    assert logged_out == SessionEvent(SessionChange.LOGGED_OUT, None)


async def test_live_watch_session_async(live):
    async with AsyncSidecarClient(live.address, credential=live.credential) as sidecar:
        await sidecar.wait_until_ready(timeout=30)
        if await sidecar.get_logged_in_user() is not None:
            await sidecar.logout()
        changes = []
        async with sidecar.watch_session(timeout=30) as events:
            async for event in events:
                changes.append((event.change, event.user.uid if event.user else None))
                if event.change is SessionChange.CURRENT:
                    await sidecar.login("cometchat-uid-4")
                elif event.change is SessionChange.LOGGED_IN:
                    await sidecar.logout()
                else:
                    break
    assert changes == [
        (SessionChange.CURRENT, None),
        (SessionChange.LOGGED_IN, "cometchat-uid-4"),
        (SessionChange.LOGGED_OUT, None),
    ]


def test_live_call_token_for_the_logged_in_session(live):
    session_id = f"{live.session_prefix}room-{secrets.token_hex(4)}"
    with SidecarClient(live.address, credential=live.credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)
        sidecar.login("cometchat-uid-1")
        token = sidecar.generate_call_token(session_id)
        with pytest.raises(SidecarError) as blank:
            sidecar.generate_call_token(" ")
        with pytest.raises(SidecarError) as bad:
            sidecar.generate_call_token(f"{live.session_prefix}room with spaces")
        sidecar.logout()
        with pytest.raises(SidecarError) as nobody:
            sidecar.generate_call_token(session_id)

    assert (token.session_id, token.user.uid) == (session_id, "cometchat-uid-1")
    assert token.call_token not in repr(token)
    claims = _jwt_payload(token.call_token)["data"]
    assert isinstance(claims, dict)
    assert claims["sessionId"] == session_id
    assert claims["user"]["uid"] == "cometchat-uid-1"
    assert (blank.value.reason, blank.value.code) == (
        Reason.ERROR_SESSION_ID_MISSING,
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert bad.value.reason == Reason.ERROR_INVALID_SESSION_ID
    assert (nobody.value.reason, nobody.value.code) == (
        Reason.ERROR_AUTH_TOKEN_MISSING,
        grpc.StatusCode.FAILED_PRECONDITION,
    )


def test_live_issue_login_with_revoke_and_watch(live):
    with SidecarClient(live.address, credential=live.credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)
        _logged_out(sidecar)
        issued = sidecar.issue_auth_token("cometchat-uid-2")
        with sidecar.watch_session(timeout=30) as events:
            assert next(events) == SessionEvent(SessionChange.CURRENT, None)
            user = sidecar.login_with_token(issued.auth_token)
            logged_in = next(events)
            ended = sidecar.revoke_auth_token("cometchat-uid-2", issued.auth_token)
            revoked = next(events)
        assert sidecar.get_logged_in_user() is None
        with pytest.raises(SidecarError) as stale:
            sidecar.login_with_token(issued.auth_token)
        with pytest.raises(SidecarError) as foreign:
            sidecar.revoke_auth_token("cometchat-uid-2", live.mint_token("cometchat-uid-2"))

    assert issued.uid == "cometchat-uid-2"
    assert issued.auth_token
    assert issued.auth_token not in repr(issued)
    assert issued.user_created is False
    assert user.uid == "cometchat-uid-2"
    assert logged_in.change is SessionChange.LOGGED_IN
    assert logged_in.user is not None
    assert logged_in.user.uid == "cometchat-uid-2"
    assert ended == 1
    assert revoked == SessionEvent(SessionChange.REVOKED, None)
    assert stale.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert issued.auth_token not in str(stale.value)
    assert foreign.value.reason == Reason.ERROR_TOKEN_NOT_ISSUED_BY_APP


async def test_live_issue_for_a_new_user_and_revoke_all_async(live):
    uid = f"live-py-{secrets.token_hex(4)}"
    async with AsyncSidecarClient(live.address, credential=live.credential) as sidecar:
        await sidecar.wait_until_ready(timeout=30)
        with pytest.raises(SidecarError) as missing:
            await sidecar.issue_auth_token(uid)
        created = await sidecar.issue_auth_token(uid, create_if_missing=True, name="Live Py")
        again = await sidecar.issue_auth_token(uid, create_if_missing=True)
        user = await sidecar.login_with_token(created.auth_token)
        call_token = await sidecar.generate_call_token(f"{live.session_prefix}room-async")
        ended = await sidecar.revoke_all_auth_tokens(uid)
        with pytest.raises(SidecarError) as stale:
            await sidecar.login_with_token(again.auth_token)

    assert missing.value.reason == Reason.ERR_UID_NOT_FOUND
    assert (created.uid, created.user_created) == (uid, True)
    assert again.user_created is False
    assert (user.uid, user.name) == (uid, "Live Py")
    assert call_token.user.uid == uid
    assert ended == 1
    assert stale.value.code == grpc.StatusCode.UNAUTHENTICATED


@pytest.mark.parametrize(
    ("credential", "reason"),
    [
        (None, Reason.ERROR_MISSING_APP_CREDENTIAL),
        ("not-a-known-credential", Reason.ERROR_UNKNOWN_APP_CREDENTIAL),
    ],
)
def test_live_bad_credential_is_unauthenticated(live, credential, reason):
    if live.credential is None:
        pytest.skip("the sidecar runs in dev mode (no credential configured)")
    with SidecarClient(live.address, credential=credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)  # health needs no credential
        with pytest.raises(SidecarError) as caught:
            sidecar.get_logged_in_user()
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == reason


def test_live_example_program(live):
    result = subprocess.run(
        [sys.executable, str(EXAMPLE), "cometchat-uid-1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    assert "logged in: cometchat-uid-1 (Andrew Joseph)" in result.stdout
    assert "sidecar says: cometchat-uid-1 is logged in" in result.stdout
    assert "logged out" in result.stdout
