"""Thin sync and asyncio clients for the sidecar's AuthService.

Both clients apply the app credential (``authorization: Bearer <credential>``)
and a default deadline to every call, turn failed calls into
:class:`~cometchat_sidecar.errors.SidecarError`, and close their channel when
used as (async) context managers::

    with SidecarClient("127.0.0.1:50051", credential="...") as sidecar:
        sidecar.wait_until_ready(timeout=10)
        user = sidecar.login("cometchat-uid-1")
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2_grpc

from ._health import AUTH_SERVICE_NAME, ReadinessProbe
from ._interceptors import AsyncInterceptor, SyncInterceptor
from .auth.v1 import auth_pb2, auth_pb2_grpc
from .errors import SidecarError

__all__ = [
    "AUTH_SERVICE_NAME",
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT",
    "AsyncSidecarClient",
    "SidecarClient",
]

#: Where the sidecar listens by default (plaintext on loopback).
DEFAULT_TARGET: Final = "127.0.0.1:50051"
#: Default deadline of each call, in seconds.
DEFAULT_TIMEOUT: Final = 10.0

# The sidecar is local (loopback or a Unix socket): reconnect quickly after it
# restarts instead of gRPC's default back-off of up to two minutes.
_DEFAULT_OPTIONS: Final[Mapping[str, Any]] = {
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.min_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 1000,
}

ChannelOptions = Iterable[tuple[str, Any]]


def _channel_options(options: ChannelOptions) -> list[tuple[str, Any]]:
    merged = dict(_DEFAULT_OPTIONS)
    merged.update(options)
    return list(merged.items())


def _user_or_none(response: auth_pb2.GetLoggedInUserResponse) -> auth_pb2.CallsUser | None:
    return response.user if response.HasField("user") else None


class SidecarClient:
    """A blocking client for the sidecar.

    Args:
        target: any gRPC target: ``host:port`` (default ``127.0.0.1:50051``) or
            ``unix:///path/to.sock``.
        credential: the app's bearer credential, sent on every call. ``None`` or
            empty sends none (for a sidecar in dev mode).
        timeout: the default deadline of each call in seconds (``None``: no
            deadline). Each method also takes its own ``timeout``.
        options: extra gRPC channel options.
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credential: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        options: ChannelOptions = (),
    ) -> None:
        self._target = target
        self._raw_channel = grpc.insecure_channel(target, options=_channel_options(options))
        self._channel = grpc.intercept_channel(
            self._raw_channel, SyncInterceptor(credential or None, timeout)
        )
        self._stub = auth_pb2_grpc.AuthServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    @property
    def target(self) -> str:
        """The gRPC target this client talks to."""
        return self._target

    @property
    def stub(self) -> auth_pb2_grpc.AuthServiceStub:
        """The generated stub, on the same channel (credential and deadline applied)."""
        return self._stub

    def login(
        self, uid: str, api_key: str = "", *, timeout: float | None = None
    ) -> auth_pb2.CallsUser:
        """Log ``uid`` in. Leave ``api_key`` empty to use the key the sidecar holds."""
        request = auth_pb2.LoginRequest(uid=uid, api_key=api_key)
        try:
            response: auth_pb2.LoginResponse = self._stub.Login(request, timeout=timeout)
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return response.user

    def login_with_token(self, token: str, *, timeout: float | None = None) -> auth_pb2.CallsUser:
        """Log a user in with a CometChat auth token created elsewhere."""
        request = auth_pb2.LoginWithTokenRequest(auth_token=token)
        try:
            response: auth_pb2.LoginWithTokenResponse = self._stub.LoginWithToken(
                request, timeout=timeout
            )
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return response.user

    def get_logged_in_user(self, *, timeout: float | None = None) -> auth_pb2.CallsUser | None:
        """The user logged in for this app, or ``None`` when nobody is."""
        try:
            response: auth_pb2.GetLoggedInUserResponse = self._stub.GetLoggedInUser(
                auth_pb2.GetLoggedInUserRequest(), timeout=timeout
            )
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return _user_or_none(response)

    def logout(self, *, timeout: float | None = None) -> None:
        """Log this app's user out (``ERROR_NO_USER_LOGGED_IN`` when nobody is)."""
        try:
            self._stub.Logout(auth_pb2.LogoutRequest(), timeout=timeout)
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err

    def wait_until_ready(
        self, timeout: float = DEFAULT_TIMEOUT, *, service: str = AUTH_SERVICE_NAME
    ) -> None:
        """Poll the gRPC health check until ``service`` is SERVING.

        Raises:
            SidecarNotReadyError: (also a ``TimeoutError``) when it is not SERVING
                within ``timeout`` seconds; the message says what the last check
                answered.
        """
        probe = ReadinessProbe(self._target, service, timeout)
        while (attempt_timeout := probe.attempt_timeout()) is not None:
            try:
                if probe.serving(self._health.Check(probe.request, timeout=attempt_timeout)):
                    return
            except grpc.RpcError as err:
                probe.failed(err)
            time.sleep(probe.next_delay())
        raise probe.not_ready()

    def close(self) -> None:
        """Close the channel. Calls in flight are cancelled."""
        self._channel.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncSidecarClient:
    """An asyncio client for the sidecar (``grpc.aio``).

    Takes the same arguments as :class:`SidecarClient`; create it while an
    event loop is running and use it from that loop::

        async with AsyncSidecarClient(target, credential=cred) as sidecar:
            await sidecar.wait_until_ready()
            user = await sidecar.login("cometchat-uid-1")
    """

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credential: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        options: ChannelOptions = (),
    ) -> None:
        self._target = target
        self._channel = grpc.aio.insecure_channel(
            target,
            options=_channel_options(options),
            interceptors=[AsyncInterceptor(credential or None, timeout)],
        )
        # On an aio channel the stub is typed as AuthServiceAsyncStub (a .pyi-only
        # class): its methods return awaitables.
        self._stub = auth_pb2_grpc.AuthServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)

    @property
    def target(self) -> str:
        """The gRPC target this client talks to."""
        return self._target

    @property
    def stub(self) -> auth_pb2_grpc.AuthServiceAsyncStub:
        """The generated stub, on the same channel (credential and deadline applied)."""
        return self._stub

    async def login(
        self,
        uid: str,
        api_key: str = "",
        *,
        timeout: float | None = None,  # noqa: ASYNC109 (a gRPC deadline, sent to the server)
    ) -> auth_pb2.CallsUser:
        """Log ``uid`` in. Leave ``api_key`` empty to use the key the sidecar holds."""
        request = auth_pb2.LoginRequest(uid=uid, api_key=api_key)
        try:
            response: auth_pb2.LoginResponse = await self._stub.Login(request, timeout=timeout)
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return response.user

    async def login_with_token(
        self,
        token: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> auth_pb2.CallsUser:
        """Log a user in with a CometChat auth token created elsewhere."""
        request = auth_pb2.LoginWithTokenRequest(auth_token=token)
        try:
            response: auth_pb2.LoginWithTokenResponse = await self._stub.LoginWithToken(
                request, timeout=timeout
            )
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return response.user

    async def get_logged_in_user(
        self,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> auth_pb2.CallsUser | None:
        """The user logged in for this app, or ``None`` when nobody is."""
        try:
            response: auth_pb2.GetLoggedInUserResponse = await self._stub.GetLoggedInUser(
                auth_pb2.GetLoggedInUserRequest(), timeout=timeout
            )
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err
        return _user_or_none(response)

    async def logout(
        self,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Log this app's user out (``ERROR_NO_USER_LOGGED_IN`` when nobody is)."""
        try:
            await self._stub.Logout(auth_pb2.LogoutRequest(), timeout=timeout)
        except grpc.RpcError as err:
            raise SidecarError.from_rpc_error(err) from err

    async def wait_until_ready(
        self,
        timeout: float = DEFAULT_TIMEOUT,  # noqa: ASYNC109 (bounds the whole polling loop)
        *,
        service: str = AUTH_SERVICE_NAME,
    ) -> None:
        """Poll the gRPC health check until ``service`` is SERVING.

        Raises:
            SidecarNotReadyError: (also a ``TimeoutError``) when it is not SERVING
                within ``timeout`` seconds.
        """
        probe = ReadinessProbe(self._target, service, timeout)
        while (attempt_timeout := probe.attempt_timeout()) is not None:
            try:
                response = await self._health.Check(probe.request, timeout=attempt_timeout)
                if probe.serving(response):
                    return
            except grpc.RpcError as err:
                probe.failed(err)
            await asyncio.sleep(probe.next_delay())
        raise probe.not_ready()

    async def close(self) -> None:
        """Close the channel. Calls in flight are cancelled."""
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
