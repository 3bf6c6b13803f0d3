"""Property-based fuzzing of every RPC of the three services over real sockets (TCP and an
app's Unix socket).

Hostile strings, bytes that are no protobuf message, unicode, huge and empty values
and random metadata: every call must end (no hang), with OK or a documented answer,
the sidecar must keep serving, and another app's session must stay as it was.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2
from cometchat_sidecar.tokens.v1 import tokens_pb2
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sidecar.domain.errors import REASONS
from tests.grpc_helpers import DETAILS_KEY, failure_of
from tests.stack import Stack, live_stack

AUTH = "/cometchat_sidecar.auth.v1.AuthService/"
CALLS = "/cometchat_sidecar.calls.v1.CallsService/"
TOKENS = "/cometchat_sidecar.tokens.v1.AuthTokenService/"
# Each unary method: its service's path and its request message.
REQUESTS: dict[str, tuple[str, type[Message]]] = {
    "Login": (AUTH, auth_pb2.LoginRequest),
    "LoginWithToken": (AUTH, auth_pb2.LoginWithTokenRequest),
    "GetLoggedInUser": (AUTH, auth_pb2.GetLoggedInUserRequest),
    "Logout": (AUTH, auth_pb2.LogoutRequest),
    "GenerateCallToken": (CALLS, calls_pb2.GenerateCallTokenRequest),
    "IssueAuthToken": (TOKENS, tokens_pb2.IssueAuthTokenRequest),
    "RevokeAuthToken": (TOKENS, tokens_pb2.RevokeAuthTokenRequest),
    "RevokeAllAuthTokens": (TOKENS, tokens_pb2.RevokeAllAuthTokensRequest),
}
# What gRPC's transport answers, before the sidecar sees the call, for a request or
# metadata over the configured sizes (documented in the README).
TRANSPORT_REFUSALS = ("Received message larger than max", "metadata size exceeds")
OTHER_APPS_USER = "cometchat-uid-5"
# App A may do everything, for every user but the other app's (whose tokens it could revoke).
POLICY = f"""
[apps.app-a]
call_session_prefix = ""
call_tokens_per_second = 1000
call_token_burst = 1000
issue_tokens = true
issue_uids = ["^(?!{OTHER_APPS_USER}$)"]
revoke_all = true
"""


class BackgroundStack:
    """A live stack served by its own event loop in a thread, for synchronous tests."""

    def __init__(self, workdir: Path, socket_dir: Path) -> None:
        self._workdir, self._socket_dir = workdir, socket_dir
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self.stack: Stack | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        try:
            async with live_stack(
                self._workdir,
                socket_dir=self._socket_dir,
                socket_apps=("app-a", "app-b"),
                policy=POLICY,
            ) as stack:
                self.stack = stack
                self._ready.set()
                await self._stop.wait()
        except BaseException as error:
            self._error = error
            raise
        finally:
            self._ready.set()

    def __enter__(self) -> Stack:
        self._thread.start()
        assert self._ready.wait(60), "the stack did not start"
        assert self.stack is not None, f"the stack failed to start: {self._error!r}"
        return self.stack

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(60)
        assert not self._thread.is_alive(), "the stack did not stop"
        assert self._error is None, f"the stack failed: {self._error!r}"


@dataclass
class Target:
    stack: Stack
    tcp: grpc.Channel
    socket_a: grpc.Channel
    socket_b: grpc.Channel


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with (
        tempfile.TemporaryDirectory(prefix="fz-", dir="/tmp") as short,
        BackgroundStack(tmp_path_factory.mktemp("fuzz"), Path(short)) as stack,
        grpc.insecure_channel(stack.address) as tcp,
        grpc.insecure_channel(stack.sidecar.sockets["app-a"].target) as socket_a,
        grpc.insecure_channel(stack.sidecar.sockets["app-b"].target) as socket_b,
    ):
        auth_pb2_grpc.AuthServiceStub(socket_b).Login(
            auth_pb2.LoginRequest(uid=OTHER_APPS_USER), timeout=10
        )
        yield Target(stack, tcp, socket_a, socket_b)


# Strings: anything unicode, the edge cases validation cares about, and huge ones.
edge_strings = st.sampled_from(
    [
        "",
        " ",
        "\t",
        "\u00a0",
        "\x00",
        "cometchat-uid-1",
        "COMETCHAT-UID-2",
        "a" * 100,
        "a" * 101,
        "x" * 512,
        "x" * 513,
        "../../etc/passwd",
        "'; DROP TABLE users; --",
        "%00%0d%0a",
        "\r\nX-Injected: 1",
        "\u202e\u200b\ufeff",
        "😀" * 60,
    ]
)
huge_strings = st.builds(
    lambda char, count: char * count, st.characters(), st.integers(20_000, 200_000)
)
# Well-formed UIDs and tokens reach CometChat (the emulator) and get its answers.
well_formed = st.one_of(
    st.from_regex(r"[A-Za-z0-9_-]{1,100}", fullmatch=True),
    st.builds("cometchat-uid-{}".format, st.integers(1, 6)),
)
strings = st.one_of(st.text(max_size=300), edge_strings, huge_strings, well_formed)

# Metadata: keys gRPC lets a client send, values it can carry.
reserved = {"te", "content-type", "user-agent", "host", "connection", "authorization"}
header_keys = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,24}", fullmatch=True).filter(
    lambda key: key not in reserved and not key.startswith("grpc-")
)
header_values = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=200),
    st.builds(lambda n: "v" * n, st.integers(4_000, 20_000)),
)
ascii_pairs = st.tuples(header_keys, header_values)
binary_pairs = st.tuples(header_keys.map(lambda key: key + "-bin"), st.binary(max_size=512))
# The valid credential twice over: most calls should get past identification.
authorization = st.one_of(
    st.just("valid"),
    st.just("valid"),
    st.none(),
    st.sampled_from(["Bearer ", "bearer", "Basic abc", "Bearer " + "a" * 5000]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100),
    st.just("valid"),
)


@dataclass(frozen=True)
class Call:
    method: str
    body: Message | bytes
    metadata: tuple[tuple[str, Any], ...]
    over: str  # "tcp" or "socket"


def _message(method: str, first: str, second: str) -> Message:
    if method == "Login":
        return auth_pb2.LoginRequest(uid=first, api_key=second)
    if method == "LoginWithToken":
        return auth_pb2.LoginWithTokenRequest(auth_token=first)
    if method == "GenerateCallToken":
        return calls_pb2.GenerateCallTokenRequest(session_id=first)
    if method == "IssueAuthToken":
        return tokens_pb2.IssueAuthTokenRequest(
            uid=first, create_if_missing=bool(second), name=second
        )
    if method == "RevokeAuthToken":
        return tokens_pb2.RevokeAuthTokenRequest(uid=first, auth_token=second)
    if method == "RevokeAllAuthTokens":
        return tokens_pb2.RevokeAllAuthTokensRequest(uid=first)
    return REQUESTS[method][1]()


methods = st.sampled_from(sorted(REQUESTS))
bodies = st.one_of(
    st.builds(_message, methods, strings, st.one_of(st.just(""), strings)).map(
        lambda m: (type(m).__name__, m)
    ),
    st.tuples(methods, st.binary(max_size=2_000)),
)


@st.composite
def calls(draw: st.DrawFn) -> Call:
    method, body = draw(bodies)
    method = method.removesuffix("Request") if isinstance(body, Message) else method
    metadata: list[tuple[str, Any]] = draw(
        st.lists(st.one_of(ascii_pairs, binary_pairs), max_size=4)
    )
    over = draw(st.sampled_from(["tcp", "socket"]))
    credential = draw(authorization)
    if credential is not None:
        metadata.append(("authorization", credential))
    return Call(method, body, tuple(metadata), over)


def _serialize(body: Message | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.SerializeToString()


def _call(
    rpc: grpc.UnaryUnaryMultiCallable[Any, Any],
    body: Message | bytes,
    metadata: tuple[tuple[str, Any], ...],
) -> grpc.Call | None:
    """None for OK, else the failed call."""
    try:
        rpc(body, metadata=metadata, timeout=20)
    except grpc.RpcError as error:
        if isinstance(error, grpc.Call):
            return error
        raise
    return None


@settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(call=calls())
def test_every_rpc_answers_hostile_input_with_a_documented_answer(
    target: Target, call: Call
) -> None:
    credential = target.stack.credentials["app-a"]
    metadata = tuple(
        (key, f"Bearer {credential}" if value == "valid" else value) for key, value in call.metadata
    )
    channel = target.tcp if call.over == "tcp" else target.socket_a
    rpc = channel.unary_unary(
        REQUESTS[call.method][0] + call.method,
        request_serializer=_serialize,
        response_deserializer=bytes,
    )

    answer = _call(rpc, call.body, metadata)

    if answer is None:
        event("OK")
    else:
        code = answer.code()
        assert code != grpc.StatusCode.DEADLINE_EXCEEDED, "the sidecar did not answer"
        if DETAILS_KEY in dict(answer.trailing_metadata() or ()):
            failure = failure_of(answer)
            event(failure.reason)
            assert failure.reason in REASONS or failure.domain == "cometchat-api"
            if failure.reason in REASONS:
                assert code.name == REASONS[failure.reason].code
        else:
            event("transport refusal")
            assert code == grpc.StatusCode.RESOURCE_EXHAUSTED, (code, answer.details())
            assert any(text in (answer.details() or "") for text in TRANSPORT_REFUSALS)

    other = auth_pb2_grpc.AuthServiceStub(target.socket_b).GetLoggedInUser(
        auth_pb2.GetLoggedInUserRequest(), timeout=10
    )
    assert other.user.uid == OTHER_APPS_USER
    health = health_pb2_grpc.HealthStub(target.tcp).Check(
        health_pb2.HealthCheckRequest(), timeout=10
    )
    assert health.status == health_pb2.HealthCheckResponse.SERVING
