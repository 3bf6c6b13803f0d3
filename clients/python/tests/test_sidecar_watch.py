"""WatchSession as a sync and an asyncio stream, against the fake sidecar."""

from __future__ import annotations

import asyncio
import threading
import time

import grpc
import pytest
from cometchat_sidecar import (
    AsyncSidecarClient,
    Reason,
    SessionChange,
    SessionEvent,
    SessionWatch,
    SidecarClient,
    SidecarError,
)
from cometchat_sidecar.auth.v1 import auth_pb2


def _wait_for_watchers(fake, count: int) -> None:
    deadline = time.monotonic() + 5
    while fake.auth.watcher_count() != count:
        assert time.monotonic() < deadline, f"{fake.auth.watcher_count()} watchers, not {count}"
        time.sleep(0.01)


def _consume_in_a_thread(
    events: SessionWatch,
) -> tuple[list[SessionEvent], threading.Event, threading.Thread]:
    """Iterate over `events` in a thread until the stream ends; `first` is set on the first."""
    seen: list[SessionEvent] = []
    first = threading.Event()

    def consume() -> None:
        for event in events:
            seen.append(event)
            first.set()

    thread = threading.Thread(target=consume)
    thread.start()
    return seen, first, thread


def test_events_follow_the_session(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cometchat-uid-1")
        with client.watch_session() as events:
            current = next(events)
            client.logout()
            logged_out = next(events)
            client.login("cometchat-uid-2")
            logged_in = next(events)

    assert current.change is SessionChange.CURRENT
    assert current.user is not None
    assert current.user.uid == "cometchat-uid-1"
    assert logged_out == SessionEvent(SessionChange.LOGGED_OUT, None)
    assert logged_in.change is SessionChange.LOGGED_IN
    assert logged_in.user is not None
    assert logged_in.user.uid == "cometchat-uid-2"
    seen = next(c for c in fake.auth.calls if c.method == "WatchSession")
    assert seen.metadata["authorization"] == "Bearer s3cret"


def test_a_revocation_is_an_event(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("cust-1")
        with client.watch_session() as events:
            assert next(events).user is not None
            assert client.revoke_all_auth_tokens("cust-1") == 1
            assert next(events) == SessionEvent(SessionChange.REVOKED, None)


def test_no_default_deadline_on_the_stream(fake):
    with (
        SidecarClient(fake.target, credential="s3cret", timeout=0.3) as client,
        client.watch_session() as events,
    ):
        assert next(events).change is SessionChange.CURRENT
        time.sleep(0.6)  # longer than the client's default deadline
        client.login("late", timeout=5)
        assert next(events).change is SessionChange.LOGGED_IN
    seen = next(c for c in fake.auth.calls if c.method == "WatchSession")
    assert seen.time_remaining is None or seen.time_remaining > 1000


def test_a_deadline_on_the_stream_is_a_typed_error(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        client.watch_session(timeout=0.3) as events,
    ):
        next(events)
        with pytest.raises(SidecarError) as caught:
            next(events)
    assert caught.value.code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_leaving_the_block_cancels_the_call(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        with client.watch_session() as events:
            next(events)
            _wait_for_watchers(fake, 1)
        assert fake.auth.watch_ended.wait(5)
        _wait_for_watchers(fake, 0)


def test_cancel_from_another_thread_stops_the_loop(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        seen, first, thread = _consume_in_a_thread(events)
        assert first.wait(5)
        events.cancel()
        thread.join(5)
        assert not thread.is_alive()
        events.cancel()  # twice is fine
    assert [e.change for e in seen] == [SessionChange.CURRENT]
    assert fake.auth.watch_ended.wait(5)


def test_the_stream_ends_when_the_sidecar_ends_it(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        assert next(events).change is SessionChange.CURRENT
        fake.auth.end_watches()
        assert list(events) == []


def test_a_failed_stream_raises_the_typed_error(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        next(events)
        fake.auth.publish(99, None)  # the fake's scripted failure
        with pytest.raises(SidecarError) as caught:
            next(events)
    assert caught.value.code == grpc.StatusCode.INTERNAL
    assert caught.value.reason == Reason.INTERNAL


def test_a_bad_credential_fails_on_the_first_event(fake):
    with (
        SidecarClient(fake.target, credential="wrong") as client,
        pytest.raises(SidecarError) as caught,
    ):
        next(client.watch_session())
    assert caught.value.reason == Reason.ERROR_UNKNOWN_APP_CREDENTIAL


def test_an_unknown_change_kind_is_unspecified():
    event = SessionEvent.from_message(auth_pb2.WatchSessionResponse(change=42))  # type: ignore[arg-type]
    assert event == SessionEvent(SessionChange.UNSPECIFIED, None)


async def test_async_events_follow_the_session(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        await client.login("cometchat-uid-1")
        changes = []
        async with client.watch_session() as events:
            async for event in events:
                changes.append((event.change, event.user.uid if event.user else None))
                if event.change is SessionChange.CURRENT:
                    await client.logout()
                elif event.change is SessionChange.LOGGED_OUT:
                    await client.login("cometchat-uid-2")
                else:
                    break
    assert changes == [
        (SessionChange.CURRENT, "cometchat-uid-1"),
        (SessionChange.LOGGED_OUT, None),
        (SessionChange.LOGGED_IN, "cometchat-uid-2"),
    ]
    seen = next(c for c in fake.auth.calls if c.method == "WatchSession")
    assert seen.metadata["authorization"] == "Bearer s3cret"
    assert fake.auth.watch_ended.wait(5)


async def test_async_no_default_deadline_on_the_stream(fake):
    async with (
        AsyncSidecarClient(fake.target, credential="s3cret", timeout=0.3) as client,
        client.watch_session() as events,
    ):
        assert (await anext(events)).change is SessionChange.CURRENT
        await asyncio.sleep(0.6)
        await client.login("late", timeout=5)
        assert (await anext(events)).change is SessionChange.LOGGED_IN


async def test_async_cancelling_the_task_cancels_the_call(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        first = asyncio.Event()

        async def consume() -> None:
            async for _ in events:
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await asyncio.to_thread(fake.auth.watch_ended.wait, 5)


async def test_async_cancel_from_another_task_stops_the_loop(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        seen: list[SessionEvent] = []
        first = asyncio.Event()

        async def consume() -> None:
            async for event in events:
                seen.append(event)
                first.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 5)
        await events.aclose()
        await asyncio.wait_for(task, 5)  # ends without an error
    assert [e.change for e in seen] == [SessionChange.CURRENT]


async def test_async_the_stream_ends_when_the_sidecar_ends_it(fake):
    async with AsyncSidecarClient(fake.target, credential="s3cret") as client:
        events = client.watch_session()
        assert (await anext(events)).change is SessionChange.CURRENT
        fake.auth.end_watches()
        assert [event async for event in events] == []


async def test_async_a_failed_stream_raises_the_typed_error(fake):
    async with AsyncSidecarClient(fake.target, credential="wrong") as client:
        with pytest.raises(SidecarError) as caught:
            await anext(client.watch_session())
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == Reason.ERROR_UNKNOWN_APP_CREDENTIAL


def test_closing_the_client_ends_its_watches(fake):
    client = SidecarClient(fake.target, credential="s3cret")
    seen, first, thread = _consume_in_a_thread(client.watch_session())
    assert first.wait(5)
    client.close()
    thread.join(5)
    assert not thread.is_alive()
    assert [e.change for e in seen] == [SessionChange.CURRENT]


async def test_async_closing_the_client_ends_its_watches(fake):
    client = AsyncSidecarClient(fake.target, credential="s3cret")
    events = client.watch_session()
    first = asyncio.Event()
    seen: list[SessionEvent] = []

    async def consume() -> None:
        async for event in events:
            seen.append(event)
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    await client.close()
    await asyncio.wait_for(task, 5)  # ends without an error
    assert [e.change for e in seen] == [SessionChange.CURRENT]
