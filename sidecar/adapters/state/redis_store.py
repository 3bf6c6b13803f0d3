"""Redis: the session store, the per-app locks and the change relay shared by replicas.

Keys live under `cometchat-sidecar:{CometChat app id}:` so two CometChat apps can
share one Redis: `session:{app}` holds the sealed session, the set `apps` names the
apps that have one (for the max_sessions cap), `lock:{app}` is the app's lock, and
changes are published on the channel `events` (app and kind of change only; no
token, no user data).

The lock's lifetime is bound to the operation holding it: it is taken with a short
TTL, a watchdog renews it while the operation runs, and it is released in `finally`
only by its owner (the release and the renewal compare the owner's random value in
one script). Should the lock be lost anyway (Redis unreachable for longer than the
TTL), the operation is cancelled and, as a last guard, every write is *fenced*: a
script writes the session only while the writer still holds the app's lock, so two
logins can never both store a session.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import secrets
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Final, Protocol, cast
from urllib.parse import urlsplit

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from sidecar.adapters.state.sealing import SessionSealer, open_stored, resealed
from sidecar.domain.errors import ConfigError, fail
from sidecar.domain.events import Change, SessionEvent
from sidecar.domain.model import Session
from sidecar.domain.secret import Secret
from sidecar.service.ports import conflicts

_log = structlog.get_logger(__name__)

LOCK_TTL_SECONDS: Final = 10.0
_WAIT_FIRST: Final = 0.01
_WAIT_MOST: Final = 0.1
_NO_FENCE: Final = ""

# The (lock key, owner value) of the lock the current task holds, for fenced writes.
_fence: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "redis_fence", default=None
)

_PUT: Final = """
if ARGV[3] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1
"""
_DELETE: Final = """
if ARGV[2] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1
"""
_RENEW: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_SWAP: Final = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end
return 0
"""


class EventSink(Protocol):
    """Where changes made by other replicas are delivered (this process's watchers)."""

    def publish(self, event: SessionEvent) -> None: ...

    def watchers(self, app: str | None = None) -> int: ...


def redacted(url: str) -> str:
    """The URL without its user and password, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class RedisState:
    """Sessions, locks and the change relay in one Redis. Build it with `open`."""

    def __init__(
        self,
        client: aioredis.Redis,
        namespace: str,
        sealer: SessionSealer,
        *,
        lock_ttl: float = LOCK_TTL_SECONDS,
    ) -> None:
        self._redis = client
        self._ns = namespace
        self._sealer = sealer
        self._lock_ttl = lock_ttl
        self._origin = secrets.token_hex(8)
        self._apps_key = f"{namespace}apps"
        self._channel = f"{namespace}events"
        self._put = client.register_script(_PUT)
        self._delete = client.register_script(_DELETE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._swap = client.register_script(_SWAP)

    @classmethod
    async def open(
        cls,
        url: Secret,
        namespace: str,
        sealer: SessionSealer,
        *,
        lock_ttl: float = LOCK_TTL_SECONDS,
    ) -> RedisState:
        """Connect, check every stored session opens with the keys, rotate keys."""
        client = aioredis.Redis.from_url(
            url.reveal(), socket_connect_timeout=3, socket_timeout=5, decode_responses=False
        )
        state = cls(client, namespace, sealer, lock_ttl=lock_ttl)
        try:
            await client.ping()
        except RedisError as error:
            await client.aclose()
            raise ConfigError(
                f"cannot reach Redis at {redacted(url.reveal())}: {type(error).__name__}"
            ) from None
        try:
            rotated = await state._check_and_rotate()
        except BaseException:
            await client.aclose()
            raise
        if rotated:
            _log.info("state_key_rotated", backend="redis", sessions=rotated)
        return state

    async def close(self) -> None:
        await self._redis.aclose()

    # SessionStore ----------------------------------------------------------------

    async def get(self, app: str) -> Session | None:
        try:
            sealed = await self._redis.get(self._session_key(app))
        except RedisError as error:
            raise _unavailable("get", error) from None
        if sealed is None:
            return None
        return open_stored(self._sealer, app, _as_bytes(sealed), backend="redis")

    async def put(self, session: Session) -> None:
        sealed = self._sealer.seal(session)
        keys = [self._session_key(session.app), self._apps_key, self._lock_key(session.app)]
        await self._fenced(self._put, keys, [sealed, session.app, self._fence_for(session.app)])

    async def delete(self, app: str) -> None:
        keys = [self._session_key(app), self._apps_key, self._lock_key(app)]
        await self._fenced(self._delete, keys, [app, self._fence_for(app)])

    async def count(self) -> int:
        try:
            return int(await self._redis.scard(self._apps_key))
        except RedisError as error:
            raise _unavailable("count", error) from None

    # AppLocks --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def hold(self, app: str, purpose: str) -> AsyncIterator[None]:
        key = self._lock_key(app)
        value = f"{purpose}|{secrets.token_hex(16)}"
        ttl_ms = int(self._lock_ttl * 1000)
        wait = _WAIT_FIRST
        try:
            while not await self._redis.set(key, value, nx=True, px=ttl_ms):
                holder = await self._redis.get(key)
                if holder is not None and conflicts(
                    purpose, _as_bytes(holder).decode().split("|")[0]
                ):
                    raise fail("ERROR_LOGIN_IN_PROGRESS")
                await asyncio.sleep(wait)
                wait = min(wait * 2, _WAIT_MOST)
        except RedisError as error:
            raise _unavailable("lock", error) from None

        task = asyncio.current_task()
        assert task is not None
        lost = asyncio.Event()
        watchdog = asyncio.get_running_loop().create_task(
            self._keep(key, value, ttl_ms, task, lost)
        )
        token = _fence.set((key, value))
        try:
            yield
        except asyncio.CancelledError:
            if lost.is_set():
                task.uncancel()
                raise fail("STATE_UNAVAILABLE") from None
            raise
        finally:
            _fence.reset(token)
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
            try:
                await self._release(keys=[key], args=[value])
            except RedisError as error:
                # It expires on its own within the TTL.
                _log.warning("state_lock_release_failed", app=app, error_type=type(error).__name__)

    async def _keep(
        self, key: str, value: str, ttl_ms: int, owner: asyncio.Task[Any], lost: asyncio.Event
    ) -> None:
        """Renew the lock every third of its TTL; cancel the owner if it was lost."""
        while True:
            await asyncio.sleep(self._lock_ttl / 3)
            try:
                renewed = await self._renew(keys=[key], args=[value, ttl_ms])
            except RedisError:
                continue  # try again; the fence still guards the writes
            if not renewed:
                _log.error("state_lock_lost", key=key)
                lost.set()
                owner.cancel()
                return

    # Relay of changes to the other replicas ---------------------------------------

    async def relay(self, event: SessionEvent) -> None:
        message = {"origin": self._origin, "app": event.app, "change": event.change.value}
        await self._redis.publish(self._channel, json.dumps(message))

    async def listen(self, events: EventSink, ready: asyncio.Event | None = None) -> None:
        """Feed the other replicas' changes to this process's watchers, until cancelled."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            if ready is not None:
                ready.set()
            while True:
                try:
                    message = await pubsub.get_message(timeout=1.0)
                except RedisError as error:
                    _log.warning("state_relay_failed", error_type=type(error).__name__)
                    await asyncio.sleep(1.0)
                    continue
                if message is not None:
                    await self._deliver(events, message)
        finally:
            with contextlib.suppress(RedisError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    async def _deliver(self, events: EventSink, message: dict[str, Any]) -> None:
        try:
            body = json.loads(message["data"])
            origin, app, change = str(body["origin"]), str(body["app"]), Change(body["change"])
        except (ValueError, KeyError, TypeError):
            return
        if origin == self._origin or events.watchers(app) == 0:
            return
        user = None
        if change is Change.LOGGED_IN:
            try:
                session = await self.get(app)
            except Exception:  # a watcher learns the state on the next change
                return
            user = session.user if session is not None else None
        events.publish(SessionEvent(app, change, user))

    # Internals ----------------------------------------------------------------------

    def _session_key(self, app: str) -> str:
        return f"{self._ns}session:{app}"

    def _lock_key(self, app: str) -> str:
        return f"{self._ns}lock:{app}"

    def _fence_for(self, app: str) -> str:
        fence = _fence.get()
        return fence[1] if fence is not None and fence[0] == self._lock_key(app) else _NO_FENCE

    async def _fenced(self, script: Any, keys: list[str], args: list[Any]) -> None:
        try:
            written = await cast(Awaitable[int], script(keys=keys, args=args))
        except RedisError as error:
            raise _unavailable("write", error) from None
        if not written:
            _log.error("state_write_refused_lock_lost", key=keys[0])
            raise fail("STATE_UNAVAILABLE")

    async def _check_and_rotate(self) -> int:
        """Every session must open with the configured keys, else nothing is changed."""
        records: list[tuple[str, bytes]] = []
        prefix = f"{self._ns}session:"
        async for raw_key in self._redis.scan_iter(match=f"{prefix}*", count=500):
            key = _as_bytes(raw_key).decode()
            sealed = await self._redis.get(key)
            if sealed is not None:
                records.append((key[len(prefix) :], _as_bytes(sealed)))
        stale = resealed(
            self._sealer, records, holder="Redis", unchanged="nothing in Redis was changed"
        )
        for app, old, new in stale:
            # Compare-and-swap: a session changed meanwhile by a replica is already current.
            await self._swap(keys=[self._session_key(app)], args=[old, new])
        return len(stale)

    def __repr__(self) -> str:
        return f"RedisState(namespace={self._ns!r})"


def _unavailable(what: str, error: RedisError) -> Exception:
    _log.error(
        "state_unavailable", backend="redis", operation=what, error_type=type(error).__name__
    )
    return fail("STATE_UNAVAILABLE")


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
