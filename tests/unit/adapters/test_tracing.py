"""When tracing is on: the `tracing` setting and the standard OpenTelemetry variables."""

from __future__ import annotations

import pytest

from sidecar.adapters.tracing import choose


@pytest.mark.parametrize(
    ("setting", "environ", "enabled"),
    [
        ("", {}, False),  # off by default
        ("otlp", {}, True),
        ("off", {"OTEL_TRACES_EXPORTER": "otlp"}, False),
        ("", {"OTEL_TRACES_EXPORTER": "otlp"}, True),
        ("", {"OTEL_TRACES_EXPORTER": "none"}, False),
        ("otlp", {"OTEL_SDK_DISABLED": "true"}, False),
        ("", {"OTEL_TRACES_EXPORTER": "otlp", "OTEL_SDK_DISABLED": "TRUE"}, False),
        ("otlp", {"OTEL_SDK_DISABLED": "false"}, True),
        ("otlp", {"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, True),
        # The signal's own variable wins over the general one.
        (
            "otlp",
            {
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf",
            },
            True,
        ),
    ],
)
def test_the_setting_and_the_environment_decide(
    setting: str, environ: dict[str, str], enabled: bool
) -> None:
    assert choose(setting, environ).enabled is enabled


@pytest.mark.parametrize(
    ("environ", "says"),
    [
        ({"OTEL_TRACES_EXPORTER": "zipkin"}, "OTLP only"),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, "over gRPC only"),
        ({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, "over gRPC only"),
    ],
)
def test_what_cannot_be_served_is_refused(environ: dict[str, str], says: str) -> None:
    with pytest.raises(ValueError, match=says):
        choose("otlp", environ)


def test_an_unknown_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="off or otlp"):
        choose("jaeger", {})
