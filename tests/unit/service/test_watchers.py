"""The WatchSession hub: per-app fan-out, bounded queues, clean close."""

from __future__ import annotations

from sidecar.domain.events import Change, SessionEvent
from sidecar.domain.model import CallsUser, UserStatus
from sidecar.service.watchers import QUEUE_SIZE, SessionEvents

USER = CallsUser("u", "U", "", UserStatus.ONLINE)


async def test_events_reach_only_the_apps_own_watchers() -> None:
    hub = SessionEvents()
    with hub.subscribe("a") as mine, hub.subscribe("b") as other:
        hub.publish(SessionEvent("a", Change.LOGGED_IN, USER))
        hub.close()

        assert await mine.next() == SessionEvent("a", Change.LOGGED_IN, USER)
        assert await mine.next() is None
        assert await other.next() is None
    assert hub.watchers() == 0


async def test_a_slow_watcher_keeps_the_newest_events_within_its_bound() -> None:
    hub = SessionEvents()
    with hub.subscribe("a") as watch:
        for n in range(QUEUE_SIZE * 3):
            change = Change.LOGGED_IN if n % 2 else Change.LOGGED_OUT
            hub.publish(SessionEvent("a", change, USER if n % 2 else None))
        assert watch.queue.qsize() == QUEUE_SIZE
        hub.close()  # the close marker still gets in
        received = []
        while (event := await watch.next()) is not None:
            received.append(event)
    assert len(received) == QUEUE_SIZE - 1
    assert received[-1] == SessionEvent("a", Change.LOGGED_IN, USER)


async def test_a_watch_after_close_ends_at_once() -> None:
    hub = SessionEvents()
    hub.close()
    with hub.subscribe("a") as watch:
        assert await watch.next() is None
