"""Typed errors for the sidecar's rich gRPC statuses.

The sidecar answers a failed call with a non-OK status whose details (the
`grpc-status-details-bin` trailer) are a `google.rpc.Status` carrying a
`google.rpc.ErrorInfo` (the stable `reason`, the `domain` and `metadata`) and,
where retrying can help, a `google.rpc.RetryInfo`. :class:`SidecarError` exposes
those fields directly; a status without details (for example a connection
failure or a deadline) still becomes a :class:`SidecarError`, with an empty
``reason``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

import grpc

# googleapis-common-protos ships .pyi stubs but no py.typed marker.
from google.rpc import (  # type: ignore[import-untyped, unused-ignore]
    error_details_pb2,
    status_pb2,
)

__all__ = [
    "DOMAIN_API",
    "DOMAIN_SIDECAR",
    "Reason",
    "SidecarError",
    "SidecarNotReadyError",
]

#: `ErrorInfo.domain` of errors produced by the sidecar itself (including the
#: Calls SDK's own validation codes).
DOMAIN_SIDECAR: Final = "cometchat-sidecar"
#: `ErrorInfo.domain` of CometChat's own error codes, passed through.
DOMAIN_API: Final = "cometchat-api"

_DETAILS_KEY: Final = "grpc-status-details-bin"


class Reason:
    """Well-known `ErrorInfo.reason` values.

    The set is open: the sidecar passes CometChat's codes through, so compare
    :attr:`SidecarError.reason` with these constants but do not assume it is
    always one of them.
    """

    # The Calls SDK's validation codes (domain cometchat-sidecar).
    ERROR_LOGIN_IN_PROGRESS: Final = "ERROR_LOGIN_IN_PROGRESS"
    ERROR_INVALID_UID: Final = "ERROR_INVALID_UID"
    ERROR_UID_WITH_SPACE: Final = "ERROR_UID_WITH_SPACE"
    ERROR_API_KEY_NOT_FOUND: Final = "ERROR_API_KEY_NOT_FOUND"
    ERROR_BLANK_AUTHTOKEN: Final = "ERROR_BLANK_AUTHTOKEN"
    ERROR_AUTHTOKEN_WITH_SPACE: Final = "ERROR_AUTHTOKEN_WITH_SPACE"
    ERROR_NO_USER_LOGGED_IN: Final = "ERROR_NO_USER_LOGGED_IN"
    ERROR_SESSION_ID_MISSING: Final = "ERROR_SESSION_ID_MISSING"
    ERROR_AUTH_TOKEN_MISSING: Final = "ERROR_AUTH_TOKEN_MISSING"  # noqa: S105 (a reason, not a secret)
    # The sidecar's additions (domain cometchat-sidecar).
    ERROR_UID_TOO_LONG: Final = "ERROR_UID_TOO_LONG"
    ERROR_UID_INVALID_CHARACTERS: Final = "ERROR_UID_INVALID_CHARACTERS"
    ERROR_INVALID_AUTHTOKEN: Final = "ERROR_INVALID_AUTHTOKEN"
    ERROR_INVALID_API_KEY: Final = "ERROR_INVALID_API_KEY"
    ERROR_MISSING_APP_CREDENTIAL: Final = "ERROR_MISSING_APP_CREDENTIAL"
    ERROR_UNKNOWN_APP_CREDENTIAL: Final = "ERROR_UNKNOWN_APP_CREDENTIAL"
    ERROR_UNKNOWN_CLIENT_CERTIFICATE: Final = "ERROR_UNKNOWN_CLIENT_CERTIFICATE"
    ERROR_MALFORMED_REQUEST: Final = "ERROR_MALFORMED_REQUEST"
    ERROR_LOGIN_RATE_LIMITED: Final = "ERROR_LOGIN_RATE_LIMITED"
    ERROR_TOO_MANY_CALLS_IN_FLIGHT: Final = "ERROR_TOO_MANY_CALLS_IN_FLIGHT"
    ERROR_TOO_MANY_SESSIONS: Final = "ERROR_TOO_MANY_SESSIONS"
    ERROR_INVALID_SESSION_ID: Final = "ERROR_INVALID_SESSION_ID"
    ERROR_SESSION_ID_NOT_ALLOWED: Final = "ERROR_SESSION_ID_NOT_ALLOWED"
    ERROR_CALL_TOKEN_RATE_LIMITED: Final = "ERROR_CALL_TOKEN_RATE_LIMITED"  # noqa: S105 (a reason, not a secret)
    ERROR_OPERATION_NOT_ALLOWED: Final = "ERROR_OPERATION_NOT_ALLOWED"
    ERROR_UID_NOT_ALLOWED: Final = "ERROR_UID_NOT_ALLOWED"
    ERROR_INVALID_NAME: Final = "ERROR_INVALID_NAME"
    ERROR_TOKEN_NOT_ISSUED_BY_APP: Final = "ERROR_TOKEN_NOT_ISSUED_BY_APP"  # noqa: S105 (a reason, not a secret)
    UPSTREAM_UNAVAILABLE: Final = "UPSTREAM_UNAVAILABLE"
    UPSTREAM_TIMEOUT: Final = "UPSTREAM_TIMEOUT"
    UPSTREAM_BAD_RESPONSE: Final = "UPSTREAM_BAD_RESPONSE"
    UPSTREAM_CIRCUIT_OPEN: Final = "UPSTREAM_CIRCUIT_OPEN"
    STATE_UNAVAILABLE: Final = "STATE_UNAVAILABLE"
    INTERNAL: Final = "INTERNAL"
    # CometChat's codes, passed through (domain cometchat-api).
    ERR_UID_NOT_FOUND: Final = "ERR_UID_NOT_FOUND"
    AUTH_ERR_EMPTY_APIKEY: Final = "AUTH_ERR_EMPTY_APIKEY"
    AUTH_ERR_APIKEY_NOT_FOUND: Final = "AUTH_ERR_APIKEY_NOT_FOUND"
    AUTH_ERR_NO_ACCESS: Final = "AUTH_ERR_NO_ACCESS"
    AUTH_ERR_EMPTY_APPID: Final = "AUTH_ERR_EMPTY_APPID"
    AUTH_ERR_INVALID_APPID: Final = "AUTH_ERR_INVALID_APPID"
    AUTH_ERR_EMPTY_AUTH_TOKEN: Final = "AUTH_ERR_EMPTY_AUTH_TOKEN"  # noqa: S105 (a reason, not a secret)
    AUTH_ERR_AUTH_TOKEN_NOT_FOUND: Final = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"  # noqa: S105 (a reason, not a secret)
    ERR_AUTH_TOKEN_NOT_FOUND: Final = "ERR_AUTH_TOKEN_NOT_FOUND"  # noqa: S105 (a reason, not a secret)
    ERR_AUTHTOKEN_NOT_ACCESSIBLE: Final = "ERR_AUTHTOKEN_NOT_ACCESSIBLE"
    ERR_BAD_REQUEST: Final = "ERR_BAD_REQUEST"
    ERR_TOO_MANY_REQUESTS: Final = "ERR_TOO_MANY_REQUESTS"
    ERR_API_NOT_FOUND: Final = "ERR_API_NOT_FOUND"
    ERR_UID_ALREADY_EXISTS: Final = "ERR_UID_ALREADY_EXISTS"
    ERR_EMPTY_CALL_SESSION_ID: Final = "ERR_EMPTY_CALL_SESSION_ID"
    ERR_CALL_SESSION_NOT_FOUND: Final = "ERR_CALL_SESSION_NOT_FOUND"


class SidecarError(Exception):
    """A call to the sidecar failed.

    Attributes:
        code: the gRPC status code (a ``grpc.StatusCode``).
        message: the status message, for humans.
        reason: the stable machine-readable code from ``ErrorInfo.reason``
            (see :class:`Reason`); empty when the status carried no details.
        domain: ``ErrorInfo.domain`` (:data:`DOMAIN_SIDECAR` or
            :data:`DOMAIN_API`); empty when the status carried no details.
        metadata: ``ErrorInfo.metadata`` (read-only).
        retry_delay: ``RetryInfo.retry_delay`` in seconds when the sidecar said
            a retry can help, else ``None``.
    """

    code: grpc.StatusCode
    message: str
    reason: str
    domain: str
    metadata: Mapping[str, str]
    retry_delay: float | None

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        reason: str = "",
        domain: str = "",
        metadata: Mapping[str, str] | None = None,
        retry_delay: float | None = None,
    ) -> None:
        super().__init__(code, message, reason)
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.metadata = MappingProxyType(dict(metadata or {}))
        self.retry_delay = retry_delay

    @property
    def retryable(self) -> bool:
        """Whether the sidecar said a retry can help (it sent a RetryInfo)."""
        return self.retry_delay is not None

    def __str__(self) -> str:
        name = getattr(self.code, "name", str(self.code))
        text = f"{name}: {self.message}" if self.message else str(name)
        extras = []
        if self.reason:
            extras.append(f"reason={self.reason}")
        if self.domain:
            extras.append(f"domain={self.domain}")
        if self.retry_delay is not None:
            extras.append(f"retry_delay={self.retry_delay:g}s")
        return f"{text} ({', '.join(extras)})" if extras else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, message={self.message!r},"
            f" reason={self.reason!r}, domain={self.domain!r},"
            f" metadata={dict(self.metadata)!r}, retry_delay={self.retry_delay!r})"
        )

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> SidecarError:
        """Decode a failed call (sync ``grpc.RpcError`` or ``grpc.aio.AioRpcError``)."""
        code = _call_attr(error, "code")
        message = _call_attr(error, "details")
        trailers = _call_attr(error, "trailing_metadata")
        return cls.from_status(
            code if isinstance(code, grpc.StatusCode) else grpc.StatusCode.UNKNOWN,
            message if isinstance(message, str) else "",
            trailers if isinstance(trailers, Iterable) else (),
        )

    @classmethod
    def from_status(
        cls,
        code: grpc.StatusCode,
        message: str,
        trailing_metadata: Iterable[tuple[str, str | bytes]] = (),
    ) -> SidecarError:
        """Build an error from a status code, message and trailing metadata."""
        status = _rich_status(trailing_metadata)
        reason = domain = ""
        metadata: dict[str, str] = {}
        retry_delay: float | None = None
        if status is not None:
            if not message:
                message = status.message
            for detail in status.details:
                if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                    info = error_details_pb2.ErrorInfo()
                    detail.Unpack(info)
                    reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
                elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
                    retry = error_details_pb2.RetryInfo()
                    detail.Unpack(retry)
                    delay = retry.retry_delay
                    retry_delay = delay.seconds + delay.nanos / 1e9
        return cls(
            code,
            message,
            reason=reason,
            domain=domain,
            metadata=metadata,
            retry_delay=retry_delay,
        )


class SidecarNotReadyError(SidecarError, TimeoutError):
    """``wait_until_ready`` ran out of time before the sidecar reported SERVING.

    Also a :class:`TimeoutError`. ``code`` is ``DEADLINE_EXCEEDED``; ``message``
    says what the last health check answered.
    """


def _call_attr(error: object, name: str) -> object:
    method = getattr(error, name, None)
    if not callable(method):
        return None
    try:
        return method()
    except Exception:  # an RpcError that is not a Call: nothing more to read
        return None


def _rich_status(
    trailing_metadata: Iterable[tuple[str, str | bytes]],
) -> status_pb2.Status | None:
    for key, value in trailing_metadata:
        if key == _DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status()
            try:
                status.ParseFromString(value)
            except Exception:  # a malformed trailer must not hide the real error
                return None
            return status
    return None
