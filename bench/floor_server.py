"""The floor: a bare grpc.aio server that answers GetLoggedInUser with a fixed message.

It has no interceptor, no service, no logging: what is left is the cost of grpc.aio
itself on this machine. The message is the one the sidecar answers for
cometchat-uid-1, so both put the same bytes on the wire. Prints its port, then
serves until SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2

RESPONSE = auth_pb2.GetLoggedInUserResponse(
    user=auth_pb2.CallsUser(
        uid="cometchat-uid-1",
        name="Andrew Joseph",
        avatar="https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp",
        status=auth_pb2.USER_STATUS_ONLINE,
    )
)


async def _answer(
    request: auth_pb2.GetLoggedInUserRequest, context: object
) -> auth_pb2.GetLoggedInUserResponse:
    return RESPONSE


HANDLER = grpc.method_handlers_generic_handler(
    "cometchat_sidecar.auth.v1.AuthService",
    {
        "GetLoggedInUser": grpc.unary_unary_rpc_method_handler(
            _answer,
            request_deserializer=auth_pb2.GetLoggedInUserRequest.FromString,
            response_serializer=auth_pb2.GetLoggedInUserResponse.SerializeToString,
        )
    },
)


async def main() -> None:
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((HANDLER,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    print(port, flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(None)


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
