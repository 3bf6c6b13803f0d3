"""The gRPC servicer: decode, call the session service, encode, map errors. Thin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from cometchat_sidecar.auth.v1 import auth_pb2

from sidecar.domain.events import Change
from sidecar.domain.model import CallsUser, UserStatus
from sidecar.entrypoints.rpc.calls import CallRunner
from sidecar.service.sessions import SessionService

if TYPE_CHECKING:
    import grpc

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
AUTH_SERVICE: Final = auth_pb2.DESCRIPTOR.services_by_name["AuthService"]
# GetLoggedInUser answers bytes serialised once per user (see `_answer`).
RAW_RESPONSES: Final = frozenset({"GetLoggedInUser"})
_NOBODY: Final = auth_pb2.GetLoggedInUserResponse().SerializeToString()
# Distinct users whose answer is kept; past this the cache starts again.
_ANSWERS_KEPT: Final = 4096


def encode_user(user: CallsUser) -> auth_pb2.CallsUser:
    return auth_pb2.CallsUser(
        uid=user.uid, name=user.name, avatar=user.avatar, status=_STATUS[user.status]
    )


def _requested_uid(request: auth_pb2.LoginRequest) -> str:
    return request.uid


def _uid(user: CallsUser | None) -> str | None:
    return user.uid if user is not None else None


class AuthServicer:
    """`cometchat_sidecar.auth.v1.AuthService` over the session service."""

    def __init__(self, service: SessionService, calls: CallRunner) -> None:
        self._service = service
        self._calls = calls
        self._answers: dict[CallsUser, bytes] = {}

    async def Login(
        self, request: auth_pb2.LoginRequest, context: _Context
    ) -> auth_pb2.LoginResponse:
        user = await self._calls.run(
            request,
            context,
            "Login",
            lambda app: self._service.login(app, request.uid, request.api_key),
            request_uid=_requested_uid,
        )
        return auth_pb2.LoginResponse(user=encode_user(user))

    async def LoginWithToken(
        self, request: auth_pb2.LoginWithTokenRequest, context: _Context
    ) -> auth_pb2.LoginWithTokenResponse:
        user = await self._calls.run(
            request,
            context,
            "LoginWithToken",
            lambda app: self._service.login_with_token(app, request.auth_token),
            uid_of=_uid,
        )
        return auth_pb2.LoginWithTokenResponse(user=encode_user(user))

    async def GetLoggedInUser(
        self, request: auth_pb2.GetLoggedInUserRequest, context: _Context
    ) -> bytes:
        user = await self._calls.run(
            request,
            context,
            "GetLoggedInUser",
            self._service.get_logged_in_user,
            uid_of=_uid,
            read=True,
            upstream=False,
        )
        return self._answer(user)

    async def Logout(
        self, request: auth_pb2.LogoutRequest, context: _Context
    ) -> auth_pb2.LogoutResponse:
        await self._calls.run(request, context, "Logout", self._service.logout, uid_of=_uid)
        return auth_pb2.LogoutResponse()

    async def WatchSession(
        self, request: auth_pb2.WatchSessionRequest, context: _Context
    ) -> AsyncIterator[auth_pb2.WatchSessionResponse]:
        app = await self._calls.identify(request, context, "WatchSession")
        # Subscribed before the current state is read, so no change falls in between.
        with self._service.watch(app) as watch:
            user = await self._calls.run(
                request,
                context,
                "WatchSession",
                self._service.get_logged_in_user,
                uid_of=_uid,
                read=True,
                upstream=False,
                app=app,
            )
            yield _watch_message(Change.CURRENT, user)
            while (event := await watch.next()) is not None:
                yield _watch_message(event.change, event.user)

    def _answer(self, user: CallsUser | None) -> bytes:
        """The serialised answer for `user`: the same bytes until the session changes."""
        if user is None:
            return _NOBODY
        answer = self._answers.get(user)
        if answer is None:
            if len(self._answers) >= _ANSWERS_KEPT:
                self._answers.clear()
            answer = auth_pb2.GetLoggedInUserResponse(user=encode_user(user)).SerializeToString()
            self._answers[user] = answer
        return answer


def _watch_message(change: Change, user: CallsUser | None) -> auth_pb2.WatchSessionResponse:
    message = auth_pb2.WatchSessionResponse(change=_CHANGE[change])
    if user is not None:
        message.user.CopyFrom(encode_user(user))
    return message
