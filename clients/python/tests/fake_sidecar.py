"""A small in-process AuthService + Health server for the offline tests.

It speaks the sidecar's wire contract (rich statuses with ErrorInfo/RetryInfo,
bearer credentials, the health service) so the real client wrapper can be
exercised end to end without the sidecar.
"""

from __future__ import annotations

import time
from concurrent import futures
from dataclasses import dataclass

import grpc
from cometchat_sidecar import AUTH_SERVICE_NAME
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
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
        self.user: auth_pb2.CallsUser | None = None

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


@dataclass
class FakeSidecar:
    target: str
    auth: FakeAuth
    health: health.HealthServicer
    server: grpc.Server
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
    auth_pb2_grpc.add_AuthServiceServicer_to_server(auth, server)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    port = server.add_insecure_port(target)
    if target.endswith(":0"):
        target = f"{target.rsplit(':', 1)[0]}:{port}"
    server.start()
    fake = FakeSidecar(target, auth, health_servicer, server, credential)
    fake.set_serving(True)
    return fake
