"""The gRPC server: AuthService behind the identity interceptor, plus health and reflection."""

from __future__ import annotations

from typing import Final

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from sidecar.grpc_api import AuthServicer
from sidecar.identity import AppIdentityInterceptor, AppRegistry, ConfigError
from sidecar.service import SessionService

AUTH_SERVICE: Final = auth_pb2.DESCRIPTOR.services_by_name["AuthService"].full_name
# Every request this API takes is a few hundred bytes; 64 KiB leaves room and
# keeps a hostile caller from making the server buffer megabytes.
MAX_MESSAGE_BYTES: Final = 64 * 1024


class GrpcServer:
    """A started `grpc.aio` server and its health servicer."""

    def __init__(self, service: SessionService, registry: AppRegistry | None) -> None:
        self._server = grpc.aio.server(
            interceptors=[AppIdentityInterceptor(registry)],
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(service), self._server)
        self.health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self._server)
        reflection.enable_server_reflection(
            (AUTH_SERVICE, health.SERVICE_NAME, reflection.SERVICE_NAME), self._server
        )
        self.port = 0

    async def start(self, listen: str) -> int:
        """Bind `listen` (host:port, port 0 picks one) and start serving; returns the port."""
        try:
            self.port = self._server.add_insecure_port(listen)
        except RuntimeError as error:
            raise ConfigError(f"cannot listen on {listen!r}: {error}") from None
        if self.port == 0:
            raise ConfigError(f"cannot listen on {listen!r}")
        await self._server.start()
        for name in ("", AUTH_SERVICE):
            await self.health.set(name, health_pb2.HealthCheckResponse.SERVING)
        return self.port

    async def stop(self, grace: float | None) -> None:
        """Report NOT_SERVING, then stop, letting calls in flight finish within `grace`."""
        await self.health.enter_graceful_shutdown()
        await self._server.stop(grace)

    async def wait_for_termination(self) -> None:
        await self._server.wait_for_termination()
