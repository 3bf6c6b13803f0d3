"""A health-only gRPC listener, for probes that cannot reach loopback.

Kubernetes' native gRPC probes dial the pod's IP, while the sidecar's AuthService
listens on loopback (or per-app sockets). This second server serves `grpc.health.v1`
and nothing else, sharing the main server's health servicer, so it can listen on the
pod's IP without exposing any session, credential or key.
"""

from __future__ import annotations

from typing import Final

import grpc
from grpc_health.v1 import health, health_pb2_grpc

from sidecar.entrypoints.rpc.server import bind

# A health check request is a service name: a few dozen bytes.
MAX_MESSAGE_BYTES: Final = 4 * 1024


class HealthListener:
    """A started gRPC server with only the health service on it."""

    def __init__(self, servicer: health.aio.HealthServicer) -> None:
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ]
        )
        health_pb2_grpc.add_HealthServicer_to_server(servicer, self._server)

    async def start(self, listen: str) -> int:
        """Bind `listen` (host:port, port 0 picks one) and start serving; returns the port."""
        port = bind(self._server, listen, purpose="for health checks")
        await self._server.start()
        return port

    async def stop(self, grace: float | None) -> None:
        await self._server.stop(grace)
