"""Cross-process exclusion per app: the port, and the no-op for single-process backends.

The session service serialises one app's logins and logouts in-process. When
several sidecar processes share one store (Redis), that must hold across them:
the service holds the app's lock (`AppLocks.hold`) around every change.
A holder says what it is doing (`purpose`): a login (with a digest of what it logs
in) or something else. A login that finds a *different* login holding the lock
answers `ERROR_LOGIN_IN_PROGRESS`; anything else waits until the lock is free.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

LOGIN_PREFIX = "login:"


def conflicts(mine: str, holder: str) -> bool:
    """Whether `mine` must be refused (not wait) while `holder` holds the lock."""
    return mine.startswith(LOGIN_PREFIX) and holder.startswith(LOGIN_PREFIX) and mine != holder


class AppLocks(Protocol):
    def hold(self, app: str, purpose: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the app's lock for the block; raise ERROR_LOGIN_IN_PROGRESS on a conflict."""
        ...


class ProcessLocalLocks:
    """For backends only one process uses (memory, SQLite): the service's own lock suffices."""

    @contextlib.asynccontextmanager
    async def hold(self, app: str, purpose: str) -> AsyncIterator[None]:
        yield
