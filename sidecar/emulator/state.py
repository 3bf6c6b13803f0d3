"""The emulator's data model: users, auth tokens, device sessions and request counts. No I/O.

Every public method takes the instance lock, so tests may call them from any thread while the
server's event loop serves requests.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from sidecar.emulator.codes import ApiError

# CometChat keeps only the newest 100 tokens of a user valid.
TOKEN_CAP: Final = 100

# The traceparent headers kept per route, newest last (tests read the last few).
_TRACEPARENTS_KEPT: Final = 100
_UID_RULE: Final = re.compile(r"[a-z0-9_-]{1,100}")

_SAMPLE_NAMES: Final = ("Andrew Joseph", "George Alan", "Nancy Grace", "Susan Marie", "John Paul")


class RouteId(StrEnum):
    """Route ids, used for request counting and fault injection."""

    R1 = "R1"  # GET users/{uid}
    R2 = "R2"  # POST users
    R3 = "R3"  # POST users/{uid}/auth_tokens
    R5 = "R5"  # GET users/{uid}/auth_tokens/{token}
    R7 = "R7"  # DELETE users/{uid}/auth_tokens/{token}
    R8 = "R8"  # DELETE users/{uid}/auth_tokens
    M1 = "M1"  # PUT me (client API login)
    M2 = "M2"  # DELETE me (client API logout)
    C1 = "C1"  # POST call_tokens (call API)
    OTHER = "other"  # unknown routes


def parse_route(route: str) -> RouteId:
    """The RouteId for `route`; a typo raises ValueError rather than silently counting zero."""
    try:
        return RouteId(route)
    except ValueError:
        known = ", ".join(r.value for r in RouteId)
        raise ValueError(f"unknown route {route!r}; expected one of {known}") from None


@dataclass
class User:
    uid: str
    name: str
    avatar: str
    created_at: int
    role: str = "default"
    last_active_at: int | None = None


@dataclass(frozen=True)
class AuthToken:
    uid: str
    token: str
    created_at: int

    def to_json(self) -> dict[str, Any]:
        return {"uid": self.uid, "authToken": self.token, "createdAt": self.created_at}


@dataclass(frozen=True)
class DeviceSession:
    uid: str
    platform: str
    device_id: str


def normalize_uid(uid: str) -> str:
    """CometChat lower-cases UIDs; one that breaks the UID rules can never exist."""
    lowered = uid.lower()
    if not _UID_RULE.fullmatch(lowered):
        raise ApiError("ERR_UID_NOT_FOUND")
    return lowered


class EmulatorState:
    """Users, their tokens (oldest first) and the device sessions opened with those tokens."""

    def __init__(self, clock: Callable[[], float] = time.time, *, extra_users: int = 0) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        now = int(clock())
        self._users: dict[str, User] = {}
        for n, name in enumerate(_SAMPLE_NAMES, start=1):
            uid = f"cometchat-uid-{n}"
            avatar = f"https://assets.cometchat.io/sampleapp/v2/users/{uid}.webp"
            self._users[uid] = User(uid=uid, name=name, avatar=avatar, created_at=now)
        # Benchmarks need many distinct users, so that every Login does real work.
        for n in range(extra_users):
            self._users[f"user-{n}"] = User(
                uid=f"user-{n}", name=f"User {n}", avatar="", created_at=now
            )
        self._tokens_by_user: dict[str, OrderedDict[str, AuthToken]] = {
            uid: OrderedDict() for uid in self._users
        }
        self._tokens: dict[str, AuthToken] = {}
        # Keyed by token: the client API identifies a session only by its authToken header.
        self._sessions: dict[str, DeviceSession] = {}

    def get_user(self, uid: str) -> dict[str, Any]:
        with self._lock:
            return self._user_json(self._user(uid))

    def create_user(self, uid: str, name: str, avatar: str = "") -> dict[str, Any]:
        """R2: a new user; ERR_UID_ALREADY_EXISTS when the (lower-cased) uid is taken."""
        with self._lock:
            lowered = uid.lower()
            if not _UID_RULE.fullmatch(lowered):
                raise ApiError("ERR_BAD_REQUEST", {"uid": ["uid must be 1-100 of a-z, 0-9, _, -"]})
            if lowered in self._users:
                raise ApiError("ERR_UID_ALREADY_EXISTS")
            user = User(uid=lowered, name=name, avatar=avatar, created_at=int(self._clock()))
            self._users[lowered] = user
            self._tokens_by_user[lowered] = OrderedDict()
            return self._user_json(user)

    def token_owner(self, token: str) -> dict[str, Any]:
        """The user a valid token belongs to (call API auth); AUTH_ERR_AUTH_TOKEN_NOT_FOUND else."""
        with self._lock:
            record = self._tokens.get(token)
            if record is None:
                raise ApiError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
            return self._user_json(self._users[record.uid])

    def issue_token(self, uid: str, *, force: bool) -> AuthToken:
        """R3: the newest valid token, or a new one when there is none or `force` is set."""
        with self._lock:
            user = self._user(uid)
            tokens = self._tokens_by_user[user.uid]
            if tokens and not force:
                return next(reversed(tokens.values()))
            created_at = int(self._clock())
            token = AuthToken(
                uid=user.uid,
                token=f"{user.uid}_{created_at:010d}{secrets.token_hex(15)}",
                created_at=created_at,
            )
            tokens[token.token] = token
            self._tokens[token.token] = token
            if len(tokens) > TOKEN_CAP:
                oldest, _ = tokens.popitem(last=False)
                self._forget(oldest)
            return token

    def get_token(self, uid: str, token: str) -> AuthToken:
        with self._lock:
            return self._token_of(self._user(uid), token)

    def revoke_token(self, uid: str, token: str) -> None:
        with self._lock:
            record = self._token_of(self._user(uid), token)
            del self._tokens_by_user[record.uid][record.token]
            self._forget(record.token)

    def revoke_all_tokens(self, uid: str) -> None:
        with self._lock:
            tokens = self._tokens_by_user[self._user(uid).uid]
            for token in tokens:
                self._forget(token)
            tokens.clear()

    def check_token(self, token: str) -> None:
        """Client-API auth: the token must exist and not be revoked."""
        with self._lock:
            if token not in self._tokens:
                raise ApiError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")

    def start_session(self, token: str, platform: str, device_id: str) -> dict[str, Any]:
        """M1: open (or replace) the token's device session; answers the user, now online."""
        with self._lock:
            record = self._tokens.get(token)
            if record is None:
                raise ApiError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
            user = self._users[record.uid]
            user.last_active_at = int(self._clock())
            self._sessions[token] = DeviceSession(record.uid, platform, device_id)
            return self._user_json(user)

    def end_session(self, token: str) -> None:
        """M2: close the token's device session; the token itself stays valid."""
        with self._lock:
            if token not in self._tokens:
                raise ApiError("AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
            self._sessions.pop(token, None)

    def active_device_sessions(self, uid: str) -> int:
        with self._lock:
            user = self._user(uid)
            return sum(1 for s in self._sessions.values() if s.uid == user.uid)

    def _user(self, uid: str) -> User:
        user = self._users.get(normalize_uid(uid))
        if user is None:
            raise ApiError("ERR_UID_NOT_FOUND")
        return user

    def _token_of(self, user: User, token: str) -> AuthToken:
        record = self._tokens.get(token)
        if record is None:
            raise ApiError("ERR_AUTH_TOKEN_NOT_FOUND")
        if record.uid != user.uid:
            raise ApiError("ERR_AUTHTOKEN_NOT_ACCESSIBLE")
        return record

    def _forget(self, token: str) -> None:
        # A revoked token can never send M2, so its device session ends with it.
        del self._tokens[token]
        self._sessions.pop(token, None)

    def _user_json(self, user: User) -> dict[str, Any]:
        online = any(s.uid == user.uid for s in self._sessions.values())
        body: dict[str, Any] = {
            "uid": user.uid,
            "name": user.name,
            "avatar": user.avatar,
            "status": "online" if online else "offline",
            "role": user.role,
            "createdAt": user.created_at,
        }
        if user.last_active_at is not None:
            body["lastActiveAt"] = user.last_active_at
        return body


class RequestCounter:
    """Upstream requests served, by route id, and the W3C `traceparent` each one carried."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[RouteId] = Counter()
        self._traceparents: dict[RouteId, deque[str | None]] = {}

    def add(self, route: RouteId, traceparent: str | None = None) -> None:
        with self._lock:
            self._counts[route] += 1
            kept = self._traceparents.setdefault(route, deque(maxlen=_TRACEPARENTS_KEPT))
            kept.append(traceparent)

    def traceparents(self, route: RouteId) -> list[str | None]:
        with self._lock:
            return list(self._traceparents.get(route, ()))

    def count(self, route: RouteId | None = None) -> int:
        with self._lock:
            return self._counts.total() if route is None else self._counts[route]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {r.value: self._counts[r] for r in RouteId}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
            self._traceparents.clear()
