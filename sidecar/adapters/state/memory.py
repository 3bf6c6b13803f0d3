"""The memory session store: sessions in process memory, lost on restart."""

from __future__ import annotations

from sidecar.domain.model import Session


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
