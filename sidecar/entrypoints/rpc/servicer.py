"""The gRPC servicer: decode, call the session service, encode, map errors. Thin."""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from sidecar.adapters.cometchat.deadline import set_deadline_in
from sidecar.domain.errors import SidecarError, fail
from sidecar.domain.events import Change
from sidecar.domain.model import AppIdentity, CallsUser, UserStatus
from sidecar.entrypoints.rpc.access_log import RpcObserver, record_rpc
from sidecar.entrypoints.rpc.identity import current_app
from sidecar.entrypoints.rpc.status import to_status
from sidecar.service.sessions import SessionService

if TYPE_CHECKING:
    _Context = grpc.aio.ServicerContext[Any, Any]

_STATUS: Final = {
    UserStatus.UNSPECIFIED: auth_pb2.USER_STATUS_UNSPECIFIED,
    UserStatus.ONLINE: auth_pb2.USER_STATUS_ONLINE,
    UserStatus.OFFLINE: auth_pb2.USER_STATUS_OFFLINE,
}
_CHANGE: Final = {
    Change.CURRENT: auth_pb2.SESSION_CHANGE_CURRENT,
    Change.LOGGED_IN: auth_pb2.SESSION_CHANGE_LOGGED_IN,
    Change.LOGGED_OUT: auth_pb2.SESSION_CHANGE_LOGGED_OUT,
    Change.REVOKED: auth_pb2.SESSION_CHANGE_REVOKED,
}
# A UID in a log line is shortened: hostile input should not make huge lines.
_LOGGED_UID_MAX: Final = 128


def encode_user(user: CallsUser) -> auth_pb2.CallsUser:
    return auth_pb2.CallsUser(
        uid=user.uid, name=user.name, avatar=user.avatar, status=_STATUS[user.status]
    )


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    """`cometchat_sidecar.auth.v1.AuthService` over the session service."""

    def __init__(self, service: SessionService, metrics: RpcObserver | None = None) -> None:
        self._service = service
        self._metrics = metrics

    async def Login(
        self, request: auth_pb2.LoginRequest, context: _Context
    ) -> auth_pb2.LoginResponse:
        user = await _run(
            context,
            self._metrics,
            "Login",
            request.uid,
            lambda app: self._service.login(app, request.uid, request.api_key),
        )
        assert user is not None
        return auth_pb2.LoginResponse(user=encode_user(user))

    async def LoginWithToken(
        self, request: auth_pb2.LoginWithTokenRequest, context: _Context
    ) -> auth_pb2.LoginWithTokenResponse:
        user = await _run(
            context,
            self._metrics,
            "LoginWithToken",
            None,
            lambda app: self._service.login_with_token(app, request.auth_token),
        )
        assert user is not None
        return auth_pb2.LoginWithTokenResponse(user=encode_user(user))

    async def GetLoggedInUser(
        self, request: auth_pb2.GetLoggedInUserRequest, context: _Context
    ) -> auth_pb2.GetLoggedInUserResponse:
        user = await _run(
            context, self._metrics, "GetLoggedInUser", None, self._service.get_logged_in_user
        )
        if user is None:
            return auth_pb2.GetLoggedInUserResponse()
        return auth_pb2.GetLoggedInUserResponse(user=encode_user(user))

    async def Logout(
        self, request: auth_pb2.LogoutRequest, context: _Context
    ) -> auth_pb2.LogoutResponse:
        await _run(context, self._metrics, "Logout", None, self._service.logout)
        return auth_pb2.LogoutResponse()

    async def WatchSession(
        self, request: auth_pb2.WatchSessionRequest, context: _Context
    ) -> AsyncIterator[auth_pb2.WatchSessionResponse]:
        # Subscribed before the current state is read, so no change falls in between.
        with self._service.watch(current_app.get()) as watch:
            user = await _run(
                context, self._metrics, "WatchSession", None, self._service.get_logged_in_user
            )
            yield _watch_message(Change.CURRENT, user)
            while (event := await watch.next()) is not None:
                yield _watch_message(event.change, event.user)


def _watch_message(change: Change, user: CallsUser | None) -> auth_pb2.WatchSessionResponse:
    message = auth_pb2.WatchSessionResponse(change=_CHANGE[change])
    if user is not None:
        message.user.CopyFrom(encode_user(user))
    return message


async def _run(
    context: _Context,
    metrics: RpcObserver | None,
    method: str,
    requested_uid: str | None,
    call: Callable[[AppIdentity], Awaitable[CallsUser | None]],
) -> CallsUser | None:
    """Run one RPC's service call; log exactly one line for it; map its error."""
    app = current_app.get()
    started = time.perf_counter()
    uid = requested_uid[:_LOGGED_UID_MAX] if requested_uid is not None else None
    # Upstream calls made for this RPC stop before the caller gives up.
    set_deadline_in(context.time_remaining())

    def log(reason: str, code: str, **extra: object) -> None:
        record_rpc(
            metrics,
            method=method,
            app=app.name,
            uid=uid,
            reason=reason,
            code=code,
            seconds=time.perf_counter() - started,
            **extra,
        )

    try:
        user = await call(app)
    except SidecarError as error:
        log(error.reason, error.spec.code)
        await context.abort_with_status(to_status(error))
        raise  # unreachable: abort_with_status raises
    except asyncio.CancelledError:
        log("CANCELLED", "CANCELLED")
        raise
    except Exception as error:
        # Only the type and the frames: an exception's text may quote what was sent.
        frames = [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(error.__traceback__)]
        log("INTERNAL", "INTERNAL", error_type=type(error).__name__, frames=frames[-5:])
        await context.abort_with_status(to_status(fail("INTERNAL")))
        raise  # unreachable
    if user is not None and uid is None:
        uid = user.uid
    log("OK", "OK")
    return user
