"""No API key, auth token or app credential in any log line, error or repr."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import structlog
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.adapters.credentials import hash_credential
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.logs import configure_logging
from tests.integration.conftest import AppClient, fails
from tests.stack import live_stack, new_state_key


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    yield stream
    structlog.reset_defaults()


async def test_a_full_run_logs_no_secret(tmp_path: Path, captured_logs: io.StringIO) -> None:
    seen_errors: list[str] = []
    async with live_stack(tmp_path) as stack:
        emulator = stack.emulator
        # Minted first, so Login's R3 (without force) reuses it: the session token is known.
        session_token = emulator.mint_token("cometchat-uid-1")
        other_token = emulator.mint_token("cometchat-uid-2")
        revoked_token = emulator.mint_token("cometchat-uid-3")
        emulator.revoke_token("cometchat-uid-3", revoked_token)
        wrong_key = "wrong-key-0123456789abcdef"
        async with grpc.aio.insecure_channel(stack.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            app_a = AppClient(stub, stack.metadata("app-a"))
            app_b = AppClient(stub, stack.metadata("app-b"))
            stranger = AppClient(stub, (("authorization", "Bearer wrong-credential-123"),))

            await app_a.login("cometchat-uid-1")
            await app_a.login("cometchat-uid-1", api_key=emulator.config.auth_only_key)
            await app_b.login_with_token(other_token)
            for failing in (
                app_a.login_with_token(revoked_token),
                app_a.login("cometchat-uid-2", api_key=wrong_key),
                app_a.login_with_token(f"{session_token} x"),
                stranger.whoami(),
            ):
                seen_errors.append((await fails(failing)).message)
            await app_b.logout()
            await app_a.login("cometchat-uid-4")
            emulator.inject_fault("M2", "AUTH_ERR_NO_ACCESS")
            await app_a.logout()

            # A rotation while serving: both credentials are used, neither is logged.
            rotated = "rotated-credential-0123456789"
            (tmp_path / "apps" / "app-a").write_text(hash_credential(rotated))
            stack.sidecar.reload_credentials()
            after_rotation = AppClient(stub, (("authorization", f"Bearer {rotated}"),))
            await after_rotation.login("cometchat-uid-2")
            await app_a.whoami()
            (tmp_path / "apps" / "app-b").write_text("sha256:12345")  # malformed: refused
            with pytest.raises(ConfigError) as refused:
                stack.sidecar.reload_credentials()
            seen_errors.append(str(refused.value))
            in_clear = "credential-in-clear-0123456789"
            (tmp_path / "apps" / "app-b").write_text(f"{in_clear}\n")  # in clear: refused
            with pytest.raises(ConfigError) as refused:
                stack.sidecar.reload_credentials()
            seen_errors.append(str(refused.value))
            clear_caller = AppClient(stub, (("authorization", f"Bearer {in_clear}"),))
            seen_errors.append((await fails(clear_caller.whoami())).message)
        async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
            metrics = (await ops.get("/metrics")).text

        secrets = [
            emulator.config.full_access_key,
            emulator.config.auth_only_key,
            wrong_key,
            session_token,
            other_token,
            revoked_token,
            "wrong-credential-123",
            rotated,
            in_clear,
            *stack.credentials.values(),
        ]
        reprs = [
            repr(stack.settings),
            repr(stack.sidecar),
            str(stack.settings),
            repr(stack.sidecar.registry),
        ]

    logs = captured_logs.getvalue()
    assert '"event": "rpc"' in logs  # the capture really holds the RPC lines
    # Metric labels carry neither secrets nor uids nor app credentials.
    assert 'method="LoginWithToken"' in metrics  # the page really holds the RPC series
    assert "cometchat-uid" not in metrics
    for secret in secrets:
        assert secret not in metrics
    assert "upstream_logout_failed" in logs
    assert "credentials_reloaded" in logs
    for secret in secrets:
        assert secret not in logs
        for text in seen_errors + reprs:
            assert secret not in text


async def test_a_run_with_persistent_state_logs_no_token_or_state_key(
    tmp_path: Path, captured_logs: io.StringIO
) -> None:
    old_key, new_key = new_state_key(), new_state_key()
    state: dict[str, Any] = {"state_path": tmp_path / "state.db", "revocation_check_seconds": 0.1}
    errors: list[str] = []
    async with live_stack(tmp_path, state_key=Secret(old_key), **state) as stack:
        token = stack.emulator.mint_token("cometchat-uid-2")
        async with grpc.aio.insecure_channel(stack.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            app_a = AppClient(stub, stack.metadata("app-a"))
            watch = stub.WatchSession(auth_pb2.WatchSessionRequest(), metadata=app_a.metadata)
            await watch.read()
            await app_a.login_with_token(token)
            stack.emulator.revoke_token("cometchat-uid-2", token)
            async with asyncio.timeout(10):
                while "session_revoked" not in captured_logs.getvalue():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            await app_a.login("cometchat-uid-1")
            watch.cancel()
        reprs = [repr(stack.settings), repr(stack.sidecar.service)]
    # A restart with the wrong key, and one that rotates.
    for key, previous in ((new_key, None), (new_key, old_key)):
        try:
            async with live_stack(
                tmp_path,
                state_key=Secret(key),
                state_previous_key=Secret(previous) if previous else None,
                **state,
            ):
                pass
        except ConfigError as error:
            errors.append(str(error))
    try:
        async with live_stack(
            tmp_path,
            state_backend="redis",
            redis_url=Secret("redis://:redis-password-123@127.0.0.1:1/0"),
            state_key=Secret(new_key),
        ):
            pass
    except ConfigError as error:
        errors.append(str(error))

    logs = captured_logs.getvalue()
    assert "state_key_rotated" in logs  # the capture really holds the state lines
    assert len(errors) == 2  # the wrong key, the unreachable Redis
    for secret in (old_key, new_key, token, "redis-password-123"):
        assert secret not in logs
        for text in errors + reprs:
            assert secret not in text


async def test_call_tokens_and_issued_tokens_reach_no_log_metric_or_error(
    tmp_path: Path, captured_logs: io.StringIO
) -> None:
    from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc
    from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc

    from sidecar.service.tokens import fingerprint

    policy = (
        '[apps.app-a]\ncall_session_prefix = "room-"\ncall_token_burst = 2\n'
        "call_tokens_per_second = 0.01\nissue_tokens = true\nrevoke_all = true\n"
    )
    seen_errors: list[str] = []
    async with (
        live_stack(tmp_path, policy=policy) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        metadata = stack.metadata("app-a")
        auth = AppClient(auth_pb2_grpc.AuthServiceStub(channel), metadata)
        calls = calls_pb2_grpc.CallsServiceStub(channel)
        tokens = tokens_pb2_grpc.AuthTokenServiceStub(channel)

        def call_token(session_id: str) -> Any:
            request = calls_pb2.GenerateCallTokenRequest(session_id=session_id)
            return calls.GenerateCallToken(request, metadata=metadata, timeout=10)

        issued = await tokens.IssueAuthToken(
            tokens_pb2.IssueAuthTokenRequest(uid="secret-hygiene-1", create_if_missing=True),
            metadata=metadata,
        )
        again = await tokens.IssueAuthToken(
            tokens_pb2.IssueAuthTokenRequest(uid="secret-hygiene-1"), metadata=metadata
        )
        await auth.login_with_token(issued.auth_token)
        call_tokens = [(await call_token(f"room-{n}")).call_token for n in range(2)]
        for failing in (
            call_token("room-3"),  # over the rate
            call_token("elsewhere-1"),  # outside the prefix
            tokens.RevokeAuthToken(
                tokens_pb2.RevokeAuthTokenRequest(
                    uid="secret-hygiene-1", auth_token=f"{issued.auth_token}x"
                ),
                metadata=metadata,
            ),
            auth.login_with_token(f"{again.auth_token} x"),
        ):
            seen_errors.append((await fails(failing)).message)
        await tokens.RevokeAuthToken(
            tokens_pb2.RevokeAuthTokenRequest(uid="secret-hygiene-1", auth_token=issued.auth_token),
            metadata=metadata,
        )
        # The revoked session's token, refused by C1 on the next try.
        await auth.login_with_token(again.auth_token)
        stack.emulator.revoke_all_tokens("secret-hygiene-1")
        await asyncio.sleep(0)
        seen_errors.append((await fails(call_token("room-4"))).message)
        await tokens.RevokeAllAuthTokens(
            tokens_pb2.RevokeAllAuthTokensRequest(uid="secret-hygiene-1"), metadata=metadata
        )
        async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
            metrics = (await ops.get("/metrics")).text

    secrets = [issued.auth_token, again.auth_token, *call_tokens]
    logs = captured_logs.getvalue()
    assert 'method="GenerateCallToken"' in metrics  # the page holds the new RPCs' series
    assert 'method="RevokeAllAuthTokens"' in metrics
    for text in ("secret-hygiene-1", "room-", "elsewhere-1"):
        assert text not in metrics  # no uid or session id in a label
    # Only fingerprints: the issued token's SHA-256 is what the log names.
    assert fingerprint(issued.auth_token) in logs
    for secret in secrets:
        assert secret not in logs
        assert secret not in metrics
        for text in seen_errors:
            assert secret not in text
    # The call token's payload carries the auth token: no piece of it is logged either.
    for call in call_tokens:
        for part in call.split("."):
            assert part not in logs
