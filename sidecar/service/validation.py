"""Input checks that run before any network call, in the Calls SDK's order.

The SDK's own checks come first with its exact codes; the sidecar then applies
CometChat's server-side rules (so a request that cannot succeed never spends the
app's CometChat rate limit) and keeps secrets that could never be sent as an HTTP
header from reaching one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from sidecar.domain.errors import fail

UID_MAX_LENGTH: Final = 100
AUTH_TOKEN_MAX_LENGTH: Final = 512
API_KEY_MAX_LENGTH: Final = 256

_UID_CHARACTERS: Final = re.compile(r"[A-Za-z0-9_-]+")
# Visible ASCII without the space: what an auth token or an API key can consist of
# and what an HTTP header value can carry unchanged.
_HEADER_SAFE: Final = re.compile(r"[\x21-\x7e]+")


def _has_space(value: str) -> bool:
    # The SDK checks for " "; any Unicode white space is refused the same way,
    # since none of it can be part of a UID or a token.
    return any(ch.isspace() for ch in value)


def check_login(uid: str, api_key: str) -> None:
    """Validate Login's input: the SDK's checks in its order, then CometChat's rules.

    `api_key` is the key Login would use: the request's, or else the one the
    sidecar holds.
    """
    if not uid.strip():
        raise fail("ERROR_INVALID_UID")
    if _has_space(uid):
        raise fail("ERROR_UID_WITH_SPACE")
    if not api_key:
        raise fail("ERROR_API_KEY_NOT_FOUND")
    _check_uid_rules(uid)
    if len(api_key) > API_KEY_MAX_LENGTH or not _HEADER_SAFE.fullmatch(api_key):
        raise fail("ERROR_INVALID_API_KEY")


def check_uid(uid: str) -> None:
    """Validate a UID alone (the token RPCs): Login's UID checks in the same order."""
    if not uid.strip():
        raise fail("ERROR_INVALID_UID")
    if _has_space(uid):
        raise fail("ERROR_UID_WITH_SPACE")
    _check_uid_rules(uid)


def _check_uid_rules(uid: str) -> None:
    if len(uid) > UID_MAX_LENGTH:
        raise fail("ERROR_UID_TOO_LONG")
    if not _UID_CHARACTERS.fullmatch(uid):
        raise fail("ERROR_UID_INVALID_CHARACTERS")


NAME_MAX_LENGTH: Final = 100


def check_name(name: str) -> None:
    """Validate the display name of a user IssueAuthToken may create."""
    if len(name) > NAME_MAX_LENGTH or any(
        unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name
    ):
        raise fail("ERROR_INVALID_NAME")


def check_auth_token(auth_token: str) -> None:
    """Validate a token for LoginWithToken."""
    if not auth_token.strip():
        raise fail("ERROR_BLANK_AUTHTOKEN")
    if _has_space(auth_token):
        raise fail("ERROR_AUTHTOKEN_WITH_SPACE")
    if len(auth_token) > AUTH_TOKEN_MAX_LENGTH or not _HEADER_SAFE.fullmatch(auth_token):
        raise fail("ERROR_INVALID_AUTHTOKEN")
