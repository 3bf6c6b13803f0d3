"""One app flooding the sidecar with logins, as its own process (so the flood competes for
the sidecar, not for the test's event loop): a new user in every call, `in_flight` calls at
once, for `seconds`; prints its answers by reason as one JSON object.

.venv/bin/python -m tests.reliability.flood ADDRESS CREDENTIAL SECONDS IN_FLIGHT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from itertools import count

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.grpc_helpers import DETAILS_KEY, failure_of

USERS = 5  # the emulator's sample users, one after the other


async def flood(address: str, credential: str, seconds: float, in_flight: int) -> Counter[str]:
    answers: Counter[str] = Counter()
    metadata = (("authorization", f"Bearer {credential}"),)
    numbers = count()
    async with grpc.aio.insecure_channel(address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        stop_at = time.monotonic() + seconds

        async def caller() -> None:
            while time.monotonic() < stop_at:
                uid = f"cometchat-uid-{next(numbers) % USERS + 1}"
                try:
                    await stub.Login(auth_pb2.LoginRequest(uid=uid), metadata=metadata, timeout=5)
                    answers["OK"] += 1
                except grpc.aio.AioRpcError as error:
                    if DETAILS_KEY in dict(error.trailing_metadata() or ()):
                        answers[failure_of(error).reason] += 1
                    else:
                        answers[error.code().name] += 1

        await asyncio.gather(*(caller() for _ in range(in_flight)))
    return answers


def main() -> None:
    address, credential, seconds, in_flight = sys.argv[1:5]
    answers = asyncio.run(flood(address, credential, float(seconds), int(in_flight)))
    print(json.dumps(dict(answers)))


if __name__ == "__main__":
    main()
