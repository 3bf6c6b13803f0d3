"""The listeners: TCP (plain on loopback, or TLS / mutual TLS) and one Unix socket per
app. Each listener is its own gRPC server over the one session service, with the
way of identifying apps that fits it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from grpc_health.v1 import health

from sidecar.adapters.credentials import AppRegistry
from sidecar.adapters.metrics import Metrics
from sidecar.config import Settings
from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.rpc.identity import (
    Authenticator,
    BearerCredentials,
    ClientCertificates,
    FixedApp,
    OpenMode,
)
from sidecar.entrypoints.rpc.server import GrpcServer
from sidecar.entrypoints.rpc.sockets import (
    AppSocket,
    prepare,
    remove,
    resolve_group,
    resolve_user,
    secure,
)
from sidecar.entrypoints.rpc.tls import TlsFiles, server_credentials
from sidecar.service.sessions import SessionService


@dataclass
class Listeners:
    """What is serving: the TCP server and its address (None and "" when TCP is off)
    and each app's socket."""

    tcp: GrpcServer | None = None
    address: str = ""
    sockets: dict[str, AppSocket] = field(default_factory=dict)
    servers: list[GrpcServer] = field(default_factory=list)


def tcp_authenticator(settings: Settings, registry: AppRegistry | None) -> Authenticator:
    """Mutual TLS when configured, else per-app credentials, else open mode."""
    if settings.tls_client_ca_file is not None:
        return ClientCertificates(dict(settings.tls_client_apps))
    if registry is not None:
        return BearerCredentials(registry)
    return OpenMode()


def _tls(settings: Settings) -> TlsFiles | None:
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    return TlsFiles(settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file)


@contextlib.asynccontextmanager
async def serving(
    settings: Settings,
    service: SessionService,
    registry: AppRegistry | None,
    health_servicer: health.aio.HealthServicer,
    metrics: Metrics | None = None,
    *,
    grace: float,
) -> AsyncIterator[Listeners]:
    """Bind and start every listener `settings` asks for; stop them and remove the
    sockets on exit."""

    def server_for(authenticator: Authenticator) -> GrpcServer:
        return GrpcServer(
            service,
            authenticator,
            max_message_bytes=settings.max_message_bytes,
            max_metadata_bytes=settings.max_metadata_bytes,
            health_servicer=health_servicer,
            metrics=metrics,
        )

    listeners = Listeners()
    try:
        if settings.listen:
            tls = _tls(settings)
            server = server_for(tcp_authenticator(settings, registry))
            listeners.servers.append(server)
            port = server.bind(settings.listen, server_credentials(tls) if tls else None)
            listeners.tcp = server
            listeners.address = f"{settings.listen.rpartition(':')[0]}:{port}"
        if settings.socket_apps:
            assert settings.socket_dir is not None  # checked with the settings
            uid = resolve_user(settings.socket_owner)
            gid = resolve_group(settings.socket_group)
            for app in settings.socket_apps:
                prepared = prepare(settings.socket_dir, app)
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
        for server in listeners.servers:
            await server.start()
        yield listeners
    finally:
        await asyncio.gather(*(server.stop(grace) for server in listeners.servers))
        for bound in listeners.sockets.values():
            remove(bound)
