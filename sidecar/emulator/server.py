"""The emulator's HTTP/1.1 server (asyncio + h11) and its Python API."""

from __future__ import annotations

import asyncio
import functools
import json
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Final

import h11

from sidecar.emulator.app import (
    Application,
    DropConnection,
    Hang,
    Listener,
    Received,
    Reply,
    Request,
    error_reply,
)
from sidecar.emulator.codes import ApiError
from sidecar.emulator.config import EmulatorConfig
from sidecar.emulator.faults import Fault, FaultKind, FaultPlan, FaultPolicy
from sidecar.emulator.state import EmulatorState, RequestCounter, parse_route

# Every body the contract defines is a few hundred bytes; the cap keeps a bad client from
# making the emulator buffer without bound.
MAX_BODY_BYTES: Final = 1 << 20
_READ_CHUNK: Final = 64 * 1024


class _BodyTooLarge(Exception):
    pass


class Emulator:
    """A CometChat emulator: an api listener (apikey auth), a client listener (authToken)
    and a call listener (authToken; call tokens)."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self._config = config or EmulatorConfig()
        self._state = EmulatorState(extra_users=self._config.extra_users)
        self._counter = RequestCounter()
        self._faults = FaultPlan()
        self._app = Application(self._config, self._state, self._counter, self._faults)
        self._servers: dict[Listener, asyncio.Server] = {}
        self._connections: dict[asyncio.Task[object], asyncio.StreamWriter] = {}

    async def start(self) -> None:
        """Bind the three listeners."""
        if self._servers:
            raise RuntimeError("the emulator is already started")
        ports = {
            Listener.API: self._config.api_port,
            Listener.CLIENT: self._config.client_port,
            Listener.CALL: self._config.call_port,
        }
        try:
            for listener, port in ports.items():
                self._servers[listener] = await asyncio.start_server(
                    functools.partial(self._on_connection, listener), self._config.host, port
                )
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Close the listeners and every open connection."""
        servers = list(self._servers.values())
        self._servers.clear()
        for server in servers:
            server.close()
        # Python 3.11's Server.close() leaves accepted connections open. Aborting the transport
        # ends each connection task at its next read; cancelling the tasks instead makes 3.11's
        # start_server log a spurious CancelledError traceback.
        for writer in self._connections.values():
            writer.transport.abort()
        await asyncio.gather(*self._connections, return_exceptions=True)
        for server in servers:
            await server.wait_closed()

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def config(self) -> EmulatorConfig:
        return self._config

    @property
    def api_url(self) -> str:
        return self._url(Listener.API)

    @property
    def client_url(self) -> str:
        return self._url(Listener.CLIENT)

    @property
    def call_url(self) -> str:
        return self._url(Listener.CALL)

    def describe(self) -> str:
        """One JSON line telling a client where the emulator listens and how to authenticate."""
        return json.dumps(
            {
                "api_url": self.api_url,
                "client_url": self.client_url,
                "call_url": self.call_url,
                "app_id": self._config.app_id,
                "full_access_key": self._config.full_access_key,
                "auth_only_key": self._config.auth_only_key,
            }
        )

    def request_count(self, route: str | None = None) -> int:
        """Requests served on `route` (R1, R2, R3, R5, R7, R8, M1, M2, C1, other); None for all."""
        return self._counter.count(None if route is None else parse_route(route))

    def traceparents(self, route: str) -> list[str | None]:
        """The W3C `traceparent` header of each of the last 100 requests served on `route`,
        oldest first (None where a request carried none)."""
        return self._counter.traceparents(parse_route(route))

    def reset_counts(self) -> None:
        """Zero the counts and forget the requests `received` returns."""
        self._counter.reset()
        self._app.received.clear()

    def received(self, route: str) -> list[Received]:
        """The last requests (up to 64) of a known `route`, oldest first: what was sent."""
        return self._app.received.of(parse_route(route))

    def create_user(self, uid: str, name: str) -> None:
        """As R2; raises ApiError when the uid exists."""
        self._state.create_user(uid, name)

    def mint_token(self, uid: str) -> str:
        """A new auth token for `uid`, as R3 with force. Raises ApiError for an unknown uid."""
        return self._state.issue_token(uid, force=True).token

    def revoke_token(self, uid: str, token: str) -> None:
        """As R7; raises ApiError for an unknown uid or token."""
        self._state.revoke_token(uid, token)

    def revoke_all_tokens(self, uid: str) -> None:
        """As R8; raises ApiError for an unknown uid."""
        self._state.revoke_all_tokens(uid)

    def inject_fault(self, route: str, code: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` requests to `route` answer the error `code`."""
        self._faults.add(parse_route(route), Fault(FaultKind.ERROR, code, retry_after), times)

    def inject_connection_close(self, route: str, times: int = 1) -> None:
        """The next `times` requests to `route` see the socket closed without an answer."""
        self._faults.add(parse_route(route), Fault(FaultKind.CLOSE_CONNECTION), times)

    def inject(self, route: str, kind: str, times: int = 1, status: int = 503) -> None:
        """The next `times` requests to `route` see fault `kind` (reset, hang, gateway, ...)."""
        self._faults.add(parse_route(route), Fault(FaultKind(kind), status=status), times)

    def set_fault_policy(self, policy: FaultPolicy) -> None:
        """Standing faults for every following request, until changed or cleared."""
        self._faults.set_policy(policy)

    @property
    def fault_policy(self) -> FaultPolicy:
        return self._faults.policy

    def clear_faults(self) -> None:
        """Drop queued faults and the standing policy."""
        self._faults.clear()

    def active_device_sessions(self, uid: str) -> int:
        """Device sessions opened by M1 and not yet ended by M2 or by revoking their token."""
        return self._state.active_device_sessions(uid)

    def _url(self, listener: Listener) -> str:
        server = self._servers.get(listener)
        if server is None:
            raise RuntimeError("the emulator is not started")
        host, port = server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _on_connection(
        self, listener: Listener, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None  # start_server runs each connection in its own task
        self._connections[task] = writer
        try:
            await _serve_connection(self._app, listener, reader, writer)
        except ConnectionError:
            pass  # the client hung up; nothing to answer
        finally:
            del self._connections[task]
            writer.close()


async def _serve_connection(
    app: Application,
    listener: Listener,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """Answer requests on one connection until either side closes it (keep-alive)."""
    conn = h11.Connection(h11.SERVER)
    while True:
        try:
            request = await _read_request(conn, reader, writer)
        except h11.RemoteProtocolError:
            details = {"request": ["malformed HTTP request"]}
            await _send_if_possible(conn, writer, error_reply(ApiError("ERR_BAD_REQUEST", details)))
            return
        except _BodyTooLarge:
            details = {"body": [f"body exceeds {MAX_BODY_BYTES} bytes"]}
            await _send_if_possible(conn, writer, error_reply(ApiError("ERR_BAD_REQUEST", details)))
            return
        if request is None:
            return
        outcome = app.dispatch(listener, request)
        if outcome.delay > 0:
            await asyncio.sleep(outcome.delay)
        if isinstance(outcome, Hang):
            # Wait for the client to give up (EOF) or for the emulator to stop.
            while await reader.read(_READ_CHUNK):
                pass
            return
        if isinstance(outcome, DropConnection):
            if outcome.reset:
                # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
            return
        await _send(conn, writer, outcome, with_body=request.method != "HEAD")
        if conn.our_state is h11.MUST_CLOSE:
            return
        conn.start_next_cycle()


async def _read_request(
    conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> Request | None:
    """The next full request, or None when the client closed the connection between requests."""
    event = await _next_event(conn, reader)
    if isinstance(event, h11.ConnectionClosed):
        return None
    if not isinstance(event, h11.Request):
        raise h11.RemoteProtocolError(f"unexpected {type(event).__name__}")
    if conn.they_are_waiting_for_100_continue:
        writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])) or b"")
    body = bytearray()
    while True:
        part = await _next_event(conn, reader)
        if isinstance(part, h11.EndOfMessage):
            break
        if not isinstance(part, h11.Data):
            raise h11.RemoteProtocolError(f"unexpected {type(part).__name__}")
        body += part.data
        if len(body) > MAX_BODY_BYTES:
            raise _BodyTooLarge
    return Request(
        method=event.method.decode("ascii"),
        target=event.target.decode("ascii"),
        headers={name.decode("ascii"): value.decode("latin-1") for name, value in event.headers},
        body=bytes(body),
    )


async def _next_event(conn: h11.Connection, reader: asyncio.StreamReader) -> h11.Event:
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(_READ_CHUNK))
        elif event is h11.PAUSED:
            # Only reachable if we read past our own response; a bug, not client input.
            raise RuntimeError("h11 paused while reading a request")
        else:
            assert isinstance(event, h11.Event)
            return event


async def _send(
    conn: h11.Connection, writer: asyncio.StreamWriter, reply: Reply, *, with_body: bool
) -> None:
    own_type = any(name.lower() == "content-type" for name, _ in reply.headers)
    headers = [
        *([] if own_type else [("Content-Type", "application/json; charset=utf-8")]),
        ("Content-Length", str(len(reply.body))),
        *reply.headers,
    ]
    for data in (
        conn.send(h11.Response(status_code=reply.status, headers=headers)),
        conn.send(h11.Data(data=reply.body)) if with_body else b"",
        conn.send(h11.EndOfMessage()),
    ):
        writer.write(data or b"")
    await writer.drain()


async def _send_if_possible(
    conn: h11.Connection, writer: asyncio.StreamWriter, reply: Reply
) -> None:
    """Answer a request we could not read, unless a response is already under way."""
    if conn.our_state in (h11.IDLE, h11.SEND_RESPONSE):
        await _send(conn, writer, reply, with_body=True)


def _print_line(line: str) -> None:
    print(line, flush=True)


async def serve_forever(
    config: EmulatorConfig | None = None,
    announce: Callable[[str], None] = _print_line,
    policy: FaultPolicy | None = None,
) -> None:
    """Run an emulator until cancelled; once listening, hand `describe()` to `announce`."""
    async with Emulator(config) as emulator:
        if policy is not None:
            emulator.set_fault_policy(policy)
        announce(emulator.describe())
        await asyncio.Event().wait()


class EmulatorThread:
    """Runs an Emulator on its own event loop in a daemon thread, for synchronous tests."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self._emulator = Emulator(config)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="cometchat-emulator", daemon=True
        )

    def __enter__(self) -> Emulator:
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._emulator.start(), self._loop).result()
        except BaseException:
            self._halt_loop()
            raise
        return self._emulator

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._emulator.stop(), self._loop).result()
        finally:
            self._halt_loop()

    def _halt_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()
