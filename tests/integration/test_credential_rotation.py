"""Hashed TCP credentials are re-read while serving; a rotation overlaps for a window."""

from __future__ import annotations

import asyncio
import io
import secrets
import time
from pathlib import Path

import grpc
import pytest
import structlog
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.adapters.credentials import hash_credential
from sidecar.domain.errors import ConfigError
from sidecar.logs import configure_logging
from tests.grpc_helpers import failure_of
from tests.stack import Stack, live_stack


async def _answer(stub: auth_pb2_grpc.AuthServiceAsyncStub, credential: str) -> str:
    """OK, or the reason the call was refused with."""
    try:
        await stub.GetLoggedInUser(
            auth_pb2.GetLoggedInUserRequest(),
            metadata=(("authorization", f"Bearer {credential}"),),
            timeout=10,
        )
    except grpc.aio.AioRpcError as error:
        return failure_of(error).reason
    return "OK"


async def _until(stub: auth_pb2_grpc.AuthServiceAsyncStub, credential: str, answer: str) -> float:
    """Poll until `credential` gets `answer` (bounded); returns when it did."""
    async with asyncio.timeout(30):
        while await _answer(stub, credential) != answer:  # noqa: ASYNC110 - polls the sidecar
            await asyncio.sleep(0.05)
    return time.monotonic()


def _rotate(stack: Stack, workdir: Path, app: str) -> str:
    new = secrets.token_urlsafe(24)
    (workdir / "apps" / app).write_text(hash_credential(new) + "\n")
    return new


async def test_a_rotated_credential_works_without_a_restart_and_the_old_one_expires(
    tmp_path: Path,
) -> None:
    window = 3.0
    async with live_stack(
        tmp_path, credential_poll_seconds=0.1, credential_rotation_seconds=window
    ) as stack:
        old = stack.credentials["app-a"]
        async with grpc.aio.insecure_channel(stack.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            assert await _answer(stub, old) == "OK"

            rotated_at = time.monotonic()
            new = _rotate(stack, tmp_path, "app-a")
            await _until(stub, new, "OK")
            still_inside = time.monotonic() - rotated_at < window
            old_answer = await _answer(stub, old)
            expired_at = await _until(stub, old, "ERROR_UNKNOWN_APP_CREDENTIAL")

            assert old_answer == "OK" or not still_inside
            assert expired_at - rotated_at >= window - 0.5  # not before the window (poll slack)
            assert await _answer(stub, new) == "OK"
            assert await _answer(stub, stack.credentials["app-b"]) == "OK"


async def test_a_reload_can_be_asked_for_and_a_removed_app_is_revoked_at_once(
    tmp_path: Path,
) -> None:
    async with (
        live_stack(tmp_path, credential_poll_seconds=3600) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        new = _rotate(stack, tmp_path, "app-a")
        (tmp_path / "apps" / "app-b").unlink()
        assert await _answer(stub, new) == "ERROR_UNKNOWN_APP_CREDENTIAL"  # not polled yet

        changes = stack.sidecar.reload_credentials()

        assert (changes.rotated, changes.removed) == (("app-a",), ("app-b",))
        assert await _answer(stub, new) == "OK"
        assert await _answer(stub, stack.credentials["app-a"]) == "OK"  # inside the window
        assert await _answer(stub, stack.credentials["app-b"]) == "ERROR_UNKNOWN_APP_CREDENTIAL"


async def test_a_broken_credentials_file_keeps_the_credentials_in_force(tmp_path: Path) -> None:
    logs = io.StringIO()
    configure_logging("info", "json", stream=logs)
    try:
        async with live_stack(tmp_path, credential_poll_seconds=0.05) as stack:
            (tmp_path / "apps" / "app-a").write_text("sha256:0123-not-hex\n")
            async with asyncio.timeout(30):
                while "credentials_reload_failed" not in logs.getvalue():  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            with pytest.raises(ConfigError, match="malformed hash"):
                stack.sidecar.reload_credentials()
            async with grpc.aio.insecure_channel(stack.address) as channel:
                stub = auth_pb2_grpc.AuthServiceStub(channel)
                assert await _answer(stub, stack.credentials["app-a"]) == "OK"
    finally:
        structlog.reset_defaults()
