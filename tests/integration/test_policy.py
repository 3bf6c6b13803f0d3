"""The policy over real sockets: login_uids on the auth RPCs, every listener kind, reloads."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc

from sidecar.domain.errors import ConfigError
from tests.integration.conftest import AppClient, fails
from tests.stack import live_stack

POLICY = """
[apps.app-a]
login_uids = ["^cometchat-uid-[12]$"]
"""


async def test_login_uids_bound_login_and_login_with_token(tmp_path: Path) -> None:
    async with (
        live_stack(tmp_path, policy=POLICY) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
        app_b = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-b"))
        assert (await app_a.login("COMETCHAT-UID-1")).uid == "cometchat-uid-1"
        stack.emulator.reset_counts()

        refused = await fails(app_a.login("cometchat-uid-3"))
        assert (refused.code, refused.reason) == (
            grpc.StatusCode.PERMISSION_DENIED,
            "ERROR_UID_NOT_ALLOWED",
        )
        assert stack.emulator.request_count() == 0
        # SDK checks come before the pattern.
        assert (await fails(app_a.login("a b"))).reason == "ERROR_UID_WITH_SPACE"

        # A token's user is known only from M1: logged out again at once, and refused.
        token = stack.emulator.mint_token("cometchat-uid-3")
        refused = await fails(app_a.login_with_token(token))
        assert refused.reason == "ERROR_UID_NOT_ALLOWED"
        assert stack.emulator.active_device_sessions("cometchat-uid-3") == 0
        assert await app_a.whoami() is None
        # An app without a table logs in any UID, as before policies.
        assert (await app_b.login_with_token(token)).uid == "cometchat-uid-3"


async def test_the_policy_applies_on_per_app_sockets_too(tmp_path: Path) -> None:
    sockets = tmp_path / "sockets"
    policy = '[apps.app-a]\ncall_session_prefix = ""\n[apps.sock-app]\nlogin_uids = []\n'
    async with live_stack(
        tmp_path, policy=policy, socket_dir=sockets, socket_apps=("sock-app",)
    ) as stack:
        target = f"unix://{stack.sidecar.sockets['sock-app'].path}"
        async with grpc.aio.insecure_channel(target) as channel:
            client = AppClient(auth_pb2_grpc.AuthServiceStub(channel), ())
            calls = calls_pb2_grpc.CallsServiceStub(channel)

            assert (await fails(client.login("cometchat-uid-1"))).reason == "ERROR_UID_NOT_ALLOWED"
            denied = await fails(
                calls.GenerateCallToken(
                    calls_pb2.GenerateCallTokenRequest(session_id="x"), timeout=10
                )
            )
            assert denied.reason == "ERROR_OPERATION_NOT_ALLOWED"


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        ("[apps.app-c]\n", "apps.app-c: unknown app"),
        ("[apps.app-a]\nrevoke = true\n", "unknown keys: revoke"),
        ('[apps.app-a]\nissue_uids = ["+"]\n', "issue_uids: '\\+' is not a valid regular"),
        ('[apps.app-a]\ncall_session_prefix = "a b"\n', "call_session_prefix must be"),
        ("[apps.app-a\n", "is not valid TOML"),
    ],
)
async def test_a_bad_policy_stops_the_start(tmp_path: Path, policy: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        async with live_stack(tmp_path, policy=policy):
            pytest.fail("the sidecar started")


async def test_a_changed_policy_file_is_taken_without_a_restart(tmp_path: Path) -> None:
    async with (
        live_stack(tmp_path, policy="", credential_poll_seconds=0.05) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        calls = calls_pb2_grpc.CallsServiceStub(channel)
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
        await app_a.login("cometchat-uid-1")
        request = calls_pb2.GenerateCallTokenRequest(session_id="room")
        denied = await fails(calls.GenerateCallToken(request, metadata=app_a.metadata))
        assert denied.reason == "ERROR_OPERATION_NOT_ALLOWED"

        assert stack.settings.policy_file is not None
        stack.settings.policy_file.write_text('[apps.app-a]\ncall_session_prefix = ""\n')
        for _ in range(200):
            if stack.sidecar.policy.current.for_app("app-a").call_session_prefix == "":
                break
            await asyncio.sleep(0.02)
        assert stack.sidecar.policy.current.for_app("app-a").call_session_prefix == ""

        answer = await calls.GenerateCallToken(request, metadata=app_a.metadata, timeout=10)
        assert answer.user.uid == "cometchat-uid-1"
