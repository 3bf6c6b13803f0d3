"""A small in-process sidecar (AuthService, CallsService, AuthTokenService, Health).

It speaks the sidecar's wire contract (rich statuses with ErrorInfo/RetryInfo,
bearer credentials, the health service) so the real client wrapper can be
exercised end to end without the sidecar.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent import futures
from dataclasses import dataclass, field

import grpc
from cometchat_sidecar import AUTH_SERVICE_NAME
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc
from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_status import rpc_status


def rich_status(
    code: int,
    message: str,
    reason: str | None = None,
    domain: str = "cometchat-sidecar",
    metadata: dict[str, str] | None = None,
    retry_delay: float | None = None,
) -> grpc.Status:
    details = []
    if reason is not None:
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason=reason, domain=domain, metadata=metadata))
        details.append(info)
    if retry_delay is not None:
        retry = any_pb2.Any()
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(retry_delay * 1e9))
        retry.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        details.append(retry)
    return rpc_status.to_status(status_pb2.Status(code=code, message=message, details=details))


@dataclass
class Seen:
    """What one call carried to the server."""

    method: str
    metadata: dict[str, str]
    time_remaining: float


class FakeAuth(auth_pb2_grpc.AuthServiceServicer):
    """Login behaviour is keyed on the uid, to script each error shape."""

    def __init__(self, credential: str | None) -> None:
        self.credential = credential
        self.calls: list[Seen] = []
        self._user: auth_pb2.CallsUser | None = None
        self._watchers: list[queue.Queue[auth_pb2.WatchSessionResponse | None]] = []
        self._lock = threading.Lock()
        #: Set when a WatchSession call has ended on the server (cancelled or done).
        self.watch_ended = threading.Event()
        #: The credential-checked entry of every service (shared with the fakes below).
        self.enter = self._enter

    @property
    def user(self) -> auth_pb2.CallsUser | None:
        return self._user

    @user.setter
    def user(self, user: auth_pb2.CallsUser | None) -> None:
        change = auth_pb2.SESSION_CHANGE_LOGGED_IN if user else auth_pb2.SESSION_CHANGE_LOGGED_OUT
        self.publish(change, user)

    def publish(self, change: int, user: auth_pb2.CallsUser | None) -> None:
        """Set the session and tell every watcher, as the sidecar's watcher hub does."""
        with self._lock:
            self._user = user
            for watcher in self._watchers:
                watcher.put(auth_pb2.WatchSessionResponse(change=change, user=user))

    def end_watches(self) -> None:
        """End every watch with OK, as the sidecar does when it shuts down."""
        with self._lock:
            for watcher in self._watchers:
                watcher.put(None)

    def watcher_count(self) -> int:
        with self._lock:
            return len(self._watchers)

    def _enter(self, method: str, context: grpc.ServicerContext) -> None:
        metadata = {key: value for key, value in context.invocation_metadata()}
        self.calls.append(Seen(method, metadata, context.time_remaining()))
        if self.credential is None:
            return
        header = metadata.get("authorization")
        if header is None:
            context.abort_with_status(
                rich_status(
                    code_pb2.UNAUTHENTICATED, "no credential", "ERROR_MISSING_APP_CREDENTIAL"
                )
            )
        if header != f"Bearer {self.credential}":
            context.abort_with_status(
                rich_status(
                    code_pb2.UNAUTHENTICATED, "unknown credential", "ERROR_UNKNOWN_APP_CREDENTIAL"
                )
            )

    def Login(self, request, context):
        self._enter("Login", context)
        uid = request.uid
        if " " in uid:
            context.abort_with_status(
                rich_status(
                    code_pb2.INVALID_ARGUMENT,
                    "UID cannot contain spaces",
                    "ERROR_UID_WITH_SPACE",
                    metadata={"field": "uid"},
                )
            )
        if uid == "busy":
            context.abort_with_status(
                rich_status(
                    code_pb2.ABORTED,
                    "Login is already in progress",
                    "ERROR_LOGIN_IN_PROGRESS",
                    retry_delay=1.5,
                )
            )
        if uid == "ghost":
            context.abort_with_status(
                rich_status(
                    code_pb2.NOT_FOUND,
                    "The UID does not exist",
                    "ERR_UID_NOT_FOUND",
                    domain="cometchat-api",
                    metadata={"uid": "ghost", "http_status": "404"},
                )
            )
        if uid == "plain":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "a status without details")
        if uid == "slow":
            time.sleep(1.0)
        self.user = auth_pb2.CallsUser(
            uid=uid, name=f"User {uid}", status=auth_pb2.USER_STATUS_ONLINE
        )
        return auth_pb2.LoginResponse(user=self.user)

    def LoginWithToken(self, request, context):
        self._enter("LoginWithToken", context)
        if not request.auth_token.strip():
            context.abort_with_status(
                rich_status(
                    code_pb2.INVALID_ARGUMENT, "Auth token cannot be empty", "ERROR_BLANK_AUTHTOKEN"
                )
            )
        self.user = auth_pb2.CallsUser(uid=f"token-{request.auth_token}", name="Token User")
        return auth_pb2.LoginWithTokenResponse(user=self.user)

    def GetLoggedInUser(self, request, context):
        self._enter("GetLoggedInUser", context)
        return auth_pb2.GetLoggedInUserResponse(user=self.user)

    def WatchSession(self, request, context):
        self._enter("WatchSession", context)
        if not context.is_active():
            return
        events: queue.Queue[auth_pb2.WatchSessionResponse | None] = queue.Queue()
        context.add_callback(self.watch_ended.set)
        with self._lock:
            self._watchers.append(events)
            current = auth_pb2.WatchSessionResponse(
                change=auth_pb2.SESSION_CHANGE_CURRENT, user=self._user
            )
        try:
            yield current
            while context.is_active():
                try:
                    event = events.get(timeout=0.05)
                except queue.Empty:
                    continue
                if event is None:
                    return
                if event.change == 99:  # scripted: fail the stream
                    context.abort_with_status(
                        rich_status(code_pb2.INTERNAL, "the watch broke", "INTERNAL")
                    )
                yield event
        finally:
            with self._lock:
                self._watchers.remove(events)

    def Logout(self, request, context):
        self._enter("Logout", context)
        if self.user is None:
            context.abort_with_status(
                rich_status(
                    code_pb2.FAILED_PRECONDITION,
                    "No user is currently logged in",
                    "ERROR_NO_USER_LOGGED_IN",
                )
            )
        self.user = None
        return auth_pb2.LogoutResponse()


class FakeCalls(calls_pb2_grpc.CallsServiceServicer):
    """GenerateCallToken with the sidecar's checks, in its order."""

    def __init__(self, auth: FakeAuth) -> None:
        self.auth = auth

    def GenerateCallToken(self, request, context):
        self.auth.enter("GenerateCallToken", context)
        session_id = request.session_id
        if not session_id.strip():
            context.abort_with_status(
                rich_status(
                    code_pb2.INVALID_ARGUMENT,
                    "Session ID cannot be empty",
                    "ERROR_SESSION_ID_MISSING",
                )
            )
        user = self.auth.user
        if user is None:
            context.abort_with_status(
                rich_status(
                    code_pb2.FAILED_PRECONDITION,
                    "Auth token is required. Please login first or provide authToken.",
                    "ERROR_AUTH_TOKEN_MISSING",
                )
            )
        if not session_id.startswith("app:"):
            context.abort_with_status(
                rich_status(
                    code_pb2.PERMISSION_DENIED,
                    "this app may not make call tokens for that session",
                    "ERROR_SESSION_ID_NOT_ALLOWED",
                )
            )
        if session_id == "app:flood":
            context.abort_with_status(
                rich_status(
                    code_pb2.RESOURCE_EXHAUSTED,
                    "too many call tokens",
                    "ERROR_CALL_TOKEN_RATE_LIMITED",
                    retry_delay=0.2,
                )
            )
        return calls_pb2.GenerateCallTokenResponse(
            call_token=f"call-token-for-{session_id}", session_id=session_id, user=user
        )


@dataclass
class FakeTokens(tokens_pb2_grpc.AuthTokenServiceServicer):
    """Issues tokens for uids starting with `cust-`; revokes only what it issued."""

    auth: FakeAuth
    issued: dict[str, str] = field(default_factory=dict)  # token -> uid
    known_uids: set[str] = field(default_factory=lambda: {"cust-1"})

    def IssueAuthToken(self, request, context):
        self.auth.enter("IssueAuthToken", context)
        uid = request.uid
        if not uid.startswith("cust-"):
            context.abort_with_status(
                rich_status(
                    code_pb2.PERMISSION_DENIED,
                    "this app may not issue tokens for that user",
                    "ERROR_UID_NOT_ALLOWED",
                )
            )
        created = False
        if uid not in self.known_uids:
            if not request.create_if_missing:
                context.abort_with_status(
                    rich_status(
                        code_pb2.NOT_FOUND,
                        "The UID does not exist",
                        "ERR_UID_NOT_FOUND",
                        domain="cometchat-api",
                    )
                )
            self.known_uids.add(uid)
            created = True
        token = f"{uid}_issued{len(self.issued)}-{request.name or uid}"
        self.issued[token] = uid
        return tokens_pb2.IssueAuthTokenResponse(
            uid=uid, auth_token=token, created_at=1_700_000_000, user_created=created
        )

    def RevokeAuthToken(self, request, context):
        self.auth.enter("RevokeAuthToken", context)
        if self.issued.get(request.auth_token) != request.uid:
            context.abort_with_status(
                rich_status(
                    code_pb2.PERMISSION_DENIED,
                    "this app did not issue that token",
                    "ERROR_TOKEN_NOT_ISSUED_BY_APP",
                )
            )
        del self.issued[request.auth_token]
        return tokens_pb2.RevokeAuthTokenResponse(sessions_ended=self._end_session_of(request.uid))

    def RevokeAllAuthTokens(self, request, context):
        self.auth.enter("RevokeAllAuthTokens", context)
        if request.uid == "cust-protected":
            context.abort_with_status(
                rich_status(
                    code_pb2.PERMISSION_DENIED,
                    "this app may not revoke all tokens",
                    "ERROR_OPERATION_NOT_ALLOWED",
                )
            )
        for token in [t for t, uid in self.issued.items() if uid == request.uid]:
            del self.issued[token]
        return tokens_pb2.RevokeAllAuthTokensResponse(
            sessions_ended=self._end_session_of(request.uid)
        )

    def _end_session_of(self, uid: str) -> int:
        user = self.auth.user
        if user is None or user.uid != uid:
            return 0
        self.auth.publish(auth_pb2.SESSION_CHANGE_REVOKED, None)
        return 1


@dataclass
class FakeSidecar:
    target: str
    auth: FakeAuth
    health: health.HealthServicer
    server: grpc.Server
    tokens: FakeTokens
    credential: str | None = None

    def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        self.health.set("", status)
        self.health.set(AUTH_SERVICE_NAME, status)


def start_fake(target: str, credential: str | None = None) -> FakeSidecar:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    auth = FakeAuth(credential)
    health_servicer = health.HealthServicer()
    tokens = FakeTokens(auth)
    auth_pb2_grpc.add_AuthServiceServicer_to_server(auth, server)
    calls_pb2_grpc.add_CallsServiceServicer_to_server(FakeCalls(auth), server)
    tokens_pb2_grpc.add_AuthTokenServiceServicer_to_server(tokens, server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port(target)
    if target.endswith(":0"):
        target = f"{target.rsplit(':', 1)[0]}:{port}"
    server.start()
    fake = FakeSidecar(target, auth, health_servicer, server, tokens, credential)
    fake.set_serving(True)
    return fake
