"""The error model: every reason the sidecar can answer, as one table.

A reason is the stable, machine-readable code an app branches on (it travels as
`google.rpc.ErrorInfo.reason`). The table says which gRPC status code carries it
and whether a retry can help; the README's error table is checked against it by a
test, so the two cannot drift apart.

Status codes are named by their gRPC names (strings) so this module stays free of
gRPC imports; the gRPC entrypoint maps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

DOMAIN_SIDECAR: Final = "cometchat-sidecar"
DOMAIN_UPSTREAM: Final = "cometchat-api"


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    """How one reason is answered."""

    code: str
    retryable: bool
    description: str
    domain: str


def _sidecar(code: str, retryable: bool, description: str) -> ReasonSpec:
    return ReasonSpec(code, retryable, description, DOMAIN_SIDECAR)


def _upstream(code: str, retryable: bool, description: str) -> ReasonSpec:
    return ReasonSpec(code, retryable, description, DOMAIN_UPSTREAM)


# The Calls SDK's own validation codes, spelled exactly as the SDK spells them,
# then the sidecar's additions, then CometChat's codes that are passed through.
REASONS: Final[MappingProxyType[str, ReasonSpec]] = MappingProxyType(
    {
        "ERROR_LOGIN_IN_PROGRESS": _sidecar("ABORTED", True, "Login is already in progress"),
        "ERROR_INVALID_UID": _sidecar("INVALID_ARGUMENT", False, "UID cannot be empty"),
        "ERROR_UID_WITH_SPACE": _sidecar("INVALID_ARGUMENT", False, "UID cannot contain spaces"),
        "ERROR_API_KEY_NOT_FOUND": _sidecar(
            "FAILED_PRECONDITION", False, "Auth Key cannot be empty"
        ),
        "ERROR_BLANK_AUTHTOKEN": _sidecar("INVALID_ARGUMENT", False, "Auth token cannot be empty"),
        "ERROR_AUTHTOKEN_WITH_SPACE": _sidecar(
            "INVALID_ARGUMENT", False, "Auth token cannot contain spaces"
        ),
        "ERROR_NO_USER_LOGGED_IN": _sidecar(
            "FAILED_PRECONDITION", False, "No user is currently logged in"
        ),
        "ERROR_UID_TOO_LONG": _sidecar(
            "INVALID_ARGUMENT", False, "UID cannot be longer than 100 characters"
        ),
        "ERROR_UID_INVALID_CHARACTERS": _sidecar(
            "INVALID_ARGUMENT",
            False,
            "UID may contain only letters, digits, '-' and '_'",
        ),
        "ERROR_INVALID_AUTHTOKEN": _sidecar(
            "INVALID_ARGUMENT",
            False,
            "Auth token is longer than 512 characters or has characters outside printable ASCII",
        ),
        "ERROR_INVALID_API_KEY": _sidecar(
            "INVALID_ARGUMENT",
            False,
            "API key is longer than 256 characters or has characters outside printable ASCII",
        ),
        "ERROR_MISSING_APP_CREDENTIAL": _sidecar(
            "UNAUTHENTICATED",
            False,
            "The call carries no app credential (authorization: Bearer <credential>)",
        ),
        "ERROR_UNKNOWN_APP_CREDENTIAL": _sidecar(
            "UNAUTHENTICATED", False, "The app credential is not one this sidecar knows"
        ),
        "ERROR_UNKNOWN_CLIENT_CERTIFICATE": _sidecar(
            "UNAUTHENTICATED",
            False,
            "The client certificate is not mapped to an app (tls_client_apps)",
        ),
        "ERROR_MALFORMED_REQUEST": _sidecar(
            "INVALID_ARGUMENT", False, "The request is not a valid message of the method's type"
        ),
        "ERROR_LOGIN_RATE_LIMITED": _sidecar(
            "RESOURCE_EXHAUSTED",
            True,
            "The app's login rate limit was reached; RetryInfo says when the next login is"
            " admitted",
        ),
        "ERROR_TOO_MANY_CALLS_IN_FLIGHT": _sidecar(
            "RESOURCE_EXHAUSTED",
            True,
            "The app already has its maximum of calls in flight (max_calls_in_flight_per_app);"
            " RetryInfo says when to try again",
        ),
        "ERROR_SESSION_ID_MISSING": _sidecar(
            "INVALID_ARGUMENT", False, "Session ID cannot be empty"
        ),
        "ERROR_AUTH_TOKEN_MISSING": _sidecar(
            "FAILED_PRECONDITION",
            False,
            "Auth token is required. Please login first or provide authToken.",
        ),
        "ERROR_INVALID_SESSION_ID": _sidecar(
            "INVALID_ARGUMENT",
            False,
            "Session ID may hold at most 255 of letters, digits, '.', '_', ':' and '-'",
        ),
        "ERROR_SESSION_ID_NOT_ALLOWED": _sidecar(
            "PERMISSION_DENIED",
            False,
            "The session ID does not start with the app's call_session_prefix (policy)",
        ),
        "ERROR_CALL_TOKEN_RATE_LIMITED": _sidecar(
            "RESOURCE_EXHAUSTED",
            True,
            "The app's call-token rate limit was reached; RetryInfo says when the next one is"
            " admitted",
        ),
        "ERROR_OPERATION_NOT_ALLOWED": _sidecar(
            "PERMISSION_DENIED", False, "The app's policy does not grant this operation"
        ),
        "ERROR_UID_NOT_ALLOWED": _sidecar(
            "PERMISSION_DENIED", False, "The app's policy does not allow this UID here"
        ),
        "ERROR_INVALID_NAME": _sidecar(
            "INVALID_ARGUMENT",
            False,
            "The user's name must be at most 100 characters, with no control characters",
        ),
        "ERROR_TOKEN_NOT_ISSUED_BY_APP": _sidecar(
            "PERMISSION_DENIED",
            False,
            "The auth token was not issued to this app by IssueAuthToken (or is long forgotten)",
        ),
        "UPSTREAM_UNAVAILABLE": _sidecar("UNAVAILABLE", True, "CometChat could not be reached"),
        "UPSTREAM_TIMEOUT": _sidecar("DEADLINE_EXCEEDED", True, "CometChat did not answer in time"),
        "UPSTREAM_BAD_RESPONSE": _sidecar(
            "UNAVAILABLE", True, "CometChat answered with something that is not its API envelope"
        ),
        "UPSTREAM_CIRCUIT_OPEN": _sidecar(
            "UNAVAILABLE",
            True,
            "CometChat failed repeatedly; calls fail fast until a probe succeeds",
        ),
        "ERROR_TOO_MANY_SESSIONS": _sidecar(
            "RESOURCE_EXHAUSTED",
            False,
            "The sidecar already keeps its configured maximum of sessions (max_sessions)",
        ),
        "STATE_UNAVAILABLE": _sidecar(
            "UNAVAILABLE", True, "The session store could not be read or written"
        ),
        "INTERNAL": _sidecar("INTERNAL", False, "An unexpected error inside the sidecar"),
        "ERR_UID_NOT_FOUND": _upstream("NOT_FOUND", False, "The UID does not exist in CometChat"),
        "AUTH_ERR_EMPTY_APIKEY": _upstream(
            "UNAUTHENTICATED", False, "CometChat received no API key"
        ),
        "AUTH_ERR_APIKEY_NOT_FOUND": _upstream(
            "UNAUTHENTICATED", False, "CometChat does not know the API key"
        ),
        "AUTH_ERR_NO_ACCESS": _upstream(
            "PERMISSION_DENIED",
            False,
            "The API key's scope does not allow this (an Auth Key used where a REST API key"
            " is needed)",
        ),
        "AUTH_ERR_EMPTY_APPID": _upstream(
            "FAILED_PRECONDITION", False, "CometChat received no app id"
        ),
        "AUTH_ERR_INVALID_APPID": _upstream(
            "FAILED_PRECONDITION", False, "CometChat does not know the app id"
        ),
        "AUTH_ERR_EMPTY_AUTH_TOKEN": _upstream(
            "UNAUTHENTICATED", False, "CometChat received no auth token"
        ),
        "AUTH_ERR_AUTH_TOKEN_NOT_FOUND": _upstream(
            "UNAUTHENTICATED", False, "The auth token is unknown to CometChat or was revoked"
        ),
        "ERR_AUTH_TOKEN_NOT_FOUND": _upstream(
            "NOT_FOUND", False, "The auth token is unknown to CometChat"
        ),
        "ERR_AUTHTOKEN_NOT_ACCESSIBLE": _upstream(
            "PERMISSION_DENIED", False, "The auth token belongs to another user"
        ),
        "ERR_BAD_REQUEST": _upstream("INVALID_ARGUMENT", False, "CometChat rejected the request"),
        "ERR_UID_ALREADY_EXISTS": _upstream(
            "ALREADY_EXISTS", False, "A user with this UID already exists in CometChat"
        ),
        "ERR_EMPTY_CALL_SESSION_ID": _upstream(
            "INVALID_ARGUMENT", False, "CometChat received no call session ID"
        ),
        "ERR_CALL_SESSION_NOT_FOUND": _upstream(
            "NOT_FOUND", False, "CometChat does not know the call session"
        ),
        "ERR_TOO_MANY_REQUESTS": _upstream(
            "RESOURCE_EXHAUSTED", True, "CometChat's rate limit for the app was reached"
        ),
        "ERR_API_NOT_FOUND": _upstream(
            "INTERNAL",
            False,
            "CometChat does not know the endpoint (check the api/client host settings)",
        ),
    }
)


def spec_for_unknown_upstream_code(http_status: int) -> ReasonSpec:
    """A CometChat code not in the table: the HTTP status decides how it is carried."""
    if http_status >= 500:
        return _upstream("UNAVAILABLE", True, "CometChat reported a server error")
    if http_status == 429:
        return REASONS["ERR_TOO_MANY_REQUESTS"]
    return _upstream("FAILED_PRECONDITION", False, "CometChat refused the request")


class ConfigError(Exception):
    """The configuration cannot be used; the message says why (and names no secret)."""


@dataclass
class SidecarError(Exception):
    """A failure with a stable reason. Its message never carries a secret."""

    reason: str
    spec: ReasonSpec
    retry_after: float | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.reason}: {self.spec.description}"


def fail(reason: str, *, retry_after: float | None = None, **metadata: str) -> SidecarError:
    """Build the error for a reason in the table; `retry_after` is RetryInfo's delay."""
    return SidecarError(reason, REASONS[reason], retry_after=retry_after, metadata=dict(metadata))


def upstream_failure(
    code: str, http_status: int, *, endpoint: str, retry_after: float | None = None
) -> SidecarError:
    """Build the error for a code CometChat answered, known or not."""
    spec = REASONS.get(code)
    if spec is None or spec.domain != DOMAIN_UPSTREAM:
        spec = spec_for_unknown_upstream_code(http_status)
    return SidecarError(
        code,
        spec,
        retry_after=retry_after,
        metadata={"http_status": str(http_status), "endpoint": endpoint},
    )
