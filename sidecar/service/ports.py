"""The ports the session service needs, declared here by their consumer.

Adapters implement them (structurally: no adapter has to import this module), and
`service/` and `domain/` stay free of I/O: no HTTP, gRPC, Redis or SQLite imports.

Cross-process exclusion per app (`AppLocks`): the session service serialises one app's
logins and logouts in-process. When several sidecar processes share one store (Redis),
that must hold across them: the service holds the app's lock around every change. A
holder says what it is doing (`purpose`): a login (with a digest of what it logs in) or
something else. A login that finds a *different* login holding the lock answers
`ERROR_LOGIN_IN_PROGRESS`; anything else waits until the lock is free.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final, Protocol

from sidecar.domain.events import SessionEvent
from sidecar.domain.model import CallsUser, IssuedToken, Session

LOGIN_PREFIX: Final = "login:"


def conflicts(mine: str, holder: str) -> bool:
    """Whether `mine` must be refused (not wait) while `holder` holds the lock."""
    return mine.startswith(LOGIN_PREFIX) and holder.startswith(LOGIN_PREFIX) and mine != holder


class SessionStore(Protocol):
    """Keeps each app's session. `put` and `delete` return once the change is kept."""

    async def get(self, app: str) -> Session | None:
        """The app's session, or None when nobody is logged in for it."""
        ...

    async def put(self, session: Session) -> None:
        """Store (or replace) the session of `session.app`."""
        ...

    async def delete(self, app: str) -> None:
        """Forget the app's session; a missing one is not an error."""
        ...

    async def count(self) -> int:
        """How many sessions are kept (for the configured cap)."""
        ...


class AppLocks(Protocol):
    """The app's lock across every process sharing the store."""

    def hold(self, app: str, purpose: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the app's lock for the block; raise ERROR_LOGIN_IN_PROGRESS on a conflict."""
        ...


class ProcessLocalLocks:
    """For backends only one process uses (memory, SQLite): the service's own lock suffices."""

    @contextlib.asynccontextmanager
    async def hold(self, app: str, purpose: str) -> AsyncIterator[None]:
        yield


class CometChatGateway(Protocol):
    """What the session service needs from CometChat."""

    async def create_auth_token(self, uid: str, api_key: str) -> str:
        """R3: create (or reuse) an auth token for the user."""
        ...

    async def open_session(self, auth_token: str, device_id: str) -> CallsUser:
        """M1: open a client session with the token; answers the user."""
        ...

    async def close_session(self, auth_token: str, device_id: str) -> None:
        """M2: end the client session opened with the token."""
        ...

    async def check_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        """R5: raises when CometChat no longer knows the token (or refuses to say)."""
        ...


class CallTokenGateway(Protocol):
    """What the call-token service needs from CometChat."""

    async def create_call_token(self, auth_token: str, session_id: str) -> str:
        """C1: a call token for the call session, made with the user's auth token."""
        ...


class AuthTokenGateway(Protocol):
    """What the auth-token service needs from CometChat (all with the held API key)."""

    async def issue_auth_token(self, uid: str, api_key: str) -> IssuedToken:
        """R3 with `force`: always a new token."""
        ...

    async def create_user(self, uid: str, name: str, api_key: str) -> None:
        """R2: create the user."""
        ...

    async def revoke_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        """R7: revoke one token of the user."""
        ...

    async def revoke_all_auth_tokens(self, uid: str, api_key: str) -> None:
        """R8: revoke every token of the user."""
        ...


class IssuedTokens(Protocol):
    """The SHA-256 fingerprints of the auth tokens each app issued (never the tokens),
    at most a bounded number per app: the oldest are forgotten first. `user` is an opaque
    key of the token's user (the service hands a digest of the UID, not the UID)."""

    async def add(self, app: str, user: str, fingerprint: str) -> None:
        """Remember that `app` issued the token with this fingerprint for `user`."""
        ...

    async def holds(self, app: str, user: str, fingerprint: str) -> bool:
        """Whether `app` issued that token for `user` (and it was not forgotten since)."""
        ...

    async def discard(self, app: str, user: str, fingerprint: str) -> None:
        """Forget one token; a missing one is not an error."""
        ...

    async def discard_user(self, app: str, user: str) -> None:
        """Forget every token `app` issued for `user`."""
        ...


class LoginAdmission(Protocol):
    """Decides whether an app may start another login (a rate limit); raises if not."""

    def admit(self, app: str) -> None: ...


# Publishes a change to the watchers of other processes sharing the store (Redis).
EventRelay = Callable[[SessionEvent], Awaitable[None]]
