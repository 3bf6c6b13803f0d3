"""A TCP proxy that holds new connections at a gate: a real way to keep an upstream call
in flight (a login mid-way) for as long as a test needs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit


class GateProxy:
    def __init__(self, target_url: str) -> None:
        parts = urlsplit(target_url)
        self._target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.gate = asyncio.Event()
        self.waiting = 0
        self.url = ""
        self._tasks: set[asyncio.Task[None]] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.waiting += 1
        try:
            await self.gate.wait()
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        finally:
            self.waiting -= 1
            writer.close()
            self._tasks.discard(task)


@contextlib.asynccontextmanager
async def gate_proxy(target_url: str) -> AsyncIterator[GateProxy]:
    """A proxy to `target_url`, gate closed; `proxy.gate.set()` lets connections through."""
    proxy = GateProxy(target_url)
    server = await asyncio.start_server(proxy._on_connection, "127.0.0.1", 0)
    host, port = server.sockets[0].getsockname()[:2]
    proxy.url = f"http://{host}:{port}"
    try:
        yield proxy
    finally:
        server.close()
        proxy.gate.set()
        for task in list(proxy._tasks):
            task.cancel()
        await asyncio.gather(*proxy._tasks, return_exceptions=True)
