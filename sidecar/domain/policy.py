"""Per-app policy: which operations an app is granted, for which users and call sessions.

Deny by default. An app without a table keeps the auth RPCs (login any UID, as before
policies existed) and nothing else: no call tokens, no token issuance or revocation.
A table is parsed strictly: an unknown app, an unknown key, a value of the wrong type or
a pattern that does not compile is a `ConfigError` naming it, so a misspelled grant can
never silently turn a check off.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Final

from sidecar.domain.errors import ConfigError

SESSION_ID_MAX_LENGTH: Final = 255
SESSION_ID_CHARACTERS: Final = re.compile(r"[A-Za-z0-9._:-]+")
DEFAULT_CALL_TOKENS_PER_SECOND: Final = 5.0
DEFAULT_CALL_TOKEN_BURST: Final = 10


class Operation(enum.Enum):
    """Every RPC that reaches the session, call-token or auth-token service."""

    # Values are RPC method names (S105 mistakes the word "token" in them for a password).

    LOGIN = "Login"
    LOGIN_WITH_TOKEN = "LoginWithToken"  # noqa: S105
    GET_LOGGED_IN_USER = "GetLoggedInUser"
    LOGOUT = "Logout"
    WATCH_SESSION = "WatchSession"
    GENERATE_CALL_TOKEN = "GenerateCallToken"  # noqa: S105
    ISSUE_AUTH_TOKEN = "IssueAuthToken"  # noqa: S105
    REVOKE_AUTH_TOKEN = "RevokeAuthToken"  # noqa: S105
    REVOKE_ALL_AUTH_TOKENS = "RevokeAllAuthTokens"


_SESSION_OPERATIONS: Final = frozenset(
    {
        Operation.LOGIN,
        Operation.LOGIN_WITH_TOKEN,
        Operation.GET_LOGGED_IN_USER,
        Operation.LOGOUT,
        Operation.WATCH_SESSION,
    }
)


@dataclass(frozen=True)
class AppPolicy:
    """One app's grants. The defaults are what an app without a table gets."""

    # None: any UID. CometChat lower-cases UIDs, so patterns see the lower-cased UID.
    login_uids: tuple[re.Pattern[str], ...] | None = None
    # None: no call tokens at all; "": any session id.
    call_session_prefix: str | None = None
    call_tokens_per_second: float = DEFAULT_CALL_TOKENS_PER_SECOND
    call_token_burst: int = DEFAULT_CALL_TOKEN_BURST
    issue_tokens: bool = False
    # None: any UID (once `issue_tokens` is granted).
    issue_uids: tuple[re.Pattern[str], ...] | None = None
    revoke_all: bool = False

    def grants(self, operation: Operation) -> bool:
        """Whether the app may call `operation` at all."""
        if operation in _SESSION_OPERATIONS:
            return True
        if operation is Operation.GENERATE_CALL_TOKEN:
            return self.call_session_prefix is not None
        if operation is Operation.REVOKE_ALL_AUTH_TOKENS:
            return self.revoke_all
        return self.issue_tokens

    def may_log_in(self, uid: str) -> bool:
        return _matches(self.login_uids, uid)

    def may_issue_for(self, uid: str) -> bool:
        return _matches(self.issue_uids, uid)

    def may_call_in(self, session_id: str) -> bool:
        prefix = self.call_session_prefix
        return prefix is not None and session_id.startswith(prefix)


def _matches(patterns: tuple[re.Pattern[str], ...] | None, uid: str) -> bool:
    if patterns is None:
        return True
    lowered = uid.lower()
    return any(pattern.search(lowered) for pattern in patterns)


DEFAULT_APP_POLICY: Final = AppPolicy()


@dataclass(frozen=True)
class Policy:
    """Every app's policy; apps without a table get `DEFAULT_APP_POLICY`."""

    apps: Mapping[str, AppPolicy] = field(default_factory=lambda: MappingProxyType({}))

    def for_app(self, app: str) -> AppPolicy:
        return self.apps.get(app, DEFAULT_APP_POLICY)


_KEYS: Final = frozenset(
    {
        "login_uids",
        "call_session_prefix",
        "call_tokens_per_second",
        "call_token_burst",
        "issue_tokens",
        "issue_uids",
        "revoke_all",
    }
)


def parse_policy(document: Mapping[str, Any], source: str, known_apps: Collection[str]) -> Policy:
    """The policy of a parsed TOML document; `source` names it in errors. Apps must be
    among `known_apps` (those this sidecar serves)."""
    unknown = sorted(set(document) - {"apps"})
    if unknown:
        raise ConfigError(f"policy {source}: unknown top-level keys: {', '.join(unknown)}")
    tables = document.get("apps", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"policy {source}: apps must be a table of app tables")
    apps: dict[str, AppPolicy] = {}
    for app, table in tables.items():
        where = f"policy {source}: apps.{app}"
        if app not in known_apps:
            served = ", ".join(sorted(known_apps)) or "none"
            raise ConfigError(f"{where}: unknown app (this sidecar serves: {served})")
        if not isinstance(table, dict):
            raise ConfigError(f"{where} must be a table")
        apps[app] = _app_policy(where, table)
    return Policy(MappingProxyType(apps))


def _app_policy(where: str, table: Mapping[str, Any]) -> AppPolicy:
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown keys: {', '.join(unknown)}")
    prefix = table.get("call_session_prefix")
    if prefix is not None:
        if not isinstance(prefix, str):
            raise ConfigError(f"{where}.call_session_prefix must be a string")
        if len(prefix) > SESSION_ID_MAX_LENGTH or (
            prefix and not SESSION_ID_CHARACTERS.fullmatch(prefix)
        ):
            raise ConfigError(
                f"{where}.call_session_prefix must be at most {SESSION_ID_MAX_LENGTH} of "
                "letters, digits, '.', '_', ':' and '-'"
            )
    return AppPolicy(
        login_uids=_patterns(f"{where}.login_uids", table.get("login_uids")),
        call_session_prefix=prefix,
        call_tokens_per_second=_rate(
            f"{where}.call_tokens_per_second",
            table.get("call_tokens_per_second", DEFAULT_CALL_TOKENS_PER_SECOND),
        ),
        call_token_burst=_burst(
            f"{where}.call_token_burst", table.get("call_token_burst", DEFAULT_CALL_TOKEN_BURST)
        ),
        issue_tokens=_flag(f"{where}.issue_tokens", table.get("issue_tokens", False)),
        issue_uids=_patterns(f"{where}.issue_uids", table.get("issue_uids")),
        revoke_all=_flag(f"{where}.revoke_all", table.get("revoke_all", False)),
    )


def _patterns(where: str, value: Any) -> tuple[re.Pattern[str], ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where} must be a list of regular expressions (strings)")
    compiled = []
    for pattern in value:
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise ConfigError(
                f"{where}: {pattern!r} is not a valid regular expression: {error}"
            ) from None
    return tuple(compiled)


def _flag(where: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{where} must be true or false")
    return value


def _rate(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where} must be a number")
    if not math.isfinite(value) or not 0 < value <= 10000:
        raise ConfigError(f"{where} must be above 0 and at most 10000")
    return float(value)


def _burst(where: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where} must be a whole number")
    if not 1 <= value <= 100000:
        raise ConfigError(f"{where} must be between 1 and 100000")
    return value
