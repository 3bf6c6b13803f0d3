"""Call tokens for an app's logged-in session: the Calls SDK's `generateToken(sessionId)`.

Checks, all before any network call: the app's grant (its policy sets
`call_session_prefix`), then the SDK's own in its JS v5 order (an empty or blank session
id, nobody logged in), then the sidecar's (the session id's shape, the app's prefix, the
app's call-token rate). A call token is never cached: each request makes a new one with
the session's own auth token, so no token can be handed to another app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sidecar.domain.errors import SidecarError, fail
from sidecar.domain.model import AppIdentity, CallsUser
from sidecar.domain.policy import SESSION_ID_CHARACTERS, SESSION_ID_MAX_LENGTH, Operation
from sidecar.service.ports import CallTokenGateway
from sidecar.service.ratelimit import TokenBuckets
from sidecar.service.sessions import REVOKED_REASONS, SessionService


@dataclass(frozen=True, slots=True)
class CallToken:
    """A call token and whom it is for. The token is a secret: never in a repr."""

    token: str = field(repr=False)
    session_id: str
    user: CallsUser


def check_session_id(session_id: str) -> None:
    """The sidecar's own shape check of a (non-blank) call session id."""
    if len(session_id) > SESSION_ID_MAX_LENGTH or not SESSION_ID_CHARACTERS.fullmatch(session_id):
        raise fail("ERROR_INVALID_SESSION_ID")


class CallTokenService:
    """GenerateCallToken for each calling app, on the app's own session."""

    def __init__(
        self,
        sessions: SessionService,
        gateway: CallTokenGateway,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._gateway = gateway
        self._buckets = TokenBuckets(clock=clock)

    async def generate(self, app: AppIdentity, session_id: str) -> CallToken:
        policy = self._sessions.policy.require(app.name, Operation.GENERATE_CALL_TOKEN)
        if not session_id.strip():
            raise fail("ERROR_SESSION_ID_MISSING")
        session = await self._sessions.session_of(app.name)
        if session is None:
            raise fail("ERROR_AUTH_TOKEN_MISSING")
        check_session_id(session_id)
        if not policy.may_call_in(session_id):
            raise fail("ERROR_SESSION_ID_NOT_ALLOWED")
        wait = self._buckets.take(app.name, policy.call_tokens_per_second, policy.call_token_burst)
        if wait is not None:
            raise fail("ERROR_CALL_TOKEN_RATE_LIMITED", retry_after=wait)
        try:
            token = await self._gateway.create_call_token(session.auth_token, session_id)
        except SidecarError as error:
            if error.reason in REVOKED_REASONS:
                # CometChat no longer knows the session's token: it was revoked.
                await self._sessions.drop_revoked(app.name, session.auth_token)
            raise
        return CallToken(token, session_id, session.user)
