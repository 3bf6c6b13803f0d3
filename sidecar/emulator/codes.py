"""CometChat error codes the emulator answers, and the HTTP status each one travels with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


@dataclass(frozen=True)
class ErrorSpec:
    """How one error code goes over the wire. Messages are fixed so they never echo a secret."""

    status: int
    message: str
    dev_message: str


# The one code -> HTTP status table. Marks follow the contract: [C] confirmed, [I] inferred,
# [?] unknown. The [I] and [?] statuses are best guesses; one live capture can correct them here.
ERRORS: Final[Mapping[str, ErrorSpec]] = MappingProxyType(
    {
        "ERR_UID_NOT_FOUND": ErrorSpec(  # [I]
            404, "The UID does not exist.", "Please check the uid or create the user first."
        ),
        "AUTH_ERR_EMPTY_APIKEY": ErrorSpec(  # [?]
            401, "The API key is missing.", "Please send the apikey header."
        ),
        "AUTH_ERR_APIKEY_NOT_FOUND": ErrorSpec(  # [?]
            401, "The API key does not exist.", "Please check the apikey header."
        ),
        "AUTH_ERR_NO_ACCESS": ErrorSpec(  # [I]
            403,
            "The API key has no access to this resource.",
            "Please use an API key with fullAccess scope.",
        ),
        "AUTH_ERR_EMPTY_APPID": ErrorSpec(  # [?]
            401, "The app id is missing.", "Please send the appId header."
        ),
        "AUTH_ERR_INVALID_APPID": ErrorSpec(  # [?]
            401, "The app id is invalid.", "Please check the appId header."
        ),
        "AUTH_ERR_EMPTY_AUTH_TOKEN": ErrorSpec(  # [I]
            401, "The auth token is missing.", "Please send the authToken header."
        ),
        "AUTH_ERR_AUTH_TOKEN_NOT_FOUND": ErrorSpec(  # [I]
            401,
            "The auth token does not exist.",
            "The auth token is unknown or was revoked; please log in again.",
        ),
        "ERR_AUTH_TOKEN_NOT_FOUND": ErrorSpec(  # [?]
            404, "The auth token does not exist.", "The auth token is unknown or was revoked."
        ),
        "ERR_AUTHTOKEN_NOT_ACCESSIBLE": ErrorSpec(  # [?]
            403,
            "The auth token is not accessible.",
            "The auth token belongs to another user.",
        ),
        "ERR_UID_ALREADY_EXISTS": ErrorSpec(  # [?] 400 or 409
            409, "The UID already exists.", "Please use another uid or update the user."
        ),
        "ERR_EMPTY_CALL_SESSION_ID": ErrorSpec(  # [?]
            400, "The session id is empty.", "Please send a sessionId."
        ),
        "ERR_CALL_SESSION_NOT_FOUND": ErrorSpec(  # [?]
            404, "The call session does not exist.", "Please check the sessionId."
        ),
        "ERR_BAD_REQUEST": ErrorSpec(  # [C/I]
            400, "The request is invalid.", "Please check details for the failed fields."
        ),
        "ERR_TOO_MANY_REQUESTS": ErrorSpec(  # [C]
            429, "Too many requests.", "The rate limit is exceeded; retry after Retry-After."
        ),
        "ERR_API_NOT_FOUND": ErrorSpec(  # [?]
            404, "The API does not exist.", "Please check the method and the path."
        ),
    }
)


class ApiError(Exception):
    """A CometChat error answer: its code selects the status and the messages from ERRORS."""

    def __init__(self, code: str, details: Mapping[str, list[str]] | None = None) -> None:
        if code not in ERRORS:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(code)
        self.code = code
        self.details = details
