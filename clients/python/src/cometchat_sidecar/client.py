"""Thin sync and asyncio clients for the sidecar's services.

They cover AuthService (logins, the session watch), CallsService (call tokens)
and AuthTokenService (issuing and revoking auth tokens).

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
import weakref
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

import grpc
import grpc.aio
from grpc_health.v1 import health_pb2_grpc

from ._health import AUTH_SERVICE_NAME, ReadinessProbe
from ._interceptors import AsyncInterceptor, SyncInterceptor, auth_metadata
from .auth.v1 import auth_pb2, auth_pb2_grpc
from .calls.v1 import calls_pb2, calls_pb2_grpc
from .errors import SidecarError
from .results import CallToken, IssuedAuthToken
from .tokens.v1 import tokens_pb2, tokens_pb2_grpc
from .watch import AsyncSessionWatch, SessionWatch

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

_Request = TypeVar("_Request")
_Response = TypeVar("_Response")


def _call(
    method: grpc.UnaryUnaryMultiCallable[_Request, _Response],
    request: _Request,
    timeout: float | None,
) -> _Response:
    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as err:
        raise SidecarError.from_rpc_error(err) from err


async def _acall(
    method: grpc.aio.UnaryUnaryMultiCallable[_Request, _Response],
    request: _Request,
    timeout: float | None,  # noqa: ASYNC109 (a gRPC deadline, sent to the server)
) -> _Response:
    try:
        return await method(request, timeout=timeout)
    except grpc.RpcError as err:
        raise SidecarError.from_rpc_error(err) from err


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
        self._calls = calls_pb2_grpc.CallsServiceStub(self._channel)
        self._tokens = tokens_pb2_grpc.AuthTokenServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        # WatchSession lives as long as the caller wants, so not through the
        # interceptor's default deadline: its own stub sends the credential itself.
        self._watch_stub = auth_pb2_grpc.AuthServiceStub(self._raw_channel)
        self._metadata = auth_metadata(credential or None)
        self._watches: weakref.WeakSet[SessionWatch] = weakref.WeakSet()

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
        return _call(self._stub.Login, request, timeout).user

    def login_with_token(self, token: str, *, timeout: float | None = None) -> auth_pb2.CallsUser:
        """Log a user in with a CometChat auth token created elsewhere."""
        request = auth_pb2.LoginWithTokenRequest(auth_token=token)
        return _call(self._stub.LoginWithToken, request, timeout).user

    def get_logged_in_user(self, *, timeout: float | None = None) -> auth_pb2.CallsUser | None:
        """The user logged in for this app, or ``None`` when nobody is."""
        request = auth_pb2.GetLoggedInUserRequest()
        return _user_or_none(_call(self._stub.GetLoggedInUser, request, timeout))

    def logout(self, *, timeout: float | None = None) -> None:
        """Log this app's user out (``ERROR_NO_USER_LOGGED_IN`` when nobody is)."""
        _call(self._stub.Logout, auth_pb2.LogoutRequest(), timeout)

    def watch_session(self, *, timeout: float | None = None) -> SessionWatch:
        """Watch this app's session: an iterator of :class:`SessionEvent`.

        The first event is the current state (``SessionChange.CURRENT``), then
        one follows per change (``LOGGED_IN``, ``LOGGED_OUT``, ``REVOKED``).
        Unlike the other methods there is no deadline unless ``timeout`` is
        given. The loop stops when the watch is cancelled (``cancel()`` or
        leaving its ``with`` block) or when the sidecar shuts down; other
        failures raise :class:`SidecarError`.
        """
        call = self._watch_stub.WatchSession(
            auth_pb2.WatchSessionRequest(), timeout=timeout, metadata=self._metadata
        )
        watch = SessionWatch(call)
        self._watches.add(watch)
        return watch

    def generate_call_token(self, session_id: str, *, timeout: float | None = None) -> CallToken:
        """A call token for call session ``session_id``, for this app's logged-in user."""
        request = calls_pb2.GenerateCallTokenRequest(session_id=session_id)
        return CallToken.from_response(_call(self._calls.GenerateCallToken, request, timeout))

    def issue_auth_token(
        self,
        uid: str,
        create_if_missing: bool = False,
        name: str = "",
        *,
        timeout: float | None = None,
    ) -> IssuedAuthToken:
        """A new CometChat auth token for ``uid`` (the app needs the ``issue_tokens`` grant).

        With ``create_if_missing`` a user CometChat does not know is created
        first, named ``name`` (the UID when empty).
        """
        request = tokens_pb2.IssueAuthTokenRequest(
            uid=uid, create_if_missing=create_if_missing, name=name
        )
        return IssuedAuthToken.from_response(_call(self._tokens.IssueAuthToken, request, timeout))

    def revoke_auth_token(self, uid: str, auth_token: str, *, timeout: float | None = None) -> int:
        """Revoke one auth token this app issued for ``uid``.

        Returns how many of this app's sessions held it and were ended (0 or 1).
        """
        request = tokens_pb2.RevokeAuthTokenRequest(uid=uid, auth_token=auth_token)
        return _call(self._tokens.RevokeAuthToken, request, timeout).sessions_ended

    def revoke_all_auth_tokens(self, uid: str, *, timeout: float | None = None) -> int:
        """Revoke every auth token of ``uid`` (the app needs the ``revoke_all`` grant).

        Returns how many of this app's sessions were of this user and were ended.
        """
        request = tokens_pb2.RevokeAllAuthTokensRequest(uid=uid)
        return _call(self._tokens.RevokeAllAuthTokens, request, timeout).sessions_ended

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
        """Close the channel. Calls in flight are cancelled; open watches just end."""
        for watch in list(self._watches):
            watch.cancel()
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
        self._calls = calls_pb2_grpc.CallsServiceStub(self._channel)
        self._tokens = tokens_pb2_grpc.AuthTokenServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        # The interceptor covers unary calls only: WatchSession sends the
        # credential itself, and has no default deadline.
        self._metadata = auth_metadata(credential or None)
        self._watches: weakref.WeakSet[AsyncSessionWatch] = weakref.WeakSet()

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
        return (await _acall(self._stub.Login, request, timeout)).user

    async def login_with_token(
        self,
        token: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> auth_pb2.CallsUser:
        """Log a user in with a CometChat auth token created elsewhere."""
        request = auth_pb2.LoginWithTokenRequest(auth_token=token)
        return (await _acall(self._stub.LoginWithToken, request, timeout)).user

    async def get_logged_in_user(
        self,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> auth_pb2.CallsUser | None:
        """The user logged in for this app, or ``None`` when nobody is."""
        request = auth_pb2.GetLoggedInUserRequest()
        return _user_or_none(await _acall(self._stub.GetLoggedInUser, request, timeout))

    async def logout(
        self,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> None:
        """Log this app's user out (``ERROR_NO_USER_LOGGED_IN`` when nobody is)."""
        await _acall(self._stub.Logout, auth_pb2.LogoutRequest(), timeout)

    def watch_session(
        self,
        *,
        timeout: float | None = None,
    ) -> AsyncSessionWatch:
        """Watch this app's session: an async iterator of :class:`SessionEvent`.

        As :meth:`SidecarClient.watch_session`; ``async for`` over it, inside
        ``async with`` so that leaving the block cancels the call.
        """
        call = self._stub.WatchSession(
            auth_pb2.WatchSessionRequest(), timeout=timeout, metadata=self._metadata
        )
        watch = AsyncSessionWatch(call)
        self._watches.add(watch)
        return watch

    async def generate_call_token(
        self,
        session_id: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> CallToken:
        """A call token for call session ``session_id``, for this app's logged-in user."""
        request = calls_pb2.GenerateCallTokenRequest(session_id=session_id)
        return CallToken.from_response(
            await _acall(self._calls.GenerateCallToken, request, timeout)
        )

    async def issue_auth_token(
        self,
        uid: str,
        create_if_missing: bool = False,
        name: str = "",
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> IssuedAuthToken:
        """A new CometChat auth token for ``uid`` (the app needs the ``issue_tokens`` grant)."""
        request = tokens_pb2.IssueAuthTokenRequest(
            uid=uid, create_if_missing=create_if_missing, name=name
        )
        return IssuedAuthToken.from_response(
            await _acall(self._tokens.IssueAuthToken, request, timeout)
        )

    async def revoke_auth_token(
        self,
        uid: str,
        auth_token: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> int:
        """Revoke one auth token this app issued; how many of its sessions ended."""
        request = tokens_pb2.RevokeAuthTokenRequest(uid=uid, auth_token=auth_token)
        return (await _acall(self._tokens.RevokeAuthToken, request, timeout)).sessions_ended

    async def revoke_all_auth_tokens(
        self,
        uid: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> int:
        """Revoke every auth token of ``uid``; how many of this app's sessions ended."""
        request = tokens_pb2.RevokeAllAuthTokensRequest(uid=uid)
        return (await _acall(self._tokens.RevokeAllAuthTokens, request, timeout)).sessions_ended

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
        """Close the channel. Calls in flight are cancelled; open watches just end."""
        for watch in list(self._watches):
            watch.cancel()
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
