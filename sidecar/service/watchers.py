"""Session changes, fanned out to the app's WatchSession streams.

Each watcher has a bounded queue. Every event carries the state after the change,
so when a slow watcher's queue is full its oldest event is dropped: it still ends
at the right state, and a watcher can never make the sidecar hold unbounded memory.
"""

from __future__ import annotations

import asyncio
from typing import Final

from sidecar.domain.events import SessionEvent

QUEUE_SIZE: Final = 32
_CLOSED: Final = object()


class Watch:
    """One watcher's queue; registered on creation, so nothing after it is missed."""

    def __init__(self, hub: SessionEvents, app: str) -> None:
        self._hub = hub
        self.app = app
        self.queue: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)

    async def next(self) -> SessionEvent | None:
        """The next event, or None once the hub is closed."""
        item = await self.queue.get()
        if item is _CLOSED:
            self.queue.put_nowait(_CLOSED)
            return None
        assert isinstance(item, SessionEvent)
        return item

    def __enter__(self) -> Watch:
        return self

    def __exit__(self, *_: object) -> None:
        self._hub._drop(self)


class SessionEvents:
    """An in-process hub: `publish` to every watcher of the event's app."""

    def __init__(self) -> None:
        self._watches: dict[str, set[Watch]] = {}
        self._closed = False

    def publish(self, event: SessionEvent) -> None:
        for watch in self._watches.get(event.app, ()):
            _offer(watch.queue, event)

    def watchers(self, app: str | None = None) -> int:
        if app is None:
            return sum(len(w) for w in self._watches.values())
        return len(self._watches.get(app, ()))

    def subscribe(self, app: str) -> Watch:
        """A watch of `app`'s changes from now on (use as a context manager)."""
        watch = Watch(self, app)
        if self._closed:
            watch.queue.put_nowait(_CLOSED)
        else:
            self._watches.setdefault(app, set()).add(watch)
        return watch

    def close(self) -> None:
        """End every watch (server shutdown): each stream then ends cleanly."""
        self._closed = True
        for watches in self._watches.values():
            for watch in watches:
                _offer(watch.queue, _CLOSED)

    def _drop(self, watch: Watch) -> None:
        watches = self._watches.get(watch.app)
        if watches is not None:
            watches.discard(watch)
            if not watches:
                del self._watches[watch.app]


def _offer(queue: asyncio.Queue[object], item: object) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)
