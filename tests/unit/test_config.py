from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.bootstrap import load_registry
from sidecar.config import Settings, is_loopback, load_settings
from sidecar.identity import AppRegistry, ConfigError
from sidecar.secret import Secret


def test_flags_win_over_environment_which_wins_over_the_file(tmp_path: Path) -> None:
    config = tmp_path / "sidecar.toml"
    config.write_text('app_id = "from-file"\nregion = "eu"\nlisten = "127.0.0.1:1"\n')
    environ = {"COMETCHAT_APP_ID": "from-env", "COMETCHAT_REGION": "in"}

    settings = load_settings({"config": str(config), "app_id": "from-flag"}, environ)

    assert settings.app_id == "from-flag"
    assert settings.region == "in"
    assert settings.listen == "127.0.0.1:1"


def test_the_api_key_comes_from_a_file_or_the_environment(tmp_path: Path) -> None:
    key_file = tmp_path / "api-key"
    key_file.write_text("key-from-file\n")
    base = {"COMETCHAT_APP_ID": "app", "COMETCHAT_API_KEY": "key-from-env"}

    from_env = load_settings({}, base)
    from_file = load_settings({}, base | {"COMETCHAT_API_KEY_FILE": str(key_file)})

    assert from_env.api_key == Secret("key-from-env")
    assert from_file.api_key == Secret("key-from-file")
    assert "key-from" not in repr(from_file)


@pytest.mark.parametrize(
    ("flags", "environ", "message"),
    [
        ({}, {}, "no CometChat app id"),
        ({"app_id": "a", "region": "mars"}, {}, "region must be one of"),
        ({"app_id": "a", "listen": "nowhere"}, {}, "listen must be host:port"),
        ({"app_id": "a", "api_host": "ftp://x"}, {}, "api_host must be a URL"),
        ({"app_id": "a"}, {"COMETCHAT_SIDECAR_DEV": "maybe"}, "dev must be true or false"),
        ({"app_id": "a", "api_key_file": "/no/such/file"}, {}, "cannot read the API key file"),
        (
            {"app_id": "a"},
            {"COMETCHAT_SIDECAR_UPSTREAM_TIMEOUT_SECONDS": "soon"},
            "upstream_timeout_seconds must be a number",
        ),
        ({"config": "/no/such.toml"}, {}, "does not exist"),
    ],
)
def test_bad_settings_are_refused_clearly(
    flags: dict[str, str], environ: dict[str, str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(flags, environ)


def test_unknown_and_malformed_config_files_are_refused(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('app_id = "a"\napi_key = "in-clear"\n')
    broken = tmp_path / "broken.toml"
    broken.write_text("app_id = \n")

    with pytest.raises(ConfigError, match="unknown keys: api_key"):
        load_settings({"config": str(unknown)}, {})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"config": str(broken)}, {})


def test_dev_mode_needs_no_app_id() -> None:
    assert load_settings({"dev": True}, {}).dev is True
    assert load_settings({}, {"COMETCHAT_SIDECAR_DEV": "true"}).dev is True


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [
        ("127.0.0.1:1", True),
        ("127.8.9.10:1", True),
        ("[::1]:1", True),
        ("localhost:1", True),
        ("0.0.0.0:1", False),
        ("[::]:1", False),
        ("10.1.2.3:1", False),
        ("example.com:1", False),
    ],
)
def test_loopback_detection(listen: str, loopback: bool) -> None:
    assert is_loopback(listen) is loopback


def test_open_mode_is_refused_off_loopback() -> None:
    assert load_registry(Settings(listen="127.0.0.1:0")) is None
    with pytest.raises(ConfigError, match="loopback only"):
        load_registry(Settings(listen="0.0.0.0:50051"))


def test_registry_reads_a_mounted_secret_directory(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text("billing-credential\n")
    (tmp_path / "video").write_text("video-credential")
    (tmp_path / "..data").mkdir()
    (tmp_path / ".hidden").write_text("ignored-credential")

    registry = AppRegistry.from_directory(tmp_path)

    assert registry.apps == ("billing", "video")
    assert registry.identify("billing-credential") is not None
    identity = registry.identify("video-credential")
    assert identity is not None
    assert identity.name == "video"
    assert registry.identify("ignored-credential") is None
    assert registry.identify("") is None
    assert "credential" not in repr(registry).replace("AppRegistry", "")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no app"),
        ({"a": "same-credential", "b": "same-credential"}, "share one credential"),
        ({"a": "  \n"}, "empty credential"),
    ],
)
def test_registry_refuses_unusable_directories(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with pytest.raises(ConfigError, match=message):
        AppRegistry.from_directory(tmp_path)


def test_resilience_and_lifecycle_settings_come_from_every_source(tmp_path: Path) -> None:
    config = tmp_path / "sidecar.toml"
    config.write_text(
        'app_id = "a"\nupstream_max_attempts = 4\nbreaker_open_seconds = 2.5\n'
        'http_listen = "0.0.0.0:9000"\n',
        encoding="utf-8",
    )
    environ = {
        "COMETCHAT_SIDECAR_DRAIN_SECONDS": "20",
        "COMETCHAT_SIDECAR_UPSTREAM_MAX_ATTEMPTS": "2",
    }
    settings = load_settings(
        {"config": str(config), "breaker_failure_threshold": 7, "http_listen": ""}, environ
    )

    assert settings.upstream_max_attempts == 2  # environment over file
    assert settings.breaker_open_seconds == 2.5
    assert settings.breaker_failure_threshold == 7
    assert settings.drain_seconds == 20.0
    assert settings.http_listen == ""  # a flag turns the port off
    assert Settings().http_listen == "127.0.0.1:8081"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"COMETCHAT_SIDECAR_UPSTREAM_MAX_ATTEMPTS": "0"}, "between 1 and 10"),
        ({"COMETCHAT_SIDECAR_UPSTREAM_MAX_ATTEMPTS": "2.5"}, "must be a whole number"),
        ({"COMETCHAT_SIDECAR_BREAKER_OPEN_SECONDS": "soon"}, "must be a number"),
        ({"COMETCHAT_SIDECAR_DRAIN_SECONDS": "-1"}, "drain_seconds must be between"),
        ({"COMETCHAT_SIDECAR_HTTP_LISTEN": "nowhere"}, "listen must be host:port"),
    ],
)
def test_bad_resilience_settings_are_refused(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"app_id": "a"}, environ)
