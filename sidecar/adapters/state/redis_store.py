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

Every round trip is bounded: by the caller's deadline (less a margin) when there is one,
else by `_DEFAULT_BUDGET`; a Redis that is down, restarting or failing over answers
`STATE_UNAVAILABLE` in time, never a hang, and the client reconnects by itself on the next
call. A Sentinel-managed Redis (`redis+sentinel://`) is followed to its new primary after a
failover. With `min_replicas`, each session write is followed on the same connection by
`WAIT min_replicas`, and answered only once that many replicas hold it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar, cast

import redis.asyncio as aioredis
import structlog
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.exceptions import RedisError

from sidecar.adapters.cometchat.deadline import time_remaining
from sidecar.adapters.state.issued_tokens import ISSUED_TOKENS_PER_APP
from sidecar.adapters.state.redis_url import is_sentinel, parse_sentinel_url, redacted
from sidecar.adapters.state.sealing import SessionSealer, open_stored, resealed
from sidecar.domain.errors import ConfigError, SidecarError, fail
from sidecar.domain.events import Change, SessionEvent
from sidecar.domain.model import Session
from sidecar.domain.secret import Secret
from sidecar.service.ports import conflicts

_log = structlog.get_logger(__name__)

LOCK_TTL_SECONDS: Final = 10.0
_WAIT_FIRST: Final = 0.01
_WAIT_MOST: Final = 0.1
_NO_FENCE: Final = ""
# A round trip with no caller deadline (reads, the relay, background work) gives up after
# this long; on loopback or in one zone Redis answers in milliseconds.
_DEFAULT_BUDGET: Final = 1.0
# Stop this much before the caller's deadline (10 % of what is left, within these bounds),
# so the caller gets STATE_UNAVAILABLE with its reason rather than a bare deadline error.
_MARGIN_MIN: Final = 0.02
_MARGIN_MAX: Final = 0.25
# The longest a session write waits for its replicas (WAIT): at most half of what is left
# of the caller's deadline, else this long. A connected replica acknowledges within
# milliseconds, unless its own fsync (appendfsync always) is slowed by a busy disk.
REPLICA_WAIT_SECONDS: Final = 3.0
# A lock whose release failed (Redis unreachable) is released again every so often until
# its TTL would have ended it anyway, so the app's next login need not wait out the TTL.
_RELEASE_RETRY_SECONDS: Final = 0.1
_T = TypeVar("_T")

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


@dataclass(frozen=True)
class RedisOptions:
    """How to reach Redis beyond its URL: passwords (from files or the environment, never
    in the URL as logged) and how many replicas must hold each session write."""

    password: Secret | None = field(default=None, repr=False)
    sentinel_password: Secret | None = field(default=None, repr=False)
    min_replicas: int = 0


def _connect(url: Secret, options: RedisOptions) -> tuple[aioredis.Redis, Sentinel | None]:
    """A client of the Redis `url` names: the server itself, or the primary of a
    Sentinel-managed service (asked of the sentinels again on every new connection)."""
    common: dict[str, Any] = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        # A few quick tries on a dropped connection, never seconds of backoff: the caller's
        # deadline (see _budget) bounds every round trip anyway.
        "retry": Retry(ExponentialBackoff(cap=0.1, base=0.02), 2),
    }
    if options.password is not None:
        common["password"] = options.password.reveal()
    text = url.reveal()
    if not is_sentinel(text):
        return aioredis.Redis.from_url(text, decode_responses=False, **common), None
    service = parse_sentinel_url(text)
    # Each sentinel is asked once per discovery (the next one is asked if it fails), never
    # retried with backoff: a sentinel that is down must not hold up the call.
    sentinel_kwargs: dict[str, Any] = {
        "socket_connect_timeout": 1,
        "socket_timeout": 1,
        "retry": Retry(NoBackoff(), 0),
    }
    if options.sentinel_password is not None:
        sentinel_kwargs["password"] = options.sentinel_password.reveal()
    sentinel = Sentinel(  # type: ignore[no-untyped-call]
        list(service.sentinels), sentinel_kwargs=sentinel_kwargs, **common
    )
    client = sentinel.master_for(service.service, db=service.db, decode_responses=False)
    return client, sentinel


class RedisState:
    """Sessions, locks and the change relay in one Redis. Build it with `open`."""

    def __init__(
        self,
        client: aioredis.Redis,
        namespace: str,
        sealer: SessionSealer,
        *,
        lock_ttl: float = LOCK_TTL_SECONDS,
        min_replicas: int = 0,
        sentinel: Sentinel | None = None,
    ) -> None:
        self._redis = client
        self._sentinel = sentinel
        self._ns = namespace
        self._sealer = sealer
        self._lock_ttl = lock_ttl
        self._min_replicas = min_replicas
        self._origin = secrets.token_hex(8)
        self._apps_key = f"{namespace}apps"
        self._channel = f"{namespace}events"
        self._put = client.register_script(_PUT)
        self._delete = client.register_script(_DELETE)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)
        self._swap = client.register_script(_SWAP)
        # The owner values of the locks operations of this process hold now. A lock that
        # carries this process's origin but is not among them is stale (its release failed,
        # or its SET landed while its answer was lost): the next operation here releases it
        # at once rather than wait out its TTL.
        self._live: set[str] = set()
        self._late_releases: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(
        cls,
        url: Secret,
        namespace: str,
        sealer: SessionSealer,
        *,
        options: RedisOptions | None = None,
        lock_ttl: float = LOCK_TTL_SECONDS,
    ) -> RedisState:
        """Connect, check every stored session opens with the keys, rotate keys."""
        options = options or RedisOptions()
        client, sentinel = _connect(url, options)
        state = cls(
            client,
            namespace,
            sealer,
            lock_ttl=lock_ttl,
            min_replicas=options.min_replicas,
            sentinel=sentinel,
        )
        try:
            await client.ping()
        except RedisError as error:
            await state.close()
            raise ConfigError(
                f"cannot reach Redis at {redacted(url.reveal())}: {type(error).__name__}"
            ) from None
        try:
            rotated = await state._check_and_rotate()
        except BaseException:
            await state.close()
            raise
        if rotated:
            _log.info("state_key_rotated", backend="redis", sessions=rotated)
        return state

    async def close(self) -> None:
        for task in self._late_releases:
            task.cancel()
        await asyncio.gather(*self._late_releases, return_exceptions=True)
        await self._redis.aclose()
        if self._sentinel is not None:
            await self._sentinel.aclose()

    # SessionStore ----------------------------------------------------------------

    async def get(self, app: str) -> Session | None:
        sealed = await self._io("get", self._redis.get(self._session_key(app)))
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
        return int(await self._io("count", self._redis.scard(self._apps_key)))

    # IssuedTokens ----------------------------------------------------------------
    # One sorted set per app, members `<user>:<fingerprint>` scored by when they were
    # added, trimmed to the newest ISSUED_TOKENS_PER_APP in the same transaction.

    async def add(self, app: str, user: str, fingerprint: str) -> None:
        key = self._issued_key(app)
        pipe = self._redis.pipeline(transaction=True)
        pipe.zadd(key, {f"{user}:{fingerprint}": time.time()})
        pipe.zremrangebyrank(key, 0, -(ISSUED_TOKENS_PER_APP + 1))
        await self._io("issued", pipe.execute())

    async def holds(self, app: str, user: str, fingerprint: str) -> bool:
        member = f"{user}:{fingerprint}"
        score = await self._io("issued", self._redis.zscore(self._issued_key(app), member))
        return score is not None

    async def discard(self, app: str, user: str, fingerprint: str) -> None:
        await self._io("issued", self._redis.zrem(self._issued_key(app), f"{user}:{fingerprint}"))

    async def discard_user(self, app: str, user: str) -> None:
        key = self._issued_key(app)
        members = cast(list[bytes | str], await self._io("issued", self._redis.zrange(key, 0, -1)))
        prefix = f"{user}:".encode()
        mine = [m for m in (_as_bytes(m) for m in members) if m.startswith(prefix)]
        if mine:
            await self._io("issued", self._redis.zrem(key, *mine))

    # AppLocks --------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def hold(self, app: str, purpose: str) -> AsyncIterator[None]:
        key = self._lock_key(app)
        value = f"{purpose}|{self._origin}|{secrets.token_hex(16)}"
        ttl_ms = int(self._lock_ttl * 1000)
        await self._acquire(key, value, purpose, ttl_ms)
        self._live.add(value)

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
            self._live.discard(value)
            _fence.reset(token)
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
            try:
                async with asyncio.timeout(_budget()):
                    await self._release(keys=[key], args=[value])
            except (RedisError, TimeoutError) as error:
                _log.warning("state_lock_release_failed", app=app, error_type=type(error).__name__)
                self._release_later(key, value)

    async def _acquire(self, key: str, value: str, purpose: str, ttl_ms: int) -> None:
        """Take the lock, waiting while a compatible operation holds it; refuse at once when
        a conflicting login holds it, and when the caller's deadline comes first."""
        wait = _WAIT_FIRST
        while True:
            try:
                taken = await self._io("lock", self._redis.set(key, value, nx=True, px=ttl_ms))
            except SidecarError:
                # The SET may have landed before its answer was lost: release it once Redis
                # answers again, or let the app's next operation here release it.
                self._release_later(key, value)
                raise
            if taken:
                return
            holder = await self._io("lock", self._redis.get(key))
            if holder is not None:
                held = _as_bytes(holder).decode()
                if held == value:
                    return  # our own SET, applied before its answer was lost and it was retried
                if _origin_of(held) == self._origin and held not in self._live:
                    await self._io("lock", self._release(keys=[key], args=[held]))
                    continue
                if conflicts(purpose, held.split("|")[0]):
                    raise fail("ERROR_LOGIN_IN_PROGRESS")
            left = time_remaining()
            if left is not None and left - _margin(left) < wait:
                raise fail("ERROR_LOGIN_IN_PROGRESS")  # still held when the caller gives up
            await asyncio.sleep(wait)
            wait = min(wait * 2, _WAIT_MOST)

    async def _keep(
        self, key: str, value: str, ttl_ms: int, owner: asyncio.Task[Any], lost: asyncio.Event
    ) -> None:
        """Renew the lock every third of its TTL; cancel the owner if it was lost."""
        while True:
            await asyncio.sleep(self._lock_ttl / 3)
            try:
                async with asyncio.timeout(self._lock_ttl / 3):
                    renewed = await self._renew(keys=[key], args=[value, ttl_ms])
            except (RedisError, TimeoutError):
                continue  # try again; the fence still guards the writes
            if not renewed:
                _log.error("state_lock_lost", key=key)
                lost.set()
                owner.cancel()
                return

    def _release_later(self, key: str, value: str) -> None:
        """Keep releasing until the TTL would have ended it, so that other processes need
        not wait it out either."""
        task = asyncio.get_running_loop().create_task(self._release_until_expired(key, value))
        self._late_releases.add(task)
        task.add_done_callback(self._late_releases.discard)

    async def _release_until_expired(self, key: str, value: str) -> None:
        loop = asyncio.get_running_loop()
        expires_at = loop.time() + self._lock_ttl
        while loop.time() < expires_at:
            await asyncio.sleep(_RELEASE_RETRY_SECONDS)
            try:
                async with asyncio.timeout(_DEFAULT_BUDGET):
                    await self._release(keys=[key], args=[value])
            except (RedisError, TimeoutError):
                continue
            _log.info("state_lock_released_late", key=key)
            return

    # Relay of changes to the other replicas ---------------------------------------

    async def relay(self, event: SessionEvent) -> None:
        message = {"origin": self._origin, "app": event.app, "change": event.change.value}
        await self._io("relay", self._redis.publish(self._channel, json.dumps(message)))

    async def listen(self, events: EventSink, ready: asyncio.Event | None = None) -> None:
        """Feed the other replicas' changes to this process's watchers, until cancelled.
        After a lost connection (a restart, a failover) the next read reconnects and
        subscribes again."""
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            if ready is not None:
                ready.set()
            failing = False
            while True:
                try:
                    message = await pubsub.get_message(timeout=1.0)
                except RedisError as error:
                    if not failing:
                        _log.warning("state_relay_failed", error_type=type(error).__name__)
                    failing = True
                    await asyncio.sleep(_RELEASE_RETRY_SECONDS)
                    continue
                if failing:
                    _log.info("state_relay_resumed")
                    failing = False
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

    def _issued_key(self, app: str) -> str:
        return f"{self._ns}issued:{app}"

    def _lock_key(self, app: str) -> str:
        return f"{self._ns}lock:{app}"

    def _fence_for(self, app: str) -> str:
        fence = _fence.get()
        return fence[1] if fence is not None and fence[0] == self._lock_key(app) else _NO_FENCE

    async def _io(
        self, what: str, operation: Awaitable[_T], without_deadline: float = _DEFAULT_BUDGET
    ) -> _T:
        """One round trip, bounded by the caller's deadline (else by `without_deadline`);
        STATE_UNAVAILABLE on failure."""
        try:
            async with asyncio.timeout(_budget(without_deadline)):
                return await operation
        except (RedisError, TimeoutError) as error:
            raise _unavailable(what, error) from None

    async def _fenced(self, script: Any, keys: list[str], args: list[Any]) -> None:
        if not self._min_replicas:
            written = await self._io("write", cast(Awaitable[int], script(keys=keys, args=args)))
        else:
            written = await self._io(
                "write",
                self._replicated(script, keys, args),
                without_deadline=_DEFAULT_BUDGET + REPLICA_WAIT_SECONDS,
            )
        if not written:
            _log.error("state_write_refused_lock_lost", key=keys[0])
            raise fail("STATE_UNAVAILABLE")

    async def _replicated(self, script: Any, keys: list[str], args: list[Any]) -> int:
        """The write, then WAIT on the same connection (WAIT counts the replicas that hold
        this connection's writes): written only once `min_replicas` replicas hold it."""
        # At most half of what is left: the call still has to answer (and, on a failed
        # login, drop the old session) before its deadline.
        left = time_remaining()
        wait = REPLICA_WAIT_SECONDS if left is None else min(REPLICA_WAIT_SECONDS, _budget() / 2)
        wait_ms = max(1, int(wait * 1000))
        pipe = self._redis.pipeline(transaction=False)
        await script(keys=keys, args=args, client=pipe)  # queued, sent with the WAIT
        pipe.wait(self._min_replicas, wait_ms)
        written, replicas = await pipe.execute()
        if written and int(replicas) < self._min_replicas:
            _log.error(
                "state_write_not_replicated",
                key=keys[0],
                replicas=int(replicas),
                min_replicas=self._min_replicas,
            )
            raise fail("STATE_UNAVAILABLE")
        return int(written)

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
        return f"RedisState(namespace={self._ns!r}, min_replicas={self._min_replicas})"


def _origin_of(lock_value: str) -> str:
    """The process that took a lock (its value is purpose|origin|random)."""
    parts = lock_value.split("|")
    return parts[1] if len(parts) == 3 else ""


def _margin(left: float) -> float:
    return min(_MARGIN_MAX, max(_MARGIN_MIN, left * 0.1))


def _budget(without_deadline: float = _DEFAULT_BUDGET) -> float:
    """Seconds the next round trip may take: the caller's deadline less a margin, else
    `without_deadline`; never below a few milliseconds (the call then fails fast)."""
    left = time_remaining()
    if left is None:
        return without_deadline
    return max(0.005, left - _margin(left))


def _unavailable(what: str, error: RedisError | TimeoutError) -> Exception:
    _log.error(
        "state_unavailable", backend="redis", operation=what, error_type=type(error).__name__
    )
    return fail("STATE_UNAVAILABLE")


def _as_bytes(value: bytes | str) -> bytes:
    return value if isinstance(value, bytes) else value.encode()
