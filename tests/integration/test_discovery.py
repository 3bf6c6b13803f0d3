"""Health checking and server reflection (v1 and v1alpha), with no app credential needed."""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from tests.go_tools import go_tool
from tests.stack import Stack

SERVICES = {
    "cometchat_sidecar.auth.v1.AuthService",
    "cometchat_sidecar.calls.v1.CallsService",
    "cometchat_sidecar.tokens.v1.AuthTokenService",
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
}
# v1 is v1alpha's messages under another package: the same bytes on the wire.
V1_METHOD = "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"


async def test_health_reports_serving(channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    for service in (
        "",
        "cometchat_sidecar.auth.v1.AuthService",
        "cometchat_sidecar.calls.v1.CallsService",
        "cometchat_sidecar.tokens.v1.AuthTokenService",
    ):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_v1alpha_lists_the_services(channel: grpc.aio.Channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    responses = [r async for r in stub.ServerReflectionInfo(iter([request]))]

    names = {s.name for s in responses[0].list_services_response.service}
    assert names == SERVICES


async def _ask_v1(
    channel: grpc.aio.Channel, *requests: reflection_pb2.ServerReflectionRequest
) -> list[reflection_pb2.ServerReflectionResponse]:
    call = channel.stream_stream(
        V1_METHOD,
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    return [response async for response in call(iter(requests), timeout=10)]


async def test_reflection_v1_lists_and_describes(channel: grpc.aio.Channel) -> None:
    listed, auth, v1 = await _ask_v1(
        channel,
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="cometchat_sidecar.auth.v1.AuthService"
        ),
        reflection_pb2.ServerReflectionRequest(
            file_containing_symbol="grpc.reflection.v1.ServerReflection"
        ),
    )

    assert {s.name for s in listed.list_services_response.service} == SERVICES
    files = {
        descriptor_pb2.FileDescriptorProto.FromString(raw).name: raw
        for raw in auth.file_descriptor_response.file_descriptor_proto
    }
    assert "cometchat_sidecar/auth/v1/auth.proto" in files
    (raw,) = v1.file_descriptor_response.file_descriptor_proto
    file = descriptor_pb2.FileDescriptorProto.FromString(raw)
    assert (file.name, file.package) == (
        "grpc/reflection/v1/reflection.proto",
        "grpc.reflection.v1",
    )
    (method,) = file.service[0].method
    assert method.input_type == ".grpc.reflection.v1.ServerReflectionRequest"


async def _grpcurl(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        go_tool("grpcurl"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_grpcurl_lists_and_describes_over_reflection(stack: Stack) -> None:
    listed = await _grpcurl("-plaintext", stack.address, "list")
    assert set(listed.split()) == SERVICES

    described = await _grpcurl(
        "-plaintext", stack.address, "describe", "cometchat_sidecar.auth.v1.AuthService"
    )
    assert "rpc Login ( .cometchat_sidecar.auth.v1.LoginRequest )" in described
    assert "rpc WatchSession" in described

    v1 = await _grpcurl(
        "-plaintext", stack.address, "describe", "grpc.reflection.v1.ServerReflection"
    )
    assert "stream .grpc.reflection.v1.ServerReflectionRequest" in v1
