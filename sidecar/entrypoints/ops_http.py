"""The operations port: `/livez`, `/readyz`, `/startupz` and `/metrics` over plain HTTP/1.1.

- `/livez`: the process is responsive (this answer comes from the event loop that serves
  the RPCs, so a wedged loop fails it).
- `/startupz`: start-up has finished (for a Kubernetes `startupProbe`).
- `/readyz`: the sidecar can serve: configuration loaded, store open, gRPC bound, and not
  shutting down. CometChat's reachability is deliberately not part of it.
- `/metrics`: Prometheus text format.

A small asyncio + h11 server: four fixed GET routes need no framework.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import h11
from prometheus_client import CONTENT_TYPE_LATEST

from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.addresses import listen_host, listen_port

_MAX_REQUEST_BYTES: Final = 16 * 1024
_READ_TIMEOUT_SECONDS: Final = 10.0


@dataclass
class Probes:
    """The lifecycle flags the probes report."""

    started: bool = False
    ready: bool = False


class OpsServer:
    """Serves the probes and the metrics on its own port."""

    def __init__(self, probes: Probes, render_metrics: Callable[[], bytes]) -> None:
        self._probes = probes
        self._render_metrics = render_metrics
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.port = 0

    async def start(self, listen: str) -> int:
        try:
            self._server = await asyncio.start_server(
                self._on_connection, listen_host(listen), listen_port(listen)
            )
        except OSError as error:
            raise ConfigError(
                f"cannot listen on {listen!r} (http_listen): {error.strerror}"
            ) from None
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def stop(self) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    def _answer(self, method: str, path: str) -> tuple[int, bytes, str]:
        text = "text/plain; charset=utf-8"
        if method not in ("GET", "HEAD"):
            return 405, b"method not allowed\n", text
        if path == "/livez":
            return 200, b"ok\n", text
        if path == "/startupz":
            return (200, b"started\n", text) if self._probes.started else (503, b"starting\n", text)
        if path == "/readyz":
            if self._probes.ready:
                return 200, b"ready\n", text
            return 503, (b"stopping\n" if self._probes.started else b"starting\n"), text
        if path == "/metrics":
            return 200, self._render_metrics(), CONTENT_TYPE_LATEST
        return 404, b"not found\n", text

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            with contextlib.suppress(ConnectionError, h11.ProtocolError, TimeoutError):
                async with asyncio.timeout(_READ_TIMEOUT_SECONDS):
                    await self._serve(reader, writer)
        finally:
            self._connections.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_REQUEST_BYTES)
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(_MAX_REQUEST_BYTES)
                conn.receive_data(data)
                if not data and conn.their_state is h11.IDLE:
                    return
                continue
            if isinstance(event, h11.ConnectionClosed):
                return
            if isinstance(event, h11.Request):
                method = event.method.decode("ascii")
                path = event.target.decode("ascii").partition("?")[0]
                status, body, content_type = self._answer(method, path)
                headers = [
                    ("Content-Type", content_type),
                    ("Content-Length", str(len(body))),
                    ("Cache-Control", "no-store"),
                ]
                writer.write(conn.send(h11.Response(status_code=status, headers=headers)) or b"")
                if method != "HEAD":
                    writer.write(conn.send(h11.Data(data=body)) or b"")
                writer.write(conn.send(h11.EndOfMessage()) or b"")
                await writer.drain()
                continue
            if isinstance(event, h11.EndOfMessage):
                if conn.our_state is h11.MUST_CLOSE:
                    return
                conn.start_next_cycle()
