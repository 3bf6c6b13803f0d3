"""The OpenTelemetry tracer over the real SDK: spans of upstream tries against the
emulator, server spans from caller metadata, samplers from the standard variables.

Spans go to the SDK's in-memory exporter here; tests/integration/test_tracing.py exports
them over OTLP to a real receiver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from sidecar.adapters.cometchat.client import CometChatClient, Hosts
from sidecar.adapters.cometchat.resilience import CircuitBreaker, RetryPolicy
from sidecar.adapters.otel import Tracing
from sidecar.domain.errors import SidecarError
from sidecar.emulator import Emulator

SERVICE = "cometchat_sidecar.auth.v1.AuthService"
METHODS = {"Login": SERVICE, "Logout": SERVICE}


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def tracing(exporter: InMemorySpanExporter) -> Iterator[Tracing]:
    tracing = Tracing(forward_traceparent=False, exporter=exporter)
    yield tracing
    tracing.shutdown()


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


def _finished(tracing: Tracing, exporter: InMemorySpanExporter) -> tuple[ReadableSpan, ...]:
    tracing.shutdown()  # exports what the batch processor holds
    return exporter.get_finished_spans()


def _values(span: ReadableSpan) -> list[Any]:
    found = list((span.attributes or {}).values())
    for event in span.events:
        found.extend((event.attributes or {}).values())
    return [span.name, *found]


async def test_a_refused_try_shows_the_open_breaker(
    emulator: Emulator, tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=1, open_seconds=60, clock=lambda: now[0])
    key = emulator.config.full_access_key
    async with httpx.AsyncClient() as http:
        client = CometChatClient(
            http,
            app_id=emulator.config.app_id,
            hosts=Hosts(api=emulator.api_url, client=emulator.client_url, call=emulator.call_url),
            retry=RetryPolicy(max_attempts=1),
            breaker=breaker,
            tracer=tracing.upstream,
        )
        emulator.inject("R3", "gateway", status=503)
        for _ in range(2):
            with pytest.raises(SidecarError):
                await client.create_auth_token("cometchat-uid-1", key)
        now[0] = 61.0  # the open window has passed: the next try is the probe
        await client.create_auth_token("cometchat-uid-1", key)
    failed, refused, probe = _finished(tracing, exporter)

    assert failed.kind is SpanKind.CLIENT
    assert failed.attributes is not None
    assert refused.attributes is not None
    assert failed.attributes["cometchat_sidecar.upstream.breaker_state"] == "closed"
    assert failed.attributes["http.response.status_code"] == 503
    assert refused.attributes["cometchat_sidecar.upstream.breaker_state"] == "open"
    assert refused.attributes["cometchat_sidecar.upstream.outcome"] == "circuit_open"
    assert refused.attributes["cometchat_sidecar.reason"] == "UPSTREAM_CIRCUIT_OPEN"
    left = refused.attributes["cometchat_sidecar.upstream.breaker_retry_after_seconds"]
    assert isinstance(left, float)
    assert 0 < left <= 60
    assert "http.response.status_code" not in refused.attributes
    assert refused.status.status_code is StatusCode.ERROR
    assert probe.attributes is not None
    assert probe.attributes["cometchat_sidecar.upstream.breaker_state"] == "half_open"
    assert probe.attributes["http.response.status_code"] == 200
    assert emulator.request_count("R3") == 2


async def test_no_uid_token_or_key_in_any_span(
    emulator: Emulator, tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    uid = "cometchat-uid-2"
    key = emulator.config.full_access_key
    async with httpx.AsyncClient() as http:
        client = CometChatClient(
            http,
            app_id=emulator.config.app_id,
            hosts=Hosts(api=emulator.api_url, client=emulator.client_url, call=emulator.call_url),
            tracer=tracing.upstream,
        )
        token = await client.create_auth_token(uid, key)
        await client.check_auth_token(uid, token, key)  # R5: uid and token in its path
        await client.open_session(token, "device-0123456789")
        await client.close_session(token, "device-0123456789")
    spans = _finished(tracing, exporter)

    assert [s.name for s in spans] == [
        "POST /v3.0/users/{uid}/auth_tokens",
        "GET /v3.0/users/{uid}/auth_tokens/{authToken}",
        "PUT /v3.0/me",
        "DELETE /v3.0/me",
    ]
    text = repr([_values(span) for span in spans])
    for secret in (uid, token, key, "device-0123456789"):
        assert secret not in text


def test_a_server_span_continues_the_callers_trace(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    trace_id, parent = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
    metadata = (
        ("authorization", "Bearer a-credential"),
        ("traceparent", f"00-{trace_id}-{parent}-01"),
    )
    span = tracing.rpc(METHODS).start_rpc("Logout", metadata)
    span.outcome("app-a", "UPSTREAM_UNAVAILABLE", "UNAVAILABLE")
    span.end()
    other = tracing.rpc(METHODS).start_rpc("Login", ())
    other.outcome("app-a", "ERROR_INVALID_UID", "INVALID_ARGUMENT")
    other.end()
    logout, login = _finished(tracing, exporter)

    assert logout.name == f"{SERVICE}/Logout"
    assert logout.kind is SpanKind.SERVER
    assert format(logout.context.trace_id, "032x") == trace_id
    assert logout.parent is not None
    assert format(logout.parent.span_id, "016x") == parent
    assert logout.status.status_code is StatusCode.ERROR  # the server's failure
    assert login.parent is None  # no traceparent: a new trace
    assert login.status.status_code is StatusCode.UNSET  # the caller's mistake
    assert "a-credential" not in repr([_values(logout), _values(login)])


def _spans_of(run: Any) -> list[str]:
    """The names of the spans a fresh tracer exports while `run(tracing)` runs."""
    exporter = InMemorySpanExporter()
    tracing = Tracing(forward_traceparent=False, exporter=exporter)
    run(tracing)
    return [span.name for span in _finished(tracing, exporter)]


def test_the_standard_sampler_variables_are_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    unsampled = (("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"),)

    def calls(tracing: Tracing) -> None:
        tracing.rpc(METHODS).start_rpc("Login", unsampled).end()
        tracing.rpc(METHODS).start_rpc("Logout", ()).end()

    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0")
    assert _spans_of(calls) == []
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "1")
    assert _spans_of(calls) == [f"{SERVICE}/Login", f"{SERVICE}/Logout"]
    # The default, parent-based: an unsampled caller's trace is not recorded either.
    monkeypatch.delenv("OTEL_TRACES_SAMPLER")
    assert _spans_of(calls) == [f"{SERVICE}/Logout"]


def test_the_service_name_comes_from_otel_service_name(monkeypatch: pytest.MonkeyPatch) -> None:
    names = []
    for value in ("billing-sidecar", None):
        if value is None:
            monkeypatch.delenv("OTEL_SERVICE_NAME")
        else:
            monkeypatch.setenv("OTEL_SERVICE_NAME", value)
        exporter = InMemorySpanExporter()
        tracing = Tracing(forward_traceparent=False, exporter=exporter)
        tracing.rpc(METHODS).start_rpc("Login", ()).end()
        (span,) = _finished(tracing, exporter)
        names.append(span.resource.attributes["service.name"])
    assert names == ["billing-sidecar", "cometchat-auth-sidecar"]


def test_each_method_span_is_named_by_its_own_service(
    tracing: Tracing, exporter: InMemorySpanExporter
) -> None:
    from sidecar.entrypoints.rpc.server import METHOD_SERVICES

    tracing.rpc(METHOD_SERVICES).start_rpc("GenerateCallToken", ()).end()
    tracing.rpc(METHOD_SERVICES).start_rpc("RevokeAllAuthTokens", ()).end()
    call, revoke = _finished(tracing, exporter)

    assert call.name == "cometchat_sidecar.calls.v1.CallsService/GenerateCallToken"
    assert revoke.name == "cometchat_sidecar.tokens.v1.AuthTokenService/RevokeAllAuthTokens"
    assert len(METHOD_SERVICES) == 9  # no method name is served twice
