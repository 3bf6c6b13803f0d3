"""WatchSession over a real socket, and revocation seen the way the SDK sees it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
import structlog
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.logs import configure_logging
from tests.integration.conftest import AppClient
from tests.stack import Stack, live_stack

CURRENT = auth_pb2.SESSION_CHANGE_CURRENT
LOGGED_IN = auth_pb2.SESSION_CHANGE_LOGGED_IN
LOGGED_OUT = auth_pb2.SESSION_CHANGE_LOGGED_OUT
REVOKED = auth_pb2.SESSION_CHANGE_REVOKED


class Watcher:
    """A WatchSession stream read in the background into a queue."""

    def __init__(
        self, stub: auth_pb2_grpc.AuthServiceAsyncStub, metadata: tuple[tuple[str, str], ...]
    ) -> None:
        self.call: grpc.aio.UnaryStreamCall[Any, auth_pb2.WatchSessionResponse] = stub.WatchSession(
            auth_pb2.WatchSessionRequest(), metadata=metadata
        )
        self.messages: asyncio.Queue[auth_pb2.WatchSessionResponse | None] = asyncio.Queue()
        self._task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.call:
            await self.messages.put(message)
        await self.messages.put(None)

    async def next(self) -> auth_pb2.WatchSessionResponse | None:
        async with asyncio.timeout(10):
            return await self.messages.get()

    async def close(self) -> None:
        self.call.cancel()
        await asyncio.gather(self._task, return_exceptions=True)


def _uid(message: auth_pb2.WatchSessionResponse | None) -> str | None:
    assert message is not None
    return message.user.uid if message.HasField("user") else None


@pytest.fixture
async def fast_checks(tmp_path: Path) -> AsyncIterator[Stack]:
    async with live_stack(tmp_path, revocation_check_seconds=0.2) as running:
        yield running


async def test_the_first_message_is_the_state_then_one_per_change(
    stack: Stack, channel: grpc.aio.Channel, app_a: AppClient, app_b: AppClient
) -> None:
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    await app_a.login("cometchat-uid-1")
    watcher = Watcher(stub, stack.metadata("app-a"))
    try:
        first = await watcher.next()
        assert first is not None
        assert (first.change, _uid(first)) == (CURRENT, "cometchat-uid-1")

        await app_b.login("cometchat-uid-3")  # another app: not seen here
        await app_a.login("cometchat-uid-2")  # a switch: out, then in
        await app_a.logout()

        seen = [await watcher.next() for _ in range(3)]
        assert [(m.change, _uid(m)) for m in seen if m is not None] == [
            (LOGGED_OUT, None),
            (LOGGED_IN, "cometchat-uid-2"),
            (LOGGED_OUT, None),
        ]
        assert watcher.messages.empty()
    finally:
        await watcher.close()


async def test_a_revocation_through_r7_reaches_the_watcher_and_the_app_is_logged_out(
    fast_checks: Stack,
) -> None:
    stack = fast_checks
    async with grpc.aio.insecure_channel(stack.address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        app_a = AppClient(stub, stack.metadata("app-a"))
        token = stack.emulator.mint_token("cometchat-uid-4")
        await app_a.login_with_token(token)
        watcher = Watcher(stub, stack.metadata("app-a"))
        try:
            assert _uid(await watcher.next()) == "cometchat-uid-4"
            # Revoked the way a backend or the dashboard does it: R7 on the REST API.
            async with httpx.AsyncClient() as http:
                response = await http.delete(
                    f"{stack.emulator.api_url}/v3/users/cometchat-uid-4/auth_tokens/{token}",
                    headers={"apikey": stack.emulator.config.full_access_key},
                )
            assert response.status_code == 200

            revoked = await watcher.next()
            assert revoked is not None
            assert (revoked.change, _uid(revoked)) == (REVOKED, None)
            assert await app_a.whoami() is None
            assert stack.emulator.request_count("R5") >= 1
        finally:
            await watcher.close()


async def test_a_valid_token_survives_the_checks(fast_checks: Stack) -> None:
    stack = fast_checks
    async with grpc.aio.insecure_channel(stack.address) as channel:
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
        await app_a.login("cometchat-uid-1")
        stack.emulator.reset_counts()
        async with asyncio.timeout(10):
            while stack.emulator.request_count("R5") < 3:  # noqa: ASYNC110 - polls the emulator
                await asyncio.sleep(0.05)
        user = await app_a.whoami()
        assert user is not None
        assert user.uid == "cometchat-uid-1"


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging("debug", "json", stream=stream)
    yield stream
    structlog.reset_defaults()


async def test_with_an_auth_key_the_check_is_refused_logged_once_and_stopped(
    tmp_path: Path, captured_logs: io.StringIO
) -> None:
    async with (
        live_stack(tmp_path, held_key="auth-only", revocation_check_seconds=0.1) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
        await app_a.login("cometchat-uid-1")
        async with asyncio.timeout(10):
            while "revocation_check_no_access" not in captured_logs.getvalue():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        checks = stack.emulator.request_count("R5")
        await asyncio.sleep(0.6)  # several intervals: no further R5
        assert stack.emulator.request_count("R5") == checks == 1
        user = await app_a.whoami()
        assert user is not None  # the session is kept
    assert captured_logs.getvalue().count("revocation_check_no_access") == 1


async def test_streams_end_cleanly_when_the_sidecar_stops(tmp_path: Path) -> None:
    async with live_stack(tmp_path) as stack:
        channel = grpc.aio.insecure_channel(stack.address)
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        watchers = [Watcher(stub, stack.metadata(app)) for app in ("app-a", "app-a", "app-b")]
        for watcher in watchers:
            first = await watcher.next()
            assert first is not None
            assert first.change == CURRENT
    # live_stack's exit stopped the sidecar (grace 1 s): every stream ended with OK.
    for watcher in watchers:
        assert await watcher.next() is None
        assert await watcher.call.code() == grpc.StatusCode.OK
    await channel.close()


async def test_watching_needs_an_app_credential(stack: Stack, channel: grpc.aio.Channel) -> None:
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    call = stub.WatchSession(auth_pb2.WatchSessionRequest())
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call.read()
    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
