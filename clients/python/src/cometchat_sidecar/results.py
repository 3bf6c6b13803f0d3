"""What the sidecar's calls answer, as typed values.

The secrets among them (a call token, an issued auth token) are left out of
``repr()`` and ``str()``, so logging a result never logs the secret; read the
attribute to hand it on.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .auth.v1 import auth_pb2
from .calls.v1 import calls_pb2
from .tokens.v1 import tokens_pb2

__all__ = ["CallToken", "IssuedAuthToken", "SessionChange", "SessionEvent"]


@dataclass(frozen=True, slots=True)
class CallToken:
    """A call token for one call session, made for the app's logged-in user.

    Attributes:
        call_token: the token (a JWT from CometChat) to hand to the client that
            joins the call. A secret: it is not in ``repr()``.
        session_id: the call session the token is for.
        user: the user the token was made for.
    """

    call_token: str = field(repr=False)
    session_id: str
    user: auth_pb2.CallsUser

    @classmethod
    def from_response(cls, response: calls_pb2.GenerateCallTokenResponse) -> CallToken:
        return cls(
            call_token=response.call_token, session_id=response.session_id, user=response.user
        )


@dataclass(frozen=True, slots=True)
class IssuedAuthToken:
    """A new CometChat auth token for a user, from ``issue_auth_token``.

    Attributes:
        uid: the user's UID as CometChat stores it (lower-cased).
        auth_token: the token; the client logs in with it. A secret, returned
            once: it is not in ``repr()``.
        created_at: when CometChat created it (UTC).
        user_created: whether this call created the user (``create_if_missing``).
    """

    uid: str
    auth_token: str = field(repr=False)
    created_at: datetime
    user_created: bool

    @classmethod
    def from_response(cls, response: tokens_pb2.IssueAuthTokenResponse) -> IssuedAuthToken:
        return cls(
            uid=response.uid,
            auth_token=response.auth_token,
            created_at=datetime.fromtimestamp(response.created_at, UTC),
            user_created=response.user_created,
        )


class SessionChange(enum.StrEnum):
    """Why a :class:`SessionEvent` was sent."""

    #: The first event of every watch: the state when the watch began.
    CURRENT = "CURRENT"
    #: A user logged in (``user`` is set).
    LOGGED_IN = "LOGGED_IN"
    #: The app's user logged out, or was logged out by a login of another user.
    LOGGED_OUT = "LOGGED_OUT"
    #: CometChat no longer knows the session's auth token: the sidecar dropped it.
    REVOKED = "REVOKED"
    #: A kind this client does not know (sent by a newer sidecar).
    UNSPECIFIED = "UNSPECIFIED"


_CHANGES = {
    auth_pb2.SESSION_CHANGE_CURRENT: SessionChange.CURRENT,
    auth_pb2.SESSION_CHANGE_LOGGED_IN: SessionChange.LOGGED_IN,
    auth_pb2.SESSION_CHANGE_LOGGED_OUT: SessionChange.LOGGED_OUT,
    auth_pb2.SESSION_CHANGE_REVOKED: SessionChange.REVOKED,
}


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One message of a session watch: the change and the user after it.

    Attributes:
        change: what happened (:class:`SessionChange`).
        user: the user logged in for the app after the change; ``None`` when
            nobody is.
    """

    change: SessionChange
    user: auth_pb2.CallsUser | None

    @classmethod
    def from_message(cls, message: auth_pb2.WatchSessionResponse) -> SessionEvent:
        return cls(
            change=_CHANGES.get(message.change, SessionChange.UNSPECIFIED),
            user=message.user if message.HasField("user") else None,
        )
