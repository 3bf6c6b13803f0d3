"""Python client for the CometChat auth sidecar.

The generated stubs live in :mod:`cometchat_sidecar.auth.v1`,
:mod:`cometchat_sidecar.calls.v1` and :mod:`cometchat_sidecar.tokens.v1`; this
package adds a thin wrapper around them::

    from cometchat_sidecar import Reason, SidecarClient, SidecarError

    with SidecarClient("127.0.0.1:50051", credential="...") as sidecar:
        sidecar.wait_until_ready(timeout=10)
        try:
            user = sidecar.login("cometchat-uid-1")
        except SidecarError as err:
            if err.reason == Reason.ERROR_UID_WITH_SPACE:
                ...
"""

from ._health import AUTH_SERVICE_NAME
from .auth.v1.auth_pb2 import CallsUser, UserStatus
from .client import DEFAULT_TARGET, DEFAULT_TIMEOUT, AsyncSidecarClient, SidecarClient
from .errors import DOMAIN_API, DOMAIN_SIDECAR, Reason, SidecarError, SidecarNotReadyError
from .results import CallToken, IssuedAuthToken, SessionChange, SessionEvent
from .watch import AsyncSessionWatch, SessionWatch

__all__ = [
    "AUTH_SERVICE_NAME",
    "DEFAULT_TARGET",
    "DEFAULT_TIMEOUT",
    "DOMAIN_API",
    "DOMAIN_SIDECAR",
    "AsyncSessionWatch",
    "AsyncSidecarClient",
    "CallToken",
    "CallsUser",
    "IssuedAuthToken",
    "Reason",
    "SessionChange",
    "SessionEvent",
    "SessionWatch",
    "SidecarClient",
    "SidecarError",
    "SidecarNotReadyError",
    "UserStatus",
]
