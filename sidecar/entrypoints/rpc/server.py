"""The gRPC server: AuthService, CallsService and AuthTokenService for one listener's
callers, plus health and reflection."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.rpc import servicer, token_servicers
from sidecar.entrypoints.rpc.calls import CallRunner
from sidecar.entrypoints.rpc.handlers import add_service
from sidecar.entrypoints.rpc.reflection import enable_reflection
from sidecar.service.calls import CallTokenService
from sidecar.service.sessions import SessionService
from sidecar.service.tokens import AuthTokenService

AUTH_SERVICE: Final = servicer.AUTH_SERVICE.full_name
# Every service the listeners serve, each reported SERVING by name while they do.
SERVED: Final = (
    AUTH_SERVICE,
    token_servicers.CALLS_SERVICE.full_name,
    token_servicers.TOKENS_SERVICE.full_name,
)
# Each served method's service, for its span's name (the method names are distinct).
METHOD_SERVICES: Final = {
    method.name: service.full_name
    for service in (
        servicer.AUTH_SERVICE,
        token_servicers.CALLS_SERVICE,
        token_servicers.TOKENS_SERVICE,
    )
    for method in service.methods
}
# Named health service for CometChat's reachability; never part of "" or AUTH_SERVICE.
UPSTREAM_HEALTH_SERVICE: Final = "cometchat_sidecar.upstream.CometChat"
# Every request this API takes is a few hundred bytes; 64 KiB leaves room and
# keeps a hostile caller from making the server buffer megabytes.
MAX_MESSAGE_BYTES: Final = 64 * 1024
# gRPC's own soft limit; the hard limit is set to the same value so that every
# request over it is refused, not a random share of them.
MAX_METADATA_BYTES: Final = 8 * 1024


def bind(
    server: grpc.aio.Server,
    listen: str,
    credentials: grpc.ServerCredentials | None = None,
    *,
    purpose: str = "",
) -> int:
    """Bind `listen` (host:port, port 0 picks one; or unix:PATH) and return the port, or
    raise ConfigError saying why not. `purpose` names the listener in the message."""
    where = f"{purpose} on {listen!r}" if purpose else f"on {listen!r}"
    try:
        if credentials is None:
            port = server.add_insecure_port(listen)
        else:
            port = server.add_secure_port(listen, credentials)
    except RuntimeError as error:
        raise ConfigError(f"cannot listen {where}: {error}") from None
    if port == 0:
        raise ConfigError(f"cannot listen {where}")
    return port


class UpstreamHealth:
    """Reports CometChat's reachability on its own health service, for sync callers.

    Every listener shares one health servicer, so this reports it on all of them.
    """

    def __init__(self, servicer: health.aio.HealthServicer) -> None:
        self._servicer = servicer
        self._updates: set[asyncio.Task[None]] = set()

    def __call__(self, reachable: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if reachable
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        task = asyncio.get_running_loop().create_task(
            self._servicer.set(UPSTREAM_HEALTH_SERVICE, status)
        )
        self._updates.add(task)
        task.add_done_callback(self._updates.discard)


@dataclass(frozen=True)
class Services:
    """The services every listener serves, each over the one session service."""

    sessions: SessionService
    call_tokens: CallTokenService
    auth_tokens: AuthTokenService


class GrpcServer:
    """A started `grpc.aio` server and its health servicer."""

    def __init__(
        self,
        services: Services,
        calls: CallRunner,
        *,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        max_metadata_bytes: int = MAX_METADATA_BYTES,
        health_servicer: health.aio.HealthServicer | None = None,
    ) -> None:
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", max_message_bytes),
                ("grpc.max_metadata_size", max_metadata_bytes),
                ("grpc.absolute_max_metadata_size", max_metadata_bytes),
                ("grpc.so_reuseport", 0),
            ],
        )
        add_service(
            self._server,
            servicer.AUTH_SERVICE,
            servicer.AuthServicer(services.sessions, calls),
            raw_responses=servicer.RAW_RESPONSES,
        )
        add_service(
            self._server,
            token_servicers.CALLS_SERVICE,
            token_servicers.CallsServicer(services.call_tokens, calls),
        )
        add_service(
            self._server,
            token_servicers.TOKENS_SERVICE,
            token_servicers.AuthTokenServicer(services.auth_tokens, calls),
        )
        self.health = health_servicer or health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        enable_reflection(self._server, (*SERVED, health.SERVICE_NAME))
        self.port = 0

    def bind(self, listen: str, credentials: grpc.ServerCredentials | None = None) -> int:
        """Bind `listen` (host:port, port 0 picks one; or unix:PATH); returns the port."""
        self.port = bind(self._server, listen, credentials)
        return self.port

    async def start(self) -> None:
        """Start serving what was bound, and report SERVING."""
        await self._server.start()
        for name in ("", *SERVED):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        # Unknown until the first upstream answer.
        await self.health.set(UPSTREAM_HEALTH_SERVICE, health_pb2.HealthCheckResponse.UNKNOWN)

    async def stop(self, grace: float | None) -> None:
        """Report NOT_SERVING, then stop, letting calls in flight finish within `grace`."""
        await self.health.enter_graceful_shutdown()
        await self._server.stop(grace)
