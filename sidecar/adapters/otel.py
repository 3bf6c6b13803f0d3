"""Tracing with the OpenTelemetry SDK, exported over OTLP/gRPC: imported only when it is on.

The exporter, the sampler, the batch processor and the resource read the standard
variables themselves (`OTEL_EXPORTER_OTLP_*`, `OTEL_TRACES_SAMPLER(_ARG)`, `OTEL_BSP_*`,
`OTEL_SERVICE_NAME`, `OTEL_RESOURCE_ATTRIBUTES`). The provider is the sidecar's own, not
the global one, so nothing else in the process exports through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, SERVICE_VERSION, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from sidecar import __version__
from sidecar.adapters.tracing import RpcSpan, RpcTracer, TrySpan, UpstreamTracer

SERVICE: Final = "cometchat-auth-sidecar"
_PROPAGATOR: Final = TraceContextTextMapPropagator()
_TRACE_HEADERS: Final = frozenset({"traceparent", "tracestate"})
_GRPC_CODES: Final = {code.name: code.value[0] for code in grpc.StatusCode}
# The gRPC codes that are the server's failure (OpenTelemetry's RPC conventions); the
# others (a bad UID, nobody logged in, ...) are the caller's and leave the span unset.
_SERVER_ERRORS: Final = frozenset(
    {"UNKNOWN", "DEADLINE_EXCEEDED", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS"}
)


def _carrier(metadata: Iterable[tuple[str, str | bytes]]) -> dict[str, str]:
    return {
        key: value for key, value in metadata if key in _TRACE_HEADERS and isinstance(value, str)
    }


class _RpcSpan:
    __slots__ = ("_span", "_token")

    def __init__(self, span: Span) -> None:
        self._span = span
        self._token = otel_context.attach(trace.set_span_in_context(span))

    def outcome(self, app: str | None, reason: str, code: str) -> None:
        span = self._span
        if not span.is_recording():
            return
        if app is not None:
            span.set_attribute("cometchat_sidecar.app", app)
        span.set_attribute("cometchat_sidecar.reason", reason)
        span.set_attribute("rpc.grpc.status_code", _GRPC_CODES.get(code, 2))
        if code in _SERVER_ERRORS:
            span.set_status(Status(StatusCode.ERROR, reason))

    def end(self) -> None:
        self._span.end()
        otel_context.detach(self._token)


class _RpcTracer:
    def __init__(self, tracer: trace.Tracer, services: Mapping[str, str]) -> None:
        self._tracer = tracer
        self._services = services

    def start_rpc(self, method: str, metadata: Iterable[tuple[str, str | bytes]]) -> RpcSpan:
        parent = _PROPAGATOR.extract(_carrier(metadata))
        service = self._services[method]
        span = self._tracer.start_span(
            f"{service}/{method}",
            context=parent,
            kind=SpanKind.SERVER,
            attributes={
                "rpc.system": "grpc",
                "rpc.service": service,
                "rpc.method": method,
            },
        )
        return _RpcSpan(span)


class _TrySpan:
    __slots__ = ("_forward", "_span")

    def __init__(self, span: Span, forward: bool) -> None:
        self._span = span
        self._forward = forward

    def outgoing_headers(self) -> dict[str, str]:
        if not self._forward:
            return {}
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=trace.set_span_in_context(self._span))
        # Only traceparent: the caller's tracestate is its vendors' business, not CometChat's.
        return {"traceparent": carrier["traceparent"]} if "traceparent" in carrier else {}

    def refused(self, retry_after: float) -> None:
        span = self._span
        span.set_attribute("cometchat_sidecar.upstream.outcome", "circuit_open")
        span.set_attribute("cometchat_sidecar.upstream.breaker_retry_after_seconds", retry_after)
        self.failed("UPSTREAM_CIRCUIT_OPEN", None)

    def answered(self, status: str) -> None:
        span = self._span
        span.set_attribute("cometchat_sidecar.upstream.outcome", status)
        if status.isdigit():
            span.set_attribute("http.response.status_code", int(status))

    def failed(self, reason: str, retry_after: float | None) -> None:
        span = self._span
        span.set_attribute("error.type", reason)
        span.set_attribute("cometchat_sidecar.reason", reason)
        if retry_after is not None:
            span.set_attribute("cometchat_sidecar.upstream.retry_after_seconds", retry_after)
        span.set_status(Status(StatusCode.ERROR, reason))

    def retrying(self, cause: str, wait: float) -> None:
        self._span.set_attribute("cometchat_sidecar.upstream.retry_wait_seconds", wait)
        self._span.add_event("retry", {"cause": cause, "wait_seconds": wait})

    def end(self) -> None:
        self._span.end()


class _UpstreamTracer:
    def __init__(self, tracer: trace.Tracer, forward: bool) -> None:
        self._tracer = tracer
        self._forward = forward

    def start_try(
        self,
        endpoint: str,
        method: str,
        url_template: str,
        server: tuple[str, int],
        attempt: int,
        breaker_state: str,
    ) -> TrySpan:
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.template": url_template,
            "server.address": server[0],
            "server.port": server[1],
            "cometchat_sidecar.upstream.endpoint": endpoint,
            "cometchat_sidecar.upstream.attempt": attempt,
            "cometchat_sidecar.upstream.breaker_state": breaker_state,
        }
        if attempt > 1:
            attributes["http.request.resend_count"] = attempt - 1
        span = self._tracer.start_span(
            f"{method} {url_template}", kind=SpanKind.CLIENT, attributes=attributes
        )
        return _TrySpan(span, self._forward)


class Tracing:
    """The sidecar's tracer provider, and the tracers the entrypoint and the adapter use."""

    def __init__(self, *, forward_traceparent: bool, exporter: SpanExporter | None = None) -> None:
        self._provider = TracerProvider(resource=_resource())
        self._provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
        self._tracer = self._provider.get_tracer(SERVICE, __version__)
        self.upstream: UpstreamTracer = _UpstreamTracer(self._tracer, forward_traceparent)

    def rpc(self, services: Mapping[str, str]) -> RpcTracer:
        """Server spans named `<service>/<method>`; `services` maps each method to its
        service (the served services' method names are distinct)."""
        return _RpcTracer(self._tracer, services)

    def shutdown(self) -> None:
        """Export what is still buffered, then stop (blocks: call it off the event loop)."""
        self._provider.shutdown()


def _resource() -> Resource:
    """The standard variables' resource; this service's name and version where they say none."""
    resource = Resource.create()
    defaults: dict[str, str] = {}
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        defaults[SERVICE_NAME] = SERVICE
    if SERVICE_VERSION not in resource.attributes:
        defaults[SERVICE_VERSION] = __version__
    return resource.merge(Resource(defaults))
