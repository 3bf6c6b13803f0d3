from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.grpc_helpers import Failure, failure_of
from tests.stack import Stack, live_stack


class AppClient:
    """One app's view of the sidecar: its credential on every call."""

    def __init__(self, stub: auth_pb2_grpc.AuthServiceAsyncStub, metadata: Any) -> None:
        self.stub = stub
        self.metadata = metadata

    async def login(self, uid: str, api_key: str = "") -> auth_pb2.CallsUser:
        response = await self.stub.Login(
            auth_pb2.LoginRequest(uid=uid, api_key=api_key), metadata=self.metadata, timeout=10
        )
        return response.user

    async def login_with_token(self, token: str) -> auth_pb2.CallsUser:
        response = await self.stub.LoginWithToken(
            auth_pb2.LoginWithTokenRequest(auth_token=token), metadata=self.metadata, timeout=10
        )
        return response.user

    async def whoami(self) -> auth_pb2.CallsUser | None:
        response = await self.stub.GetLoggedInUser(
            auth_pb2.GetLoggedInUserRequest(), metadata=self.metadata, timeout=10
        )
        return response.user if response.HasField("user") else None

    async def logout(self) -> None:
        await self.stub.Logout(auth_pb2.LogoutRequest(), metadata=self.metadata, timeout=10)


async def fails(call: Awaitable[Any]) -> Failure:
    """Await a call that must fail; return its decoded failure."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return failure_of(caught.value)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with live_stack(tmp_path) as running:
        yield running


@pytest.fixture
async def channel(stack: Stack) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(stack.address) as opened:
        yield opened


@pytest.fixture
def app_client(stack: Stack, channel: grpc.aio.Channel) -> Callable[[str], AppClient]:
    stub = auth_pb2_grpc.AuthServiceStub(channel)
    return lambda app: AppClient(stub, stack.metadata(app))


@pytest.fixture
def app_a(app_client: Callable[[str], AppClient]) -> AppClient:
    return app_client("app-a")


@pytest.fixture
def app_b(app_client: Callable[[str], AppClient]) -> AppClient:
    return app_client("app-b")
