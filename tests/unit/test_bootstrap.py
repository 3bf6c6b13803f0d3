"""What the composition root decides from the settings: the apps it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.bootstrap import load_registry, served_apps, tcp_apps
from sidecar.config import Settings
from sidecar.domain.errors import ConfigError
from tests.stack import write_credentials


def test_open_mode_is_refused_off_loopback() -> None:
    assert load_registry(Settings(listen="127.0.0.1:0")) is None
    with pytest.raises(ConfigError, match="loopback only"):
        load_registry(Settings(listen="0.0.0.0:50051"))


def test_more_apps_than_max_apps_stops_the_start(tmp_path: Path) -> None:
    write_credentials(tmp_path / "apps", ["a", "b", "c"])
    settings = Settings(app_id="a", app_credentials_dir=tmp_path / "apps", max_apps=2)
    with pytest.raises(ConfigError, match="holds 3 apps, more than max_apps"):
        load_registry(settings)


def test_the_tcp_apps_are_the_ones_each_way_of_identifying_callers_names(tmp_path: Path) -> None:
    write_credentials(tmp_path / "apps", ["billing", "video"])
    mutual_tls = Settings(
        listen="0.0.0.0:50051",
        tls_cert_file=tmp_path / "cert.pem",
        tls_key_file=tmp_path / "key.pem",
        tls_client_ca_file=tmp_path / "ca.pem",
        tls_client_apps=(("spiffe://pod/video", "video"), ("billing.local", "billing")),
        socket_dir=tmp_path / "sockets",
        socket_apps=("reports",),
    )
    with_credentials = Settings(app_credentials_dir=tmp_path / "apps")
    open_mode = Settings(listen="127.0.0.1:0")
    sockets_only = Settings(listen="", socket_dir=tmp_path / "sockets", socket_apps=("reports",))

    assert tcp_apps(mutual_tls, None) == ["billing", "video"]
    assert served_apps(mutual_tls, None) == ["billing", "reports", "video"]
    assert tcp_apps(with_credentials, load_registry(with_credentials)) == ["billing", "video"]
    assert (open_mode.open_mode, tcp_apps(open_mode, None)) == (True, ["default"])
    assert (mutual_tls.open_mode, with_credentials.open_mode) == (False, False)
    assert (sockets_only.open_mode, served_apps(sockets_only, None)) == (False, ["reports"])


async def test_tracing_that_cannot_be_served_stops_the_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sidecar.bootstrap import running_sidecar

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    settings = Settings(listen="127.0.0.1:0", http_listen="", dev=True, tracing="otlp")
    with pytest.raises(ConfigError, match="OTLP over gRPC only"):
        async with running_sidecar(settings, grace=0):
            pass
