"""The tracing port: what the RPC entrypoint and the CometChat adapter tell a tracer.

Nothing here imports OpenTelemetry. With tracing off (the default) the call runner and
the CometChat client hold no tracer and create no span; only `sidecar.adapters.otel`,
imported by the composition root when tracing is on, brings in the SDK.

What a span may carry is decided here, by the shape of these calls: method names,
endpoint ids, URL templates, HTTP statuses, reasons from the error table, counts and
delays. No uid, auth token, API key, app credential or device id is ever passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Protocol

TRACING_MODES: Final = ("", "off", "otlp")
SDK_DISABLED_ENV: Final = "OTEL_SDK_DISABLED"
EXPORTER_ENV: Final = "OTEL_TRACES_EXPORTER"
PROTOCOL_ENVS: Final = ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL")


class RpcSpan(Protocol):
    """The server span of one RPC, current while the RPC runs."""

    def outcome(self, app: str | None, reason: str, code: str) -> None:
        """How the call ended: the calling app (None when unidentified), reason, gRPC code."""
        ...

    def end(self) -> None:
        """End the span and make the caller's context current again."""
        ...


class RpcTracer(Protocol):
    def start_rpc(self, method: str, metadata: Iterable[tuple[str, str | bytes]]) -> RpcSpan:
        """Start `method`'s server span, continuing the W3C `traceparent` in `metadata`."""
        ...


class TrySpan(Protocol):
    """The client span of one HTTP try to CometChat."""

    def outgoing_headers(self) -> dict[str, str]:
        """Headers to send with the try: `traceparent` when forwarding is on, else none."""
        ...

    def refused(self, retry_after: float) -> None:
        """The circuit breaker refused the try; it may be asked again in `retry_after` s."""
        ...

    def answered(self, status: str) -> None:
        """The exchange ended: an HTTP status, `timeout`, `connection_error` or `cancelled`."""
        ...

    def failed(self, reason: str, retry_after: float | None) -> None:
        """The try failed with `reason`; CometChat asked to wait `retry_after` s (or did not)."""
        ...

    def retrying(self, cause: str, wait: float) -> None:
        """The try is repeated after `wait` s because of `cause`."""
        ...

    def end(self) -> None: ...


class UpstreamTracer(Protocol):
    def start_try(
        self,
        endpoint: str,
        method: str,
        url_template: str,
        server: tuple[str, int],
        attempt: int,
        breaker_state: str,
    ) -> TrySpan:
        """Start the span of try `attempt` (1, 2, ...) of `endpoint`, a child of the current
        span. `url_template` names the path's variables, never their values."""
        ...


@dataclass(frozen=True)
class TracingChoice:
    """Whether tracing is on, and why, from the `tracing` setting and the environment."""

    enabled: bool
    why: str


def choose(setting: str, environ: Mapping[str, str]) -> TracingChoice:
    """`tracing = "otlp"` turns tracing on, `"off"` off; unset (""), it follows the standard
    `OTEL_TRACES_EXPORTER` (on only when it says `otlp`). `OTEL_SDK_DISABLED=true` turns
    it off whatever the rest says. Raises ValueError for what cannot be served: another
    exporter, or OTLP over a protocol other than gRPC."""
    if setting not in TRACING_MODES:
        raise ValueError(f"tracing must be off or otlp, not {setting!r}")
    if environ.get(SDK_DISABLED_ENV, "").strip().lower() == "true":
        return TracingChoice(False, f"{SDK_DISABLED_ENV}=true")
    exporter = environ.get(EXPORTER_ENV, "").strip().lower()
    if setting == "off":
        return TracingChoice(False, "tracing = off")
    if setting == "" and exporter != "otlp":
        return TracingChoice(False, "tracing is off by default")
    if exporter not in ("", "otlp"):
        raise ValueError(
            f"{EXPORTER_ENV}={exporter!r}: the sidecar exports spans over OTLP only (otlp)"
        )
    for name in PROTOCOL_ENVS:
        protocol = environ.get(name, "").strip().lower()
        if protocol and protocol != "grpc":
            raise ValueError(f"{name}={protocol!r}: the sidecar exports OTLP over gRPC only (grpc)")
        if protocol:
            break
    return TracingChoice(True, "tracing = otlp" if setting else f"{EXPORTER_ENV}=otlp")
