"""Opens the configured state backend: memory, SQLite or Redis (see the README's table)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from sidecar.config import Settings
from sidecar.events import SessionEvents
from sidecar.locks import AppLocks
from sidecar.sealing import SessionSealer, parse_state_key
from sidecar.service import EventRelay
from sidecar.store import MemorySessionStore, SessionStore

_log = structlog.get_logger("sidecar.store")


@dataclass(frozen=True)
class State:
    """What the session service is built on."""

    store: SessionStore
    events: SessionEvents
    locks: AppLocks | None = None
    relay: EventRelay | None = None


def sealer_for(settings: Settings) -> SessionSealer:
    assert settings.state_key is not None  # checked by config
    previous = settings.state_previous_key
    return SessionSealer(
        parse_state_key(settings.state_key, "the state key"),
        parse_state_key(previous, "the previous state key") if previous is not None else None,
    )


@contextlib.asynccontextmanager
async def open_state(settings: Settings, app_id: str) -> AsyncIterator[State]:
    """The backend `settings` names, opened and checked; closed on exit."""
    events = SessionEvents()
    backend = settings.backend
    if backend == "memory":
        _log.info("state", backend=backend, durable=False)
        yield State(MemorySessionStore(), events)
        return
    sealer = sealer_for(settings)
    if backend == "sqlite":
        from sidecar.store_sqlite import SqliteSessionStore

        assert settings.state_path is not None
        store = await SqliteSessionStore.open(settings.state_path, sealer)
        _log.info("state", backend=backend, path=str(settings.state_path), durable=True)
        try:
            yield State(store, events)
        finally:
            await store.close()
        return
    from sidecar.store_redis import RedisState, redacted

    assert settings.redis_url is not None
    shared = await RedisState.open(settings.redis_url, f"cometchat-sidecar:{app_id}:", sealer)
    _log.info("state", backend=backend, redis=redacted(settings.redis_url.reveal()), durable=True)
    ready = asyncio.Event()
    listener = asyncio.get_running_loop().create_task(shared.listen(events, ready))
    try:
        # Subscribed before serving, so no change of another replica is missed after start.
        subscribed = asyncio.ensure_future(ready.wait())
        await asyncio.wait([listener, subscribed], timeout=5, return_when=asyncio.FIRST_COMPLETED)
        subscribed.cancel()
        yield State(shared, events, locks=shared, relay=shared.relay)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
        await shared.close()
