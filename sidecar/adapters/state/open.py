"""Opens the configured state backend: memory, SQLite or Redis (see the README's table)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from sidecar.adapters.state.issued_tokens import MemoryIssuedTokens
from sidecar.adapters.state.memory import MemorySessionStore
from sidecar.adapters.state.sealing import SessionSealer, parse_state_key
from sidecar.domain.secret import Secret
from sidecar.service.ports import AppLocks, EventRelay, IssuedTokens, SessionStore

if TYPE_CHECKING:
    from sidecar.adapters.state.redis_store import EventSink

_log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StateConfig:
    """Where sessions live: `backend` is memory, sqlite (at `path`) or redis (at `redis_url`).

    Durable backends seal every session with `key`; records sealed with `previous_key`
    are read and rewritten with `key` at start. `namespace` prefixes every Redis key;
    `redis_password` and `redis_sentinel_password` authenticate to Redis and its sentinels,
    and each session write waits for `redis_min_replicas` replicas.
    """

    backend: str = "memory"
    path: Path | None = None
    redis_url: Secret | None = field(default=None, repr=False)
    key: Secret | None = field(default=None, repr=False)
    previous_key: Secret | None = field(default=None, repr=False)
    namespace: str = ""
    redis_password: Secret | None = field(default=None, repr=False)
    redis_sentinel_password: Secret | None = field(default=None, repr=False)
    redis_min_replicas: int = 0


@dataclass(frozen=True)
class State:
    """What the session and auth-token services are built on."""

    store: SessionStore
    issued: IssuedTokens
    locks: AppLocks | None = None
    relay: EventRelay | None = None


def _sealer(config: StateConfig) -> SessionSealer:
    assert config.key is not None  # checked with the settings
    previous = config.previous_key
    return SessionSealer(
        parse_state_key(config.key, "the state key"),
        parse_state_key(previous, "the previous state key") if previous is not None else None,
    )


@contextlib.asynccontextmanager
async def open_state(config: StateConfig, events: EventSink) -> AsyncIterator[State]:
    """The backend `config` names, opened and checked; closed on exit. Changes made by
    other processes sharing the store (Redis) are delivered to `events`."""
    backend = config.backend
    if backend == "memory":
        _log.info("state", backend=backend, durable=False)
        yield State(MemorySessionStore(), MemoryIssuedTokens())
        return
    sealer = _sealer(config)
    if backend == "sqlite":
        from sidecar.adapters.state.sqlite_store import SqliteSessionStore

        assert config.path is not None
        store = await SqliteSessionStore.open(config.path, sealer)
        _log.info("state", backend=backend, path=str(config.path), durable=True)
        try:
            yield State(store, store)
        finally:
            await store.close()
        return
    from sidecar.adapters.state.redis_store import RedisOptions, RedisState
    from sidecar.adapters.state.redis_url import redacted

    assert config.redis_url is not None
    options = RedisOptions(
        password=config.redis_password,
        sentinel_password=config.redis_sentinel_password,
        min_replicas=config.redis_min_replicas,
    )
    shared = await RedisState.open(config.redis_url, config.namespace, sealer, options=options)
    _log.info(
        "state",
        backend=backend,
        redis=redacted(config.redis_url.reveal()),
        min_replicas=config.redis_min_replicas,
        durable=True,
    )
    ready = asyncio.Event()
    listener = asyncio.get_running_loop().create_task(shared.listen(events, ready))
    try:
        # Subscribed before serving, so no change of another replica is missed after start.
        subscribed = asyncio.ensure_future(ready.wait())
        await asyncio.wait([listener, subscribed], timeout=5, return_when=asyncio.FIRST_COMPLETED)
        subscribed.cancel()
        yield State(shared, shared, locks=shared, relay=shared.relay)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await shared.close()
