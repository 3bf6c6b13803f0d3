"""What the composition root decides from the settings: the apps it serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.bootstrap import load_registry
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
