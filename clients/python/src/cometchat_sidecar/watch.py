"""WatchSession as a stream: a sync iterator and an asyncio async iterator.

Both yield :class:`~cometchat_sidecar.results.SessionEvent` values: first the
current state, then one per change. The stream ends (the loop just stops) when
you cancel it or when the sidecar shuts down; any other failure raises
:class:`~cometchat_sidecar.errors.SidecarError`. Use them as (async) context
managers so that leaving the block cancels the call::

    with sidecar.watch_session() as events:
        for event in events:
            print(event.change, event.user.uid if event.user else None)
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import TYPE_CHECKING, Self

import grpc
import grpc.aio

from .auth.v1 import auth_pb2
from .errors import SidecarError
from .results import SessionEvent

if TYPE_CHECKING:  # a typing-only name from the grpc stubs (types-grpcio)
    from grpc import _CallIterator

__all__ = ["AsyncSessionWatch", "SessionWatch"]


class SessionWatch:
    """The blocking stream of one ``WatchSession`` call (from ``SidecarClient.watch_session``).

    Iterate over it; ``cancel()`` (from any thread) or leaving its ``with``
    block ends the call, and a loop blocked in it then stops.
    """

    def __init__(self, call: _CallIterator[auth_pb2.WatchSessionResponse]) -> None:
        self._call = call
        self._cancelled = False

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> SessionEvent:
        try:
            message = next(self._call)
        except grpc.RpcError as err:
            if self._cancelled and _code(err) == grpc.StatusCode.CANCELLED:
                raise StopIteration from None
            raise SidecarError.from_rpc_error(err) from err
        return SessionEvent.from_message(message)

    def cancel(self) -> None:
        """End the call. Safe to call more than once, and from another thread."""
        self._cancelled = True
        self._call.cancel()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()


class AsyncSessionWatch:
    """The asyncio stream of one ``WatchSession`` call (from ``AsyncSidecarClient.watch_session``).

    Iterate over it with ``async for``. ``cancel()``, ``await aclose()`` or
    leaving its ``async with`` block ends the call, and a loop waiting in it
    then stops; cancelling the task that iterates also cancels the call.
    """

    def __init__(
        self,
        call: grpc.aio.UnaryStreamCall[auth_pb2.WatchSessionRequest, auth_pb2.WatchSessionResponse],
    ) -> None:
        self._call = call
        self._cancelled = False

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> SessionEvent:
        try:
            message = await self._call.read()
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._cancelled and (task is None or task.cancelling() == 0):
                # grpc.aio reports a call cancelled by cancel() as CancelledError:
                # that is the end of the stream, not a cancellation of this task.
                raise StopAsyncIteration from None
            self._call.cancel()
            raise
        except grpc.RpcError as err:
            if self._cancelled and _code(err) == grpc.StatusCode.CANCELLED:
                raise StopAsyncIteration from None
            raise SidecarError.from_rpc_error(err) from err
        if not isinstance(message, auth_pb2.WatchSessionResponse):  # grpc.aio.EOF
            raise StopAsyncIteration
        return SessionEvent.from_message(message)

    def cancel(self) -> None:
        """End the call. Safe to call more than once."""
        self._cancelled = True
        self._call.cancel()

    async def aclose(self) -> None:
        """End the call (for ``contextlib.aclosing``)."""
        self.cancel()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cancel()


def _code(err: grpc.RpcError) -> grpc.StatusCode | None:
    code = getattr(err, "code", None)
    return code() if callable(code) else None
