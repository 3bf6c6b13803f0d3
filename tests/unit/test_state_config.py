"""Settings of the state backends, the state keys, the revocation check and the caps."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from sidecar.bootstrap import load_registry, secrets_of
from sidecar.config import Settings, load_settings
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from tests.stack import write_credentials

KEY = base64.b64encode(os.urandom(32)).decode()
OTHER_KEY = base64.b64encode(os.urandom(32)).decode()


def test_a_state_path_alone_means_sqlite_and_nothing_means_memory(tmp_path: Path) -> None:
    environ = {"COMETCHAT_APP_ID": "a", "COMETCHAT_SIDECAR_STATE_KEY": KEY}
    with_path = load_settings({"state_path": str(tmp_path / "state.db")}, environ)
    without = load_settings({}, {"COMETCHAT_APP_ID": "a"})

    assert with_path.backend == "sqlite"
    assert with_path.state_path == tmp_path / "state.db"
    assert without.backend == "memory"
    assert without.revocation_check_seconds == 300
    assert (without.max_apps, without.max_sessions) == (1000, 10000)


def test_state_keys_come_from_files_or_the_environment_and_stay_out_of_reprs(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(OTHER_KEY + "\n")
    config = tmp_path / "sidecar.toml"
    config.write_text(
        'state_backend = "redis"\nredis_url = "redis://:hunter2-password@127.0.0.1:6379/0"\n'
        f'state_previous_key_file = "{key_file}"\nmax_sessions = 5\n'
    )
    environ = {"COMETCHAT_APP_ID": "a", "COMETCHAT_SIDECAR_STATE_KEY": KEY}

    settings = load_settings({"config": str(config)}, environ)

    assert settings.backend == "redis"
    assert settings.state_key == Secret(KEY)
    assert settings.state_previous_key == Secret(OTHER_KEY)
    assert settings.max_sessions == 5
    for secret in (KEY, OTHER_KEY, "hunter2-password"):
        assert secret not in repr(settings)
        assert secret in secrets_of(settings)


@pytest.mark.parametrize(
    ("flags", "environ", "message"),
    [
        ({"state_backend": "etcd"}, {}, "state_backend must be one of"),
        ({"state_backend": "sqlite"}, {"COMETCHAT_SIDECAR_STATE_KEY": KEY}, "needs a state_path"),
        ({"state_backend": "redis"}, {"COMETCHAT_SIDECAR_STATE_KEY": KEY}, "needs a redis_url"),
        (
            {"state_backend": "redis"},
            {"COMETCHAT_SIDECAR_STATE_KEY": KEY, "COMETCHAT_SIDECAR_REDIS_URL": "http://x"},
            "redis_url must start with",
        ),
        ({"state_path": "state/s.db"}, {}, "needs an encryption key"),
        ({}, {"COMETCHAT_SIDECAR_STATE_KEY": KEY}, "kept in memory"),
        (
            {"state_path": "state/s.db"},
            {"COMETCHAT_SIDECAR_STATE_KEY": "c2hvcnQ="},
            "must be 32 bytes, base64",
        ),
        (
            {"state_path": "state/s.db", "state_previous_key_file": "/no/such/key"},
            {"COMETCHAT_SIDECAR_STATE_KEY": KEY},
            "cannot read the key file",
        ),
        (
            {"revocation_check_seconds": -1},
            {},
            "revocation_check_seconds must be between 0 and 86400",
        ),
        ({}, {"COMETCHAT_SIDECAR_MAX_SESSIONS": "many"}, "max_sessions must be a whole number"),
        ({"max_apps": 0}, {}, "max_apps must be between 1 and 1e\\+06"),
    ],
)
def test_bad_state_settings_are_refused_with_a_clear_message(
    flags: dict[str, object], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(flags, {"COMETCHAT_APP_ID": "a", **environ})
    assert KEY not in str(caught.value)


def test_more_apps_than_max_apps_stops_the_start(tmp_path: Path) -> None:
    write_credentials(tmp_path / "apps", ["a", "b", "c"])
    settings = Settings(app_id="a", app_credentials_dir=tmp_path / "apps", max_apps=2)
    with pytest.raises(ConfigError, match="holds 3 apps, more than max_apps"):
        load_registry(settings)
