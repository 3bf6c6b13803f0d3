"""The session service: the Calls SDK's login, logout and "who is logged in", per app.

Concurrency rules, per app:
- A login runs as one "flight". An identical login arriving meanwhile joins it
  (one upstream flow for all of them); a different one answers
  `ERROR_LOGIN_IN_PROGRESS`, as the SDK does.
- Logins and logouts of one app are serialised by the app's lock, so a logout
  never interleaves with a login's upstream calls. Apps never wait for each other.
- A flight whose callers have all gone (cancelled, deadline passed) is cancelled:
  no upstream work continues for nobody.
- With a store shared by several processes (Redis), every change also holds the
  app's cross-process lock (`AppLocks`), so the rules above hold across them.

Every change is published to the app's watchers (`SessionEvents`) once it is stored.
Every call first passes the app's policy (`PolicyHolder.require`); Login and
LoginWithToken then check the UID against the app's `login_uids`.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import structlog

from sidecar.domain.errors import SidecarError, fail
from sidecar.domain.events import Change, SessionEvent
from sidecar.domain.model import AppIdentity, CallsUser, Session
from sidecar.domain.policy import AppPolicy, Operation
from sidecar.domain.secret import Secret
from sidecar.service.policy import PolicyHolder
from sidecar.service.ports import (
    LOGIN_PREFIX,
    AppLocks,
    CometChatGateway,
    EventRelay,
    LoginAdmission,
    ProcessLocalLocks,
    SessionStore,
)
from sidecar.service.validation import check_auth_token, check_login
from sidecar.service.watchers import SessionEvents, Watch

_log = structlog.get_logger(__name__)

# CometChat's answer for a token it no longer knows; for logout it means "already out".
_TOKEN_GONE = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"  # noqa: S105 - an error code
# R5's answers for a token it does not know (REST spelling, and the client API's).
REVOKED_REASONS = frozenset({"ERR_AUTH_TOKEN_NOT_FOUND", _TOKEN_GONE})


@dataclass(slots=True)
class _Flight:
    key: tuple[str, ...]
    task: asyncio.Task[CallsUser]
    waiters: int = 0


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


class SessionService:
    """Login, LoginWithToken, GetLoggedInUser and Logout for each calling app."""

    def __init__(
        self,
        store: SessionStore,
        gateway: CometChatGateway,
        *,
        held_api_key: Secret | None = None,
        clock: Callable[[], float] = time.time,
        admission: LoginAdmission | None = None,
        locks: AppLocks | None = None,
        events: SessionEvents | None = None,
        relay: EventRelay | None = None,
        max_sessions: int | None = None,
        on_change: Callable[[Change], None] | None = None,
        policy: PolicyHolder | None = None,
    ) -> None:
        self.policy = policy or PolicyHolder()
        self._store = store
        self._admission = admission
        self._gateway = gateway
        self._held_api_key = held_api_key
        self._clock = clock
        self._shared_locks = locks or ProcessLocalLocks()
        self.events = events or SessionEvents()
        self._relay = relay
        self._max_sessions = max_sessions
        self._on_change = on_change
        self._flights: dict[str, _Flight] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def login(self, app: AppIdentity, uid: str, api_key: str) -> CallsUser:
        """Log `uid` in for `app`, with the request's key or else the held one."""
        policy = self.policy.require(app.name, Operation.LOGIN)
        key = ("uid", uid, _digest(api_key))
        joined = self._join_identical(app, key)
        if joined is not None:
            return await joined
        effective_key = api_key or (self._held_api_key.reveal() if self._held_api_key else "")
        check_login(uid, effective_key)
        if not policy.may_log_in(uid):
            raise fail("ERROR_UID_NOT_ALLOWED")
        return await self._fly(app, key, self._login_flow(app.name, uid, effective_key))

    async def login_with_token(self, app: AppIdentity, auth_token: str) -> CallsUser:
        """Log in for `app` with an auth token created elsewhere.

        The token's user is known only once CometChat answers M1: a user outside the
        app's `login_uids` is logged out again at once and refused."""
        policy = self.policy.require(app.name, Operation.LOGIN_WITH_TOKEN)
        key = ("token", _digest(auth_token))
        joined = self._join_identical(app, key)
        if joined is not None:
            return await joined
        check_auth_token(auth_token)
        return await self._fly(app, key, self._token_flow(app.name, auth_token, policy))

    async def get_logged_in_user(self, app: AppIdentity) -> CallsUser | None:
        """The app's user from local state only; None when nobody is logged in."""
        self.policy.require(app.name, Operation.GET_LOGGED_IN_USER)
        session = await self._store.get(app.name)
        return session.user if session is not None else None

    async def logout(self, app: AppIdentity) -> CallsUser:
        """End the app's session; local state is cleared whatever CometChat answers.

        Returns the user who was logged out.
        """
        self.policy.require(app.name, Operation.LOGOUT)
        async with self._exclusive(app.name, "logout"):
            session = await self._store.get(app.name)
            if session is None:
                raise fail("ERROR_NO_USER_LOGGED_IN")
            await self._end(session)
            return session.user

    def _admit(self, app: str) -> None:
        # Called where a login is about to go upstream: joiners of a flight, cached
        # answers and input refused by validation spend nothing.
        if self._admission is not None:
            self._admission.admit(app)

    def watch(self, app: AppIdentity) -> Watch:
        """The app's changes from now on; read the current state after subscribing."""
        self.policy.require(app.name, Operation.WATCH_SESSION)
        return self.events.subscribe(app.name)

    async def check_revocation(self, app: str) -> bool:
        """R5 for the app's token with the held key; drops a revoked session.

        Returns whether a session was dropped. Raises the SidecarError of any other
        failure (AUTH_ERR_NO_ACCESS for an Auth Key, which may not call R5).
        """
        session = await self._store.get(app)
        if session is None or self._held_api_key is None:
            return False
        try:
            await self._gateway.check_auth_token(
                session.user.uid, session.auth_token, self._held_api_key.reveal()
            )
        except SidecarError as error:
            if error.reason not in REVOKED_REASONS:
                raise
            return await self.drop_revoked(app, session.auth_token)
        return False

    async def session_of(self, app: str) -> Session | None:
        """The app's session as stored (its auth token included), for the services that
        act with it; None when nobody is logged in."""
        return await self._store.get(app)

    async def drop_revoked(self, app: str, auth_token: str) -> bool:
        """Drop the app's session if it still holds `auth_token`, which CometChat no
        longer knows; its watchers see REVOKED. Returns whether a session was dropped."""
        async with self._exclusive(app, "revoke"):
            current = await self._store.get(app)
            # Only the session that was checked: a new login meanwhile is not revoked.
            if current is None or not hmac.compare_digest(
                current.auth_token.encode(), auth_token.encode()
            ):
                return False
            await self._store.delete(app)
            _log.info("session_revoked", app=app, uid=current.user.uid)
            await self._publish(SessionEvent(app, Change.REVOKED, None))
            return True

    async def drop_user(self, app: str, uid: str) -> bool:
        """Drop the app's session if it is `uid`'s (every token of the user was revoked);
        its watchers see REVOKED. Returns whether a session was dropped."""
        async with self._exclusive(app, "revoke"):
            current = await self._store.get(app)
            if current is None or current.user.uid.lower() != uid.lower():
                return False
            await self._store.delete(app)
            _log.info("session_revoked", app=app, uid=current.user.uid)
            await self._publish(SessionEvent(app, Change.REVOKED, None))
            return True

    # Flights -------------------------------------------------------------------

    def _join_identical(
        self, app: AppIdentity, key: tuple[str, ...]
    ) -> Coroutine[Any, Any, CallsUser] | None:
        """Join a running identical login; refuse a different one (SDK's first check)."""
        flight = self._flights.get(app.name)
        if flight is None:
            return None
        if flight.key != key:
            raise fail("ERROR_LOGIN_IN_PROGRESS")
        return self._await(flight)

    async def _fly(
        self, app: AppIdentity, key: tuple[str, ...], flow: Coroutine[Any, Any, CallsUser]
    ) -> CallsUser:
        task = asyncio.get_running_loop().create_task(flow)
        flight = _Flight(key, task)
        self._flights[app.name] = flight

        def _landed(done: asyncio.Task[CallsUser]) -> None:
            if self._flights.get(app.name) is flight:
                del self._flights[app.name]
            if not done.cancelled():
                done.exception()  # retrieved here so an unawaited failure is not reported

        task.add_done_callback(_landed)
        return await self._await(flight)

    @staticmethod
    async def _await(flight: _Flight) -> CallsUser:
        flight.waiters += 1
        try:
            return await asyncio.shield(flight.task)
        finally:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()

    def _lock(self, app: str) -> asyncio.Lock:
        lock = self._locks.get(app)
        if lock is None:
            lock = self._locks[app] = asyncio.Lock()
        return lock

    @asynccontextmanager
    async def _exclusive(self, app: str, purpose: str) -> AsyncIterator[None]:
        """The app's lock in this process, then across processes sharing the store."""
        async with self._lock(app), self._shared_locks.hold(app, purpose):
            yield

    async def _publish(self, event: SessionEvent) -> None:
        if self._on_change is not None:
            self._on_change(event.change)  # changes made here only, not relayed ones
        self.events.publish(event)
        if self._relay is not None:
            try:
                await self._relay(event)
            except Exception as error:
                # The change is stored; only other processes' watchers miss this one.
                _log.warning("event_relay_failed", app=event.app, error_type=type(error).__name__)

    async def _check_room(self, app: str, current: Session | None) -> None:
        """A new session must fit under max_sessions (replacing one always fits)."""
        if (
            current is None
            and self._max_sessions is not None
            and await self._store.count() >= self._max_sessions
        ):
            raise fail("ERROR_TOO_MANY_SESSIONS")

    # Flows ---------------------------------------------------------------------

    async def _login_flow(self, app: str, uid: str, api_key: str) -> CallsUser:
        purpose = LOGIN_PREFIX + _digest(f"uid\0{uid.lower()}\0{api_key}")
        async with self._exclusive(app, purpose):
            current = await self._store.get(app)
            # CometChat lower-cases UIDs, so "Alice" and "alice" are one user.
            if current is not None and current.user.uid.lower() == uid.lower():
                return current.user
            self._admit(app)
            await self._check_room(app, current)
            return await self._switch(app, current, self._gateway.create_auth_token(uid, api_key))

    async def _token_flow(self, app: str, auth_token: str, policy: AppPolicy) -> CallsUser:
        async with self._exclusive(app, LOGIN_PREFIX + _digest(f"token\0{auth_token}")):
            current = await self._store.get(app)
            if current is not None and hmac.compare_digest(
                current.auth_token.encode(), auth_token.encode()
            ):
                return current.user
            self._admit(app)
            await self._check_room(app, current)
            return await self._switch(app, current, _ready(auth_token), policy)

    async def _switch(
        self,
        app: str,
        current: Session | None,
        new_token: Coroutine[Any, Any, str],
        policy: AppPolicy | None = None,
    ) -> CallsUser:
        """Log the current user out upstream (as the SDK does), then log the new one in.

        The stored session is *replaced* by the new one in one write, so a crash at
        any moment leaves the old session or the new one, never a gap between them.
        When the new login fails, the old session (already ended upstream) is dropped.
        """
        try:
            if current is not None:
                await self._close_upstream(current)
            auth_token = await new_token
            device_id = secrets.token_hex(16)
            user = await self._gateway.open_session(auth_token, device_id)
            if policy is not None and not policy.may_log_in(user.uid):
                await self._close_upstream(Session(app, user, auth_token, device_id, 0.0))
                raise fail("ERROR_UID_NOT_ALLOWED")
            await self._store.put(Session(app, user, auth_token, device_id, self._clock()))
        except BaseException:
            new_token.close()  # not awaited when the upstream logout was cancelled
            if current is not None:
                await self._forget(current)
            raise
        if current is not None:
            await self._publish(SessionEvent(app, Change.LOGGED_OUT, None))
        await self._publish(SessionEvent(app, Change.LOGGED_IN, user))
        return user

    async def _end(self, session: Session) -> None:
        """Close the CometChat session, then forget it locally whatever the answer."""
        try:
            await self._close_upstream(session)
        finally:
            await self._forget(session)

    async def _close_upstream(self, session: Session) -> None:
        """M2; CometChat's refusal is logged, never raised (the SDK logs out regardless)."""
        try:
            await self._gateway.close_session(session.auth_token, session.device_id)
        except SidecarError as error:
            if error.reason != _TOKEN_GONE:
                _log.warning(
                    "upstream_logout_failed",
                    app=session.app,
                    uid=session.user.uid,
                    reason=error.reason,
                )

    async def _forget(self, session: Session) -> None:
        await self._store.delete(session.app)
        await self._publish(SessionEvent(session.app, Change.LOGGED_OUT, None))


async def _ready(value: str) -> str:
    return value
