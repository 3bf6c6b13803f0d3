"""The servicers of CallsService and AuthTokenService: decode, call the service, encode. Thin.

Call tokens and auth tokens are secrets: they travel only in the answers, never into the
access log (which names the method, the app and the UID) or an error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from cometchat_sidecar.calls.v1 import calls_pb2
from cometchat_sidecar.tokens.v1 import tokens_pb2

from sidecar.entrypoints.rpc.calls import CallRunner
from sidecar.entrypoints.rpc.servicer import encode_user
from sidecar.service.calls import CallToken, CallTokenService
from sidecar.service.tokens import AuthTokenService

if TYPE_CHECKING:
    import grpc

    _Context = grpc.aio.ServicerContext[Any, Any]

CALLS_SERVICE: Final = calls_pb2.DESCRIPTOR.services_by_name["CallsService"]
TOKENS_SERVICE: Final = tokens_pb2.DESCRIPTOR.services_by_name["AuthTokenService"]


def _call_token_uid(answer: CallToken) -> str:
    return answer.user.uid


def _requested_uid(
    request: tokens_pb2.IssueAuthTokenRequest
    | tokens_pb2.RevokeAuthTokenRequest
    | tokens_pb2.RevokeAllAuthTokensRequest,
) -> str:
    return request.uid


class CallsServicer:
    """`cometchat_sidecar.calls.v1.CallsService` over the call-token service."""

    def __init__(self, service: CallTokenService, calls: CallRunner) -> None:
        self._service = service
        self._calls = calls

    async def GenerateCallToken(
        self, request: calls_pb2.GenerateCallTokenRequest, context: _Context
    ) -> calls_pb2.GenerateCallTokenResponse:
        answer = await self._calls.run(
            request,
            context,
            "GenerateCallToken",
            lambda app: self._service.generate(app, request.session_id),
            uid_of=_call_token_uid,
        )
        return calls_pb2.GenerateCallTokenResponse(
            call_token=answer.token, session_id=answer.session_id, user=encode_user(answer.user)
        )


class AuthTokenServicer:
    """`cometchat_sidecar.tokens.v1.AuthTokenService` over the auth-token service."""

    def __init__(self, service: AuthTokenService, calls: CallRunner) -> None:
        self._service = service
        self._calls = calls

    async def IssueAuthToken(
        self, request: tokens_pb2.IssueAuthTokenRequest, context: _Context
    ) -> tokens_pb2.IssueAuthTokenResponse:
        issued, created = await self._calls.run(
            request,
            context,
            "IssueAuthToken",
            lambda app: self._service.issue(
                app, request.uid, create_if_missing=request.create_if_missing, name=request.name
            ),
            request_uid=_requested_uid,
        )
        return tokens_pb2.IssueAuthTokenResponse(
            uid=issued.uid,
            auth_token=issued.auth_token,
            created_at=issued.created_at,
            user_created=created,
        )

    async def RevokeAuthToken(
        self, request: tokens_pb2.RevokeAuthTokenRequest, context: _Context
    ) -> tokens_pb2.RevokeAuthTokenResponse:
        ended = await self._calls.run(
            request,
            context,
            "RevokeAuthToken",
            lambda app: self._service.revoke(app, request.uid, request.auth_token),
            request_uid=_requested_uid,
        )
        return tokens_pb2.RevokeAuthTokenResponse(sessions_ended=ended)

    async def RevokeAllAuthTokens(
        self, request: tokens_pb2.RevokeAllAuthTokensRequest, context: _Context
    ) -> tokens_pb2.RevokeAllAuthTokensResponse:
        ended = await self._calls.run(
            request,
            context,
            "RevokeAllAuthTokens",
            lambda app: self._service.revoke_all(app, request.uid),
            request_uid=_requested_uid,
        )
        return tokens_pb2.RevokeAllAuthTokensResponse(sessions_ended=ended)
