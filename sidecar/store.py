"""Where sessions live. One session per app; the port is small on purpose.

Backends: this module's memory store, `store_sqlite` (one file, the default with a
state path) and `store_redis` (shared by replicas). `bootstrap` picks one.
"""

from __future__ import annotations

from typing import Protocol

from sidecar.domain import Session


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


class MemorySessionStore:
    """Sessions in process memory: lost on restart, for tests and ephemeral use."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}

    async def get(self, app: str) -> Session | None:
        return self._sessions.get(app)

    async def put(self, session: Session) -> None:
        self._sessions[session.app] = session

    async def delete(self, app: str) -> None:
        self._sessions.pop(app, None)

    async def count(self) -> int:
        return len(self._sessions)

    def __repr__(self) -> str:
        return f"MemorySessionStore(apps={len(self._sessions)})"
