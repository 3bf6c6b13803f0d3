from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from sidecar.bootstrap import secrets_of
from sidecar.config import Settings, load_settings
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret

# State keys, as `openssl rand -base64 32` prints them.
KEY = base64.b64encode(os.urandom(32)).decode()
OTHER_KEY = base64.b64encode(os.urandom(32)).decode()


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


def test_security_settings_come_from_flags_environment_and_file(tmp_path: Path) -> None:
    config = tmp_path / "sidecar.toml"
    config.write_text(
        'app_id = "a"\nsocket_dir = "/run/sidecar"\nsocket_apps = ["billing", "video"]\n'
        "socket_owner = 1000\nmax_message_bytes = 4096\n"
        'tls_cert_file = "/tls/cert.pem"\ntls_key_file = "/tls/key.pem"\n'
        'tls_client_ca_file = "/tls/ca.pem"\n'
        '[tls_client_apps]\n"spiffe://example.org/billing" = "billing"\n'
    )
    environ = {
        "COMETCHAT_SIDECAR_SOCKET_GROUP": "apps",
        "COMETCHAT_SIDECAR_LOGIN_BURST": "3",
        "COMETCHAT_SIDECAR_CREDENTIAL_ROTATION_SECONDS": "60",
    }
    flags = {"config": str(config), "listen": "", "socket_apps": ["video", "chat"]}

    settings = load_settings(flags, environ)

    assert settings.listen == ""
    assert settings.socket_dir == Path("/run/sidecar")
    assert settings.socket_apps == ("video", "chat")
    assert (settings.socket_owner, settings.socket_group) == ("1000", "apps")
    assert settings.max_message_bytes == 4096
    assert settings.login_burst == 3
    assert settings.credential_rotation_seconds == 60.0
    assert settings.tls_client_apps == (("spiffe://example.org/billing", "billing"),)


def test_list_settings_from_the_environment_are_comma_separated() -> None:
    environ = {
        "COMETCHAT_SIDECAR_SOCKET_DIR": "/s",
        "COMETCHAT_SIDECAR_SOCKET_APPS": "billing, video,",
        "COMETCHAT_SIDECAR_TLS_CERT_FILE": "/c",
        "COMETCHAT_SIDECAR_TLS_KEY_FILE": "/k",
        "COMETCHAT_SIDECAR_TLS_CLIENT_CA_FILE": "/ca",
        "COMETCHAT_SIDECAR_TLS_CLIENT_APPS": "CN=x=billing,app.local=video",
    }

    settings = load_settings({"app_id": "a"}, environ)

    assert settings.socket_apps == ("billing", "video")
    assert settings.tls_client_apps == (("CN=x", "billing"), ("app.local", "video"))


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        ({"listen": "0.0.0.0:50051"}, "plain TCP is allowed on loopback only"),
        ({"listen": "10.0.0.1:50051", "tls_cert_file": "/c"}, "needs both tls_cert_file"),
        ({"listen": ""}, "nothing to listen on"),
        ({"socket_apps": ["a"]}, "socket_apps needs socket_dir"),
        ({"socket_dir": "/s", "socket_apps": ["../etc"]}, "must be 1-63 letters"),
        ({"socket_dir": "/s", "socket_apps": ["a", "a"]}, "names an app twice"),
        ({"tls_client_ca_file": "/ca"}, "needs tls_cert_file and tls_key_file"),
        (
            {"tls_cert_file": "/c", "tls_key_file": "/k", "tls_client_ca_file": "/ca"},
            "needs tls_client_apps",
        ),
        ({"tls_client_apps": ["x=a"]}, "needs tls_client_ca_file"),
        ({"tls_client_apps": ["no-app-here"]}, "entries are IDENTITY=APP"),
        (
            {
                "tls_cert_file": "/c",
                "tls_key_file": "/k",
                "tls_client_ca_file": "/ca",
                "tls_client_apps": ["x=a"],
                "app_credentials_dir": "/apps",
            },
            "not both",
        ),
        ({"max_message_bytes": "64k"}, "max_message_bytes must be a whole number"),
        ({"max_message_bytes": 100}, "max_message_bytes must be between 1024 and"),
        ({"max_metadata_bytes": 10**6}, "max_metadata_bytes must be between"),
        ({"login_burst": 0}, "login_burst must be between 1 and"),
        ({"login_rate_per_second": -1}, "login_rate_per_second must be between 0 and"),
    ],
)
def test_bad_security_settings_are_refused_clearly(flags: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings({"app_id": "a", **flags}, {})


def test_tls_makes_a_non_loopback_listen_acceptable() -> None:
    settings = load_settings(
        {"app_id": "a", "listen": "0.0.0.0:50051", "tls_cert_file": "/c", "tls_key_file": "/k"},
        {},
    )
    assert settings.tls_cert_file == Path("/c")


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


def test_redis_sentinel_passwords_and_replicas_are_settings_of_their_own(tmp_path: Path) -> None:
    password_file = tmp_path / "redis-password"
    password_file.write_text("hunter3-server\n")
    environ = {
        "COMETCHAT_APP_ID": "a",
        "COMETCHAT_SIDECAR_STATE_KEY": KEY,
        "COMETCHAT_SIDECAR_REDIS_URL": "redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/main",
        "COMETCHAT_SIDECAR_REDIS_PASSWORD_FILE": str(password_file),
        "COMETCHAT_SIDECAR_REDIS_SENTINEL_PASSWORD": "hunter3-sentinel",
        "COMETCHAT_SIDECAR_REDIS_MIN_REPLICAS": "1",
    }

    settings = load_settings({"state_backend": "redis"}, environ)

    assert settings.redis_password == Secret("hunter3-server")
    assert settings.redis_sentinel_password == Secret("hunter3-sentinel")
    assert settings.redis_min_replicas == 1
    for secret in ("hunter3-server", "hunter3-sentinel"):
        assert secret not in repr(settings)
        assert secret in secrets_of(settings)


@pytest.mark.parametrize(
    ("flags", "environ", "message"),
    [
        ({"state_backend": "etcd"}, {}, "state_backend must be one of"),
        (
            {"state_path": "state/s.db", "redis_min_replicas": 1},
            {"COMETCHAT_SIDECAR_STATE_KEY": KEY},
            "need state_backend redis",
        ),
        (
            {"state_backend": "redis", "redis_min_replicas": -1},
            {"COMETCHAT_SIDECAR_STATE_KEY": KEY, "COMETCHAT_SIDECAR_REDIS_URL": "redis://h"},
            "redis_min_replicas must be between 0 and 100",
        ),
        (
            {"state_backend": "redis"},
            {
                "COMETCHAT_SIDECAR_STATE_KEY": KEY,
                "COMETCHAT_SIDECAR_REDIS_URL": "redis+sentinel://:pw@h:1/svc",
            },
            "carries no user or password",
        ),
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


def test_tracing_settings_come_from_every_source(tmp_path: Path) -> None:
    config = tmp_path / "sidecar.toml"
    config.write_text('tracing = "otlp"\nforward_traceparent = true\n')
    from_file = load_settings({"config": str(config), "dev": True}, {})
    from_env = load_settings(
        {"dev": True},
        {"COMETCHAT_SIDECAR_TRACING": "off", "COMETCHAT_SIDECAR_FORWARD_TRACEPARENT": "yes"},
    )
    default = load_settings({"dev": True}, {})

    assert (from_file.tracing, from_file.forward_traceparent) == ("otlp", True)
    assert (from_env.tracing, from_env.forward_traceparent) == ("off", True)
    assert (default.tracing, default.forward_traceparent) == ("", False)
    with pytest.raises(ConfigError, match="tracing must be off or otlp"):
        load_settings({"dev": True}, {"COMETCHAT_SIDECAR_TRACING": "zipkin"})
