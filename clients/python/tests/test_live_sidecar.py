"""Live test against a real sidecar and CometChat emulator.

Configured by the environment (all five are needed; SIDECAR_APP_CREDENTIAL may
be empty for a sidecar in dev mode):

    SIDECAR_ADDRESS         gRPC target, e.g. 127.0.0.1:50051 or unix:///path.sock
    SIDECAR_APP_CREDENTIAL  the app's bearer credential
    EMULATOR_API_URL        e.g. http://127.0.0.1:40123
    EMULATOR_APP_ID         the emulator's app id
    EMULATOR_API_KEY        a fullAccess API key of the emulator
"""

from __future__ import annotations

import json
import os
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
