"""The SQLite store's read cache, on a real file: reads answered from memory are the
file's committed state, never a write that failed."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sidecar.adapters.state.sealing import SessionSealer
from sidecar.adapters.state.sqlite_store import SqliteSessionStore
from sidecar.domain.errors import SidecarError
from sidecar.domain.model import CallsUser, Session, UserStatus

USER = CallsUser("uid-1", "One", "", UserStatus.ONLINE)


def _session(app: str, token: str = "token-1") -> Session:  # noqa: S107 (a test token)
    return Session(app, USER, token, "device-1", 1700000000.0)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteSessionStore]:
    opened = await SqliteSessionStore.open(tmp_path / "state.db", SessionSealer(os.urandom(32)))
    yield opened
    await opened.close()


def _selects(store: SqliteSessionStore) -> list[str]:
    """The SELECTs the store's connection runs from now on."""
    statements: list[str] = []
    store._db.set_trace_callback(
        lambda sql: statements.append(sql) if sql.startswith("SELECT") else None
    )
    return statements


async def test_a_read_after_a_write_or_a_read_runs_no_query(store: SqliteSessionStore) -> None:
    selects = _selects(store)

    assert await store.get("a") is None
    assert await store.get("a") is None
    await store.put(_session("a"))
    assert await store.get("a") == _session("a")
    await store.delete("a")
    assert await store.get("a") is None

    assert len(selects) == 1  # only the first read of the app went to the file


async def test_a_failed_write_leaves_the_committed_session_and_drops_the_cache(
    store: SqliteSessionStore,
) -> None:
    await store.put(_session("a", "old"))
    # Another connection holds the write lock: the store's write fails after its
    # busy timeout, and the row keeps the committed session.
    store._db.execute("PRAGMA busy_timeout=50")
    blocker = sqlite3.connect(store._path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(SidecarError) as failed:
            await store.put(_session("a", "new"))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert failed.value.reason == "STATE_UNAVAILABLE"

    selects = _selects(store)
    assert await store.get("a") == _session("a", "old")
    assert len(selects) == 1  # read from the file, not from a cache of the failed write
