"""A service's method handlers, built from its descriptor and registered on a server.

Two things the generated `add_*Servicer_to_server` functions cannot do: a request whose
bytes are not a message of the method's type reaches the servicer as `UNDECODABLE` (so it
is answered with a documented reason rather than gRPC's bare "exception deserializing
request"), and a method may answer bytes it serialised itself (`raw_responses`), for
answers that are the same for many calls.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, Final

import grpc
from google.protobuf.descriptor import ServiceDescriptor
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass


class _Undecodable:
    """Stands in for a request whose bytes are not a message of the method's type."""

    def __repr__(self) -> str:
        return "UNDECODABLE"


UNDECODABLE: Final = _Undecodable()


def _tolerant(deserialize: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def decode(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except DecodeError:
            return UNDECODABLE

    return decode


def add_service(
    server: grpc.aio.Server,
    service: ServiceDescriptor,
    servicer: object,
    *,
    raw_responses: Collection[str] = (),
) -> None:
    """Register `servicer`'s method of the same name for each method of `service`."""
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for method in service.methods:
        if method.client_streaming:
            raise TypeError(f"{method.full_name}: client streaming is not served")
        request = GetMessageClass(method.input_type)
        response = GetMessageClass(method.output_type)
        build = (
            grpc.unary_stream_rpc_method_handler
            if method.server_streaming
            else grpc.unary_unary_rpc_method_handler
        )
        handlers[method.name] = build(
            getattr(servicer, method.name),
            request_deserializer=_tolerant(request.FromString),
            # None: the servicer answers bytes, sent as they are.
            response_serializer=None
            if method.name in raw_responses
            else response.SerializeToString,
        )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(service.full_name, handlers),)
    )
    server.add_registered_method_handlers(service.full_name, handlers)
