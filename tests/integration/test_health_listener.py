"""The health-only listener that Kubernetes' gRPC probes dial on the pod's IP."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc
from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sidecar.config import load_settings
from sidecar.domain.errors import ConfigError
from tests.stack import live_stack

AUTH_SERVICE = "cometchat_sidecar.auth.v1.AuthService"


async def test_it_reports_the_main_servers_health_and_serves_nothing_else(
    tmp_path: Path,
) -> None:
    async with live_stack(tmp_path, health_listen="127.0.0.1:0") as stack:
        health_address = stack.sidecar.health_address
        assert health_address is not None
        assert health_address != stack.address
        async with grpc.aio.insecure_channel(health_address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            for service in ("", AUTH_SERVICE):
                answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
                assert answer.status == health_pb2.HealthCheckResponse.SERVING

            auth = auth_pb2_grpc.AuthServiceStub(channel)
            with pytest.raises(grpc.aio.AioRpcError) as caught:
                await auth.GetLoggedInUser(
                    auth_pb2.GetLoggedInUserRequest(), metadata=stack.metadata("app-a"), timeout=5
                )
            assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED

            # Nor the call-token and token services: no call token is ever made here.
            calls = calls_pb2_grpc.CallsServiceStub(channel)
            tokens = tokens_pb2_grpc.AuthTokenServiceStub(channel)
            for call in (
                calls.GenerateCallToken(
                    calls_pb2.GenerateCallTokenRequest(session_id="room"),
                    metadata=stack.metadata("app-a"),
                    timeout=5,
                ),
                tokens.IssueAuthToken(
                    tokens_pb2.IssueAuthTokenRequest(uid="cometchat-uid-1"),
                    metadata=stack.metadata("app-a"),
                    timeout=5,
                ),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await call
                assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
        assert stack.emulator.request_count() == 0


async def test_it_serves_the_probes_when_the_apps_use_sockets_alone() -> None:
    # The manifests' default: no TCP AuthService, the apps on their sockets.
    with tempfile.TemporaryDirectory(prefix="health-", dir="/tmp") as directory:
        async with live_stack(
            Path(directory),
            apps=(),
            listen="",
            socket_dir=Path(directory) / "run",
            socket_apps=("app-a",),
            health_listen="127.0.0.1:0",
        ) as stack:
            assert stack.sidecar.server is None
            assert stack.sidecar.health_address is not None
            async with grpc.aio.insecure_channel(stack.sidecar.health_address) as channel:
                answer = await health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=AUTH_SERVICE), timeout=10
                )
            assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def test_it_answers_not_serving_while_the_main_server_drains(tmp_path: Path) -> None:
    async with live_stack(tmp_path, health_listen="127.0.0.1:0") as stack:
        assert stack.sidecar.health_address is not None
        async with grpc.aio.insecure_channel(stack.sidecar.health_address) as channel:
            health = health_pb2_grpc.HealthStub(channel)
            watch = health.Watch(health_pb2.HealthCheckRequest(service=AUTH_SERVICE))
            first = await asyncio.wait_for(watch.read(), timeout=10)
            assert first.status == health_pb2.HealthCheckResponse.SERVING

            assert stack.sidecar.server is not None
            stopping = asyncio.ensure_future(stack.sidecar.server.stop(grace=1.0))
            try:
                second = await asyncio.wait_for(watch.read(), timeout=10)
            finally:
                await stopping
            assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING


def test_without_the_setting_there_is_no_health_listener() -> None:
    settings = load_settings({"dev": True}, environ={})
    assert settings.health_listen == ""


def test_it_is_read_from_the_environment_and_a_bad_address_is_refused() -> None:
    settings = load_settings(
        {"dev": True}, environ={"COMETCHAT_SIDECAR_HEALTH_LISTEN": "0.0.0.0:50052"}
    )
    assert settings.health_listen == "0.0.0.0:50052"

    with pytest.raises(ConfigError, match="health_listen must be host:port"):
        load_settings({"dev": True, "health_listen": "50052"}, environ={})
