"""Tracing end to end: the sidecar exports its spans over OTLP to the OpenTelemetry
Collector's own OTLP receiver (tools/otlp-receiver, built by tools/go-tools.sh), which
writes what it received as OTLP JSON; the tests read the span tree from there.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.go_tools import go_tool
from tests.integration.conftest import fails
from tests.stack import Stack, live_stack

SERVICE_NAME = "sidecar-under-test"
LOGIN = "cometchat_sidecar.auth.v1.AuthService/Login"
R3 = "POST /v3.0/users/{uid}/auth_tokens"
M1 = "PUT /v3.0/me"
M2 = "DELETE /v3.0/me"
SERVER, CLIENT = 2, 3  # OTLP span kinds
STATUS_ERROR = 2


@dataclass(frozen=True)
class Receiver:
    endpoint: str
    out: Path

    def spans(self) -> list[dict[str, Any]]:
        """Every span received, each with its resource's service name added."""
        found = []
        for line in self.out.read_text(encoding="utf-8").splitlines():
            for resource_spans in json.loads(line)["resourceSpans"]:
                service = attributes(resource_spans["resource"])["service.name"]
                for scope in resource_spans["scopeSpans"]:
                    for span in scope["spans"]:
                        found.append({**span, "service": service})
        return found


def attributes(item: dict[str, Any]) -> dict[str, Any]:
    """An OTLP JSON attribute list as a dict of plain values."""
    plain: dict[str, Any] = {}
    for attribute in item.get("attributes", []):
        ((kind, value),) = attribute["value"].items()
        plain[attribute["key"]] = int(value) if kind == "intValue" else value
    return plain


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def receiver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A running OTLP receiver, and the standard variables pointing the sidecar at it."""
    binary = go_tool("otlp-receiver")
    endpoint = f"127.0.0.1:{_free_port()}"
    out = tmp_path / "spans.jsonl"
    process = subprocess.Popen(
        [binary, "-endpoint", endpoint, "-out", out],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening"), process.stderr.read() if process.stderr else ""
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://{endpoint}")
        monkeypatch.setenv("OTEL_SERVICE_NAME", SERVICE_NAME)
        monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_always_on")
        monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "100")
        yield Receiver(endpoint, out)
    finally:
        process.terminate()
        process.wait(timeout=10)


def traceparent() -> tuple[str, str, str]:
    """A caller's sampled W3C traceparent: (header, trace id, span id)."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return f"00-{trace_id}-{span_id}-01", trace_id, span_id


def children(spans: list[dict[str, Any]], parent: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted(
        (s for s in spans if s.get("parentSpanId") == parent["spanId"]),
        key=lambda s: int(s["startTimeUnixNano"]),
    )


async def _login(stack: Stack, app: str, uid: str, header: str) -> None:
    async with grpc.aio.insecure_channel(stack.address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        await stub.Login(
            auth_pb2.LoginRequest(uid=uid),
            metadata=(*stack.metadata(app), ("traceparent", header)),
            timeout=10,
        )


async def test_a_login_is_one_server_span_with_its_upstream_tries(
    tmp_path: Path, receiver: Receiver
) -> None:
    header, trace_id, caller_span = traceparent()
    async with live_stack(tmp_path, tracing="otlp") as stack:
        token = stack.emulator.mint_token("cometchat-uid-1")  # R3 answers this one
        secrets_used = [
            token,
            stack.emulator.config.full_access_key,
            *stack.credentials.values(),
        ]
        # R3 answers 429 with Retry-After first; M1 a gateway 503 first: both retried.
        stack.emulator.inject_fault("R3", "ERR_TOO_MANY_REQUESTS", retry_after=1)
        stack.emulator.inject("M1", "gateway", status=503)
        await _login(stack, "app-a", "cometchat-uid-1", header)
        forwarded = stack.emulator.traceparents("R3") + stack.emulator.traceparents("M1")
    spans = receiver.spans()

    (server,) = [s for s in spans if s["name"] == LOGIN]
    assert server["traceId"] == trace_id
    assert server["parentSpanId"] == caller_span
    assert server["kind"] == SERVER
    assert server["service"] == SERVICE_NAME
    assert attributes(server) == {
        "rpc.system": "grpc",
        "rpc.service": "cometchat_sidecar.auth.v1.AuthService",
        "rpc.method": "Login",
        "rpc.grpc.status_code": 0,
        "cometchat_sidecar.app": "app-a",
        "cometchat_sidecar.reason": "OK",
    }

    tries = children(spans, server)
    assert [s["name"] for s in tries] == [R3, R3, M1, M1]
    assert all(s["traceId"] == trace_id and s["kind"] == CLIENT for s in tries)
    assert {s["spanId"] for s in spans if s["traceId"] == trace_id} == {
        server["spanId"],
        *(s["spanId"] for s in tries),
    }
    limited, r3, refused, m1 = (attributes(s) for s in tries)
    assert limited["http.response.status_code"] == 429
    assert limited["cometchat_sidecar.reason"] == "ERR_TOO_MANY_REQUESTS"
    assert limited["cometchat_sidecar.upstream.retry_after_seconds"] == 1.0
    assert limited["cometchat_sidecar.upstream.retry_wait_seconds"] == 1.0
    assert tries[0]["status"]["code"] == STATUS_ERROR
    (event,) = tries[0]["events"]
    assert (event["name"], attributes(event)) == ("retry", {"cause": "429", "wait_seconds": 1.0})
    assert r3["http.response.status_code"] == 200
    assert r3["http.request.resend_count"] == 1
    assert r3["cometchat_sidecar.upstream.attempt"] == 2
    assert r3["cometchat_sidecar.upstream.breaker_state"] == "closed"
    assert r3["url.template"] == "/v3.0/users/{uid}/auth_tokens"
    assert refused["http.response.status_code"] == 503
    assert refused["cometchat_sidecar.reason"] == "UPSTREAM_BAD_RESPONSE"
    assert refused["cometchat_sidecar.upstream.retry_wait_seconds"] >= 0
    assert m1["http.response.status_code"] == 200
    assert m1["cometchat_sidecar.upstream.endpoint"] == "M1"

    # forward_traceparent is off by default: CometChat saw no trace context.
    assert forwarded == [None, None, None, None]
    exported = receiver.out.read_text(encoding="utf-8")
    for secret in (*secrets_used, "cometchat-uid-1"):
        assert secret not in exported


async def test_forward_traceparent_sends_each_tries_own_context(
    tmp_path: Path, receiver: Receiver
) -> None:
    header, trace_id, _ = traceparent()
    async with live_stack(tmp_path, tracing="otlp", forward_traceparent=True) as stack:
        await _login(stack, "app-a", "cometchat-uid-2", header)
        await _login(stack, "app-a", "cometchat-uid-3", header)  # logs uid-2 out first: M2
        forwarded = {route: stack.emulator.traceparents(route) for route in ("R3", "M1", "M2")}
    spans = receiver.spans()

    tries = {s["spanId"]: s for s in spans if s["traceId"] == trace_id and s["kind"] == CLIENT}
    assert sorted(s["name"] for s in tries.values()) == sorted([R3, M1, M2, R3, M1])
    sent = [value for values in forwarded.values() for value in values]
    assert len(sent) == 5
    for value in sent:
        assert value is not None
        version, sent_trace, parent, flags = value.split("-")
        assert (version, sent_trace, flags) == ("00", trace_id, "01")
        assert tries[parent]["name"] in (R3, M1, M2)
    assert len({value for value in sent}) == 5  # each try its own span


async def test_a_refused_caller_gets_a_span_without_upstream_children(
    tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    header, trace_id, _ = traceparent()
    stranger = "stranger-credential-0123456789"
    # Tracing left unset: the standard variable turns it on.
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    async with (
        live_stack(tmp_path) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        await fails(
            stub.Login(
                auth_pb2.LoginRequest(uid="cometchat-uid-1"),
                metadata=(("authorization", f"Bearer {stranger}"), ("traceparent", header)),
                timeout=10,
            )
        )
    spans = [s for s in receiver.spans() if s["traceId"] == trace_id]

    (server,) = spans
    assert attributes(server)["cometchat_sidecar.reason"] == "ERROR_UNKNOWN_APP_CREDENTIAL"
    assert attributes(server)["rpc.grpc.status_code"] == grpc.StatusCode.UNAUTHENTICATED.value[0]
    assert "cometchat_sidecar.app" not in attributes(server)
    assert stranger not in receiver.out.read_text(encoding="utf-8")


async def test_tracing_off_exports_nothing(tmp_path: Path, receiver: Receiver) -> None:
    header, _, _ = traceparent()
    async with live_stack(tmp_path) as stack:
        await _login(stack, "app-a", "cometchat-uid-1", header)
        forwarded = stack.emulator.traceparents("R3")
    assert forwarded == [None]
    assert not receiver.out.exists() or receiver.out.read_text(encoding="utf-8") == ""


_OFF_RUN = """
import asyncio, sys, tempfile
from pathlib import Path

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc

from tests.stack import live_stack


async def main() -> None:
    with tempfile.TemporaryDirectory() as workdir:
        async with live_stack(Path(workdir)) as stack:
            async with grpc.aio.insecure_channel(stack.address) as channel:
                stub = auth_pb2_grpc.AuthServiceStub(channel)
                metadata = (*stack.metadata("app-a"), ("traceparent", sys.argv[1]))
                await stub.Login(auth_pb2.LoginRequest(uid="cometchat-uid-1"), metadata=metadata)
                await stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest(), metadata=metadata)
                await stub.Logout(auth_pb2.LogoutRequest(), metadata=metadata)
    print(sorted(name for name in sys.modules if name.startswith("opentelemetry")))


asyncio.run(main())
"""


def test_with_tracing_off_no_opentelemetry_module_is_loaded() -> None:
    header, _, _ = traceparent()
    result = subprocess.run(
        [sys.executable, "-c", _OFF_RUN, header],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        env={k: v for k, v in os.environ.items() if not k.startswith("OTEL_")},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
