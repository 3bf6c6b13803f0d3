"""The floor: a bare gRPC server that answers GetLoggedInUser with a fixed message.

It has no identity check, no service, no logging, no metrics: what is left is the cost of
gRPC itself on this machine. It runs on the event loop the sidecar runs on (uvloop, via
the same `run_event_loop`) and registers its handler the way the sidecar does (generic and
registered method handlers), so the ratio measures the sidecar's own work only. The
message is the one the sidecar answers for cometchat-uid-1, so both put the same bytes on
the wire. `--sync` serves from grpc's thread-pool server instead, for reference. Prints
its port, then serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading
from concurrent import futures
from typing import Any

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2

from sidecar.cli import run_event_loop

SERVICE = "cometchat_sidecar.auth.v1.AuthService"
RESPONSE = auth_pb2.GetLoggedInUserResponse(
    user=auth_pb2.CallsUser(
        uid="cometchat-uid-1",
        name="Andrew Joseph",
        avatar="https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp",
        status=auth_pb2.USER_STATUS_ONLINE,
    )
)


async def _answer(request: auth_pb2.GetLoggedInUserRequest, context: object) -> Any:
    return RESPONSE


def _sync_answer(request: auth_pb2.GetLoggedInUserRequest, context: object) -> Any:
    return RESPONSE


def _handlers(behaviour: Any) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
    return {
        "GetLoggedInUser": grpc.unary_unary_rpc_method_handler(
            behaviour,
            request_deserializer=auth_pb2.GetLoggedInUserRequest.FromString,
            response_serializer=auth_pb2.GetLoggedInUserResponse.SerializeToString,
        )
    }


async def serve_async() -> None:
    server = grpc.aio.server()
    handlers = _handlers(_answer)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_registered_method_handlers(SERVICE, handlers)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(None)


def serve_sync() -> None:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    handlers = _handlers(_sync_answer)
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
    server.add_registered_method_handlers(SERVICE, handlers)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    server.stop(None)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sync", action="store_true", help="grpc's thread-pool server")
    if parser.parse_args().sync:
        serve_sync()
    else:
        run_event_loop(serve_async())
    sys.exit(0)
