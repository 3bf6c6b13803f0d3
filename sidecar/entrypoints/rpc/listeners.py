"""The listeners: TCP (plain on loopback, TLS or mutual TLS) and one Unix socket per app.

Each listener is its own gRPC server over the one session service, with the way of
identifying apps that fits it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from grpc_health.v1 import health

from sidecar.adapters.tracing import RpcTracer
from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.addresses import bound_address
from sidecar.entrypoints.rpc.access_log import RpcObserver
from sidecar.entrypoints.rpc.calls import CallRunner, InFlightLimits
from sidecar.entrypoints.rpc.identity import Authenticator, FixedApp
from sidecar.entrypoints.rpc.server import GrpcServer, Services
from sidecar.entrypoints.rpc.sockets import (
    AppSocket,
    prepare,
    remove,
    resolve_group,
    resolve_user,
    secure,
)
from sidecar.entrypoints.rpc.tls import TlsFiles, server_credentials


@dataclass(frozen=True)
class TcpListener:
    """The TCP listener: where, how callers are identified, and TLS when configured."""

    listen: str
    authenticator: Authenticator
    tls: TlsFiles | None = None


@dataclass(frozen=True)
class SocketListeners:
    """One Unix socket per app: `<directory>/<app>/sidecar.sock`, owned as configured."""

    directory: Path
    apps: tuple[str, ...]
    owner: str = ""
    group: str = ""


@dataclass(frozen=True)
class ListenerConfig:
    """Every listener to start, and the size limits gRPC enforces on each."""

    tcp: TcpListener | None
    sockets: SocketListeners | None
    max_message_bytes: int
    max_metadata_bytes: int
    max_calls_in_flight_per_app: int


@dataclass
class Listeners:
    """What is serving: the TCP server and its address (None and "" when TCP is off)
    and each app's socket."""

    tcp: GrpcServer | None = None
    address: str = ""
    sockets: dict[str, AppSocket] = field(default_factory=dict)
    servers: list[GrpcServer] = field(default_factory=list)


@contextlib.asynccontextmanager
async def serving(
    config: ListenerConfig,
    services: Services,
    health_servicer: health.aio.HealthServicer,
    observer: RpcObserver | None = None,
    *,
    grace: float,
    tracer: RpcTracer | None = None,
) -> AsyncIterator[Listeners]:
    """Bind and start every listener `config` asks for; stop them and remove the
    sockets on exit. The per-app in-flight limit counts an app's calls on all of them;
    `tracer` (tracing on) makes each call's server span."""
    limits = InFlightLimits(config.max_calls_in_flight_per_app)

    def server_for(authenticator: Authenticator) -> GrpcServer:
        return GrpcServer(
            services,
            CallRunner(authenticator, observer, limits, tracer),
            max_message_bytes=config.max_message_bytes,
            max_metadata_bytes=config.max_metadata_bytes,
            health_servicer=health_servicer,
        )

    listeners = Listeners()
    try:
        if config.tcp is not None:
            tcp = config.tcp
            server = server_for(tcp.authenticator)
            listeners.servers.append(server)
            port = server.bind(tcp.listen, server_credentials(tcp.tls) if tcp.tls else None)
            listeners.tcp = server
            listeners.address = bound_address(tcp.listen, port)
        if config.sockets is not None:
            _bind_sockets(config.sockets, server_for, listeners)
        for server in listeners.servers:
            await server.start()
        yield listeners
    finally:
        await asyncio.gather(*(server.stop(grace) for server in listeners.servers))
        for bound in listeners.sockets.values():
            remove(bound)


def _bind_sockets(
    sockets: SocketListeners,
    server_for: Callable[[Authenticator], GrpcServer],
    listeners: Listeners,
) -> None:
    uid = resolve_user(sockets.owner)
    gid = resolve_group(sockets.group)
    for app in sockets.apps:
        prepared = prepare(sockets.directory, app)
        server = server_for(FixedApp(app))
        listeners.servers.append(server)
        server.bind(prepared.target)
        bound = AppSocket(app, prepared.path, prepared.path.lstat().st_ino)
        listeners.sockets[app] = bound
        try:
            listeners.sockets[app] = secure(bound, uid, gid)
        except OSError as error:
            raise ConfigError(
                f"cannot set the owner and mode of {str(bound.path)!r}: {error.strerror}"
            ) from None
