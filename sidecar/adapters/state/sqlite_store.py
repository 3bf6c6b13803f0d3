"""SQLite session store: one file in WAL mode, sealed sessions, blocking calls off the loop.

Durability: every `put`/`delete` is one transaction committed with
`synchronous=FULL` before it returns, so a crash (even SIGKILL) at any moment
leaves each app's row either as it was or as it was written, never torn. A
session is one row, so no two writes can mix.

A full volume fails the write (`STATE_UNAVAILABLE`) and leaves every stored row as it
was; writes work again once there is room, without a restart. A file that is damaged,
or that cannot be opened for writing (a read-only volume), stops the start with a
`ConfigError` that names the problem; the file is left as it is.

One process owns the file: an exclusive `flock` on `<file>.lock` refuses a second
sidecar (two writers would defeat the per-app locks). The kernel drops the lock
when the process dies, so a restart after SIGKILL takes it again.

Because no other process writes the file, reads are answered from memory once an
app's row has been read or written: `GetLoggedInUser`, the hot path, costs no
thread hop, no query and no unsealing. The cache holds what the file holds: it is
filled only from a read no write overtook, set only after a write committed, and
dropped when a write fails (the next read goes to the file).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

import structlog

from sidecar.adapters.state.issued_tokens import ISSUED_TOKENS_PER_APP
from sidecar.adapters.state.sealing import SessionSealer, open_stored, resealed
from sidecar.domain.errors import ConfigError, fail
from sidecar.domain.model import Session

_log = structlog.get_logger(__name__)
_T = TypeVar("_T")
_SCHEMA: Final = "CREATE TABLE IF NOT EXISTS sessions (app TEXT PRIMARY KEY, sealed BLOB NOT NULL)"
# The fingerprints of the auth tokens each app issued (IssuedTokens): no token, no UID in
# clear (the service hands a digest of it); `seq` orders them, oldest first.
_ISSUED_SCHEMA: Final = (
    "CREATE TABLE IF NOT EXISTS issued_tokens (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
    "app TEXT NOT NULL, fingerprint TEXT NOT NULL, user TEXT NOT NULL, UNIQUE (app, fingerprint))"
)
FILE_MODE: Final = 0o600


class SqliteSessionStore:
    """Sessions in one SQLite file. Build it with `open`; `close` when done."""

    def __init__(
        self,
        path: Path,
        connection: sqlite3.Connection,
        lock_fd: int,
        sealer: SessionSealer,
        executor: ThreadPoolExecutor,
    ) -> None:
        self._path = path
        self._db = connection
        self._lock_fd = lock_fd
        self._sealer = sealer
        # One thread: the connection is used by one thread at a time, writes are serial.
        self._executor = executor
        # app -> its committed session (None: no row). Bounded by the configured apps:
        # only identified apps reach the store.
        self._cache: dict[str, Session | None] = {}
        self._writes = 0  # bumped by every write, so a read it overtook is not cached

    @classmethod
    async def open(cls, path: Path, sealer: SessionSealer) -> SqliteSessionStore:
        """Open (or create, mode 0600) the file; check every record opens; rotate keys."""
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        loop = asyncio.get_running_loop()
        try:
            connection, lock_fd = await loop.run_in_executor(executor, _connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        store = cls(path, connection, lock_fd, sealer, executor)
        try:
            rotated = await store._run(store._check_and_rotate)
        except sqlite3.DatabaseError as error:
            await store.close()
            raise ConfigError(
                f"the state file {str(path)!r} cannot be read "
                f"({_sqlite_problem(error)}); it was not changed"
            ) from None
        except BaseException:
            await store.close()
            raise
        if rotated:
            _log.info("state_key_rotated", backend="sqlite", sessions=rotated)
        return store

    async def close(self) -> None:
        await self._run(self._db.close)
        self._executor.shutdown(wait=True)
        os.close(self._lock_fd)

    async def get(self, app: str) -> Session | None:
        try:
            return self._cache[app]
        except KeyError:
            pass
        writes = self._writes
        row = await self._run(
            lambda: self._db.execute("SELECT sealed FROM sessions WHERE app = ?", (app,)).fetchone()
        )
        session = (
            None if row is None else open_stored(self._sealer, app, bytes(row[0]), backend="sqlite")
        )
        if self._writes == writes:
            self._cache[app] = session
        return session

    async def put(self, session: Session) -> None:
        sealed = self._sealer.seal(session)
        await self._write(
            session.app,
            session,
            "INSERT OR REPLACE INTO sessions (app, sealed) VALUES (?, ?)",
            (session.app, sealed),
        )

    async def delete(self, app: str) -> None:
        await self._write(app, None, "DELETE FROM sessions WHERE app = ?", (app,))

    async def count(self) -> int:
        row = await self._run(lambda: self._db.execute("SELECT count(*) FROM sessions").fetchone())
        return int(row[0])

    # IssuedTokens ----------------------------------------------------------------

    async def add(self, app: str, user: str, fingerprint: str) -> None:
        def add() -> None:
            with self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO issued_tokens (app, fingerprint, user) "
                    "VALUES (?, ?, ?)",
                    (app, fingerprint, user),
                )
                self._db.execute(
                    "DELETE FROM issued_tokens WHERE app = ? AND seq NOT IN (SELECT seq FROM "
                    "issued_tokens WHERE app = ? ORDER BY seq DESC LIMIT ?)",
                    (app, app, ISSUED_TOKENS_PER_APP),
                )

        await self._issued(add)

    async def holds(self, app: str, user: str, fingerprint: str) -> bool:
        row = await self._issued(
            lambda: self._db.execute(
                "SELECT 1 FROM issued_tokens WHERE app = ? AND fingerprint = ? AND user = ?",
                (app, fingerprint, user),
            ).fetchone()
        )
        return row is not None

    async def discard(self, app: str, user: str, fingerprint: str) -> None:
        def discard() -> None:
            with self._db:
                self._db.execute(
                    "DELETE FROM issued_tokens WHERE app = ? AND fingerprint = ? AND user = ?",
                    (app, fingerprint, user),
                )

        await self._issued(discard)

    async def discard_user(self, app: str, user: str) -> None:
        def discard() -> None:
            with self._db:
                self._db.execute(
                    "DELETE FROM issued_tokens WHERE app = ? AND user = ?", (app, user)
                )

        await self._issued(discard)

    async def _issued(self, call: Callable[[], _T]) -> _T:
        try:
            return await self._run(call)
        except sqlite3.Error as error:
            _log.error("state_write_failed", backend="sqlite", error_type=type(error).__name__)
            raise fail("STATE_UNAVAILABLE") from None

    async def _write(
        self, app: str, after: Session | None, sql: str, parameters: tuple[object, ...]
    ) -> None:
        def write() -> None:
            with self._db:  # one transaction, committed (and synced) on exit
                self._db.execute(sql, parameters)

        self._writes += 1
        try:
            await self._run(write)
        except sqlite3.Error as error:
            self._cache.pop(app, None)
            _log.error("state_write_failed", backend="sqlite", error_type=type(error).__name__)
            raise fail("STATE_UNAVAILABLE") from None
        except BaseException:
            self._cache.pop(app, None)
            raise
        self._cache[app] = after

    async def _run(self, call: Callable[[], _T]) -> _T:
        # Shielded: a cancelled caller must not abandon a write half-way through the
        # executor queue; the write completes and the caller's cancellation follows.
        future = asyncio.get_running_loop().run_in_executor(self._executor, call)
        return await asyncio.shield(future)

    def _check_and_rotate(self) -> int:
        """Every record must open with the configured keys, else nothing is changed."""
        rows = self._db.execute("SELECT app, sealed FROM sessions").fetchall()
        stale = resealed(
            self._sealer,
            ((app, bytes(sealed)) for app, sealed in rows),
            holder=f"the state file {str(self._path)!r}",
            unchanged="the file was not changed",
        )
        if stale:
            with self._db:
                self._db.executemany(
                    "UPDATE sessions SET sealed = ? WHERE app = ?",
                    [(new, app) for app, _, new in stale],
                )
        return len(stale)

    def __repr__(self) -> str:
        return f"SqliteSessionStore(path={str(self._path)!r})"


def _connect(path: Path) -> tuple[sqlite3.Connection, int]:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    except OSError as error:
        raise _unusable(path, error) from None
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        raise ConfigError(
            f"the state file {str(path)!r} is in use by another sidecar process"
        ) from None
    try:
        try:
            # Created 0600 before SQLite opens it; SQLite gives its -wal and -shm files the
            # database file's mode.
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
            os.chmod(path, FILE_MODE)
        except OSError as error:
            raise _unusable(path, error) from None
        connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        connection.isolation_level = "DEFERRED"
        try:
            # Checked before anything is written: a damaged file is refused as it is. A -wal
            # file left by a crash is replayed here (its committed transactions are kept).
            problems = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
            if problems != ["ok"]:
                raise sqlite3.DatabaseError(f"integrity check failed: {problems[0]}")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA busy_timeout=5000")
            connection.execute(_SCHEMA)
            connection.execute(_ISSUED_SCHEMA)
        except sqlite3.DatabaseError as error:
            connection.close()
            raise ConfigError(
                f"the state file {str(path)!r} is not a usable SQLite database "
                f"({_sqlite_problem(error)}); it was not changed"
            ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.close(lock_fd)
        raise
    return connection, lock_fd


def _unusable(path: Path, error: OSError) -> ConfigError:
    """The state file cannot be created or opened for writing (a read-only volume, no
    permission, no space): said plainly, with the system's reason."""
    reason = error.strerror or type(error).__name__
    return ConfigError(
        f"the state file {str(path)!r} cannot be opened for writing: {reason}; it was not changed"
    )


def _sqlite_problem(error: sqlite3.Error) -> str:
    """SQLite's own words ("database disk image is malformed", "file is not a database",
    "database or disk is full", ...): they quote no data."""
    return f"{type(error).__name__}: {error}"
