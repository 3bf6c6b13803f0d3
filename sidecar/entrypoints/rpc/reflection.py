"""Server reflection, v1 (`grpc.reflection.v1`) beside v1alpha.

grpcio-reflection ships only `grpc.reflection.v1alpha` (grpc/grpc#38576), while current
tools (grpcurl, buf curl, Postman) ask for v1 first. The two protocols are the same
messages on the wire under another package name, so one servicer answers both: its
method is registered under each service name, and the v1 file descriptor (v1alpha's,
renamed) is added to the pool so that v1 itself can be described.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection, reflection_pb2

V1ALPHA: Final[str] = reflection.SERVICE_NAME
V1: Final = "grpc.reflection.v1.ServerReflection"
_V1_FILE: Final = "grpc/reflection/v1/reflection.proto"
_V1ALPHA_PACKAGE: Final = ".grpc.reflection.v1alpha."
_V1_PACKAGE: Final = ".grpc.reflection.v1."


def v1_file() -> descriptor_pb2.FileDescriptorProto:
    """`grpc/reflection/v1/reflection.proto`: v1alpha's file under v1's name and options."""
    file = descriptor_pb2.FileDescriptorProto.FromString(reflection_pb2.DESCRIPTOR.serialized_pb)
    file.name = _V1_FILE
    file.package = "grpc.reflection.v1"
    file.options.Clear()
    file.options.go_package = "google.golang.org/grpc/reflection/grpc_reflection_v1"
    file.options.java_multiple_files = True
    file.options.java_package = "io.grpc.reflection.v1"
    file.options.java_outer_classname = "ServerReflectionProto"
    for message in file.message_type:
        for message_field in message.field:
            if message_field.type_name.startswith(_V1ALPHA_PACKAGE):
                message_field.type_name = _V1_PACKAGE + message_field.type_name.removeprefix(
                    _V1ALPHA_PACKAGE
                )
    for service in file.service:
        for method in service.method:
            method.input_type = _V1_PACKAGE + method.input_type.removeprefix(_V1ALPHA_PACKAGE)
            method.output_type = _V1_PACKAGE + method.output_type.removeprefix(_V1ALPHA_PACKAGE)
    return file


def _add_v1_to(pool: descriptor_pool.DescriptorPool) -> None:
    try:
        pool.FindFileByName(_V1_FILE)
    except KeyError:
        pool.Add(v1_file())


def enable_reflection(server: grpc.aio.Server, service_names: Iterable[str]) -> None:
    """Serve reflection v1 and v1alpha on `server`, listing `service_names` and both."""
    pool = descriptor_pool.Default()
    _add_v1_to(pool)
    servicer: Any = reflection.aio.ReflectionServicer((*service_names, V1, V1ALPHA), pool=pool)
    handler = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    for name in (V1, V1ALPHA):
        handlers = {"ServerReflectionInfo": handler}
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(name, handlers),))
        server.add_registered_method_handlers(name, handlers)
