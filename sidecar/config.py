"""Settings: command-line flags over environment variables over a TOML file over defaults.

The API key is read from the environment or from a file (a mounted Secret), never
from a flag: flags show up in `ps`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final, TypeAlias

from sidecar.adapters.state.redis_url import check_redis_url
from sidecar.adapters.state.sealing import parse_state_key
from sidecar.adapters.tracing import TRACING_MODES
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.entrypoints.addresses import is_loopback, listen_host
from sidecar.entrypoints.rpc.sockets import check_app_name

REGIONS: Final = ("us", "eu", "in")
LOG_FORMATS: Final = ("json", "console")
LOG_LEVELS: Final = ("debug", "info", "warning", "error")
STATE_BACKENDS: Final = ("memory", "sqlite", "redis")


@dataclass(frozen=True)
class Settings:
    """Everything the sidecar is started with."""

    listen: str = "127.0.0.1:50051"
    health_listen: str = ""
    app_id: str = ""
    region: str = "us"
    api_key: Secret | None = field(default=None, repr=False)
    api_host: str = ""
    client_host: str = ""
    call_host: str = ""
    app_credentials_dir: Path | None = None
    dev: bool = False
    log_level: str = "info"
    log_format: str = "json"
    upstream_timeout_seconds: float = 10.0
    upstream_connect_timeout_seconds: float = 3.0
    upstream_read_timeout_seconds: float = 5.0
    upstream_max_attempts: int = 3
    breaker_failure_threshold: int = 5
    breaker_open_seconds: float = 5.0
    http_listen: str = "127.0.0.1:8081"
    drain_seconds: float = 10.0
    # Per-app Unix sockets: <socket_dir>/<app>/sidecar.sock for each of socket_apps.
    socket_dir: Path | None = None
    socket_apps: tuple[str, ...] = ()
    socket_owner: str = ""
    socket_group: str = ""
    # TCP credentials: re-read every poll interval; a replaced one stays valid this long.
    credential_rotation_seconds: float = 300.0
    credential_poll_seconds: float = 2.0
    # TLS on the TCP listener; a client CA turns on mutual TLS, whose certificates
    # are mapped to apps by (identity, app) pairs.
    tls_cert_file: Path | None = None
    tls_key_file: Path | None = None
    tls_client_ca_file: Path | None = None
    tls_client_apps: tuple[tuple[str, str], ...] = ()
    # Input limits, refused by gRPC before any code of the sidecar runs.
    max_message_bytes: int = 64 * 1024
    max_metadata_bytes: int = 8 * 1024
    # Per-app token bucket on logins that would go upstream; rate 0 turns it off.
    login_rate_per_second: float = 5.0
    login_burst: int = 20
    # Unary calls one app may have in flight at once, over every listener.
    max_calls_in_flight_per_app: int = 64
    # Where sessions live (sidecar/adapters/state/): "" = sqlite with a state_path, else memory.
    state_backend: str = ""
    state_path: Path | None = None
    redis_url: Secret | None = field(default=None, repr=False)
    state_key: Secret | None = field(default=None, repr=False)
    state_previous_key: Secret | None = field(default=None, repr=False)
    # Redis passwords come from files or the environment only; each session write waits
    # (WAIT) until redis_min_replicas replicas hold it.
    redis_password: Secret | None = field(default=None, repr=False)
    redis_sentinel_password: Secret | None = field(default=None, repr=False)
    redis_min_replicas: int = 0
    revocation_check_seconds: float = 300.0
    max_apps: int = 1000
    max_sessions: int = 10000
    # Tracing: "otlp" on, "off" off, "" follows OTEL_TRACES_EXPORTER (sidecar/adapters/tracing.py).
    tracing: str = ""
    # Send the try's W3C traceparent to CometChat (a third party): off unless asked for.
    forward_traceparent: bool = False
    # Per-app grants (sidecar/domain/policy.py); none: the auth RPCs only, deny the rest.
    policy_file: Path | None = None

    @property
    def open_mode(self) -> bool:
        """TCP with no way to tell apps apart: every caller is the one app `default`."""
        return (
            bool(self.listen)
            and self.app_credentials_dir is None
            and self.tls_client_ca_file is None
        )

    @property
    def backend(self) -> str:
        """The state backend in effect."""
        return self.state_backend or ("sqlite" if self.state_path is not None else "memory")


# name -> (environment variable, TOML key). `api_key` has no flag and no TOML key.
ENVIRONMENT: Final = {
    "listen": "COMETCHAT_SIDECAR_LISTEN",
    "health_listen": "COMETCHAT_SIDECAR_HEALTH_LISTEN",
    "app_id": "COMETCHAT_APP_ID",
    "region": "COMETCHAT_REGION",
    "api_host": "COMETCHAT_API_HOST",
    "client_host": "COMETCHAT_CLIENT_HOST",
    "call_host": "COMETCHAT_CALL_HOST",
    "app_credentials_dir": "COMETCHAT_SIDECAR_APP_CREDENTIALS_DIR",
    "dev": "COMETCHAT_SIDECAR_DEV",
    "log_level": "COMETCHAT_SIDECAR_LOG_LEVEL",
    "log_format": "COMETCHAT_SIDECAR_LOG_FORMAT",
    "upstream_timeout_seconds": "COMETCHAT_SIDECAR_UPSTREAM_TIMEOUT_SECONDS",
    "upstream_connect_timeout_seconds": "COMETCHAT_SIDECAR_UPSTREAM_CONNECT_TIMEOUT_SECONDS",
    "upstream_read_timeout_seconds": "COMETCHAT_SIDECAR_UPSTREAM_READ_TIMEOUT_SECONDS",
    "upstream_max_attempts": "COMETCHAT_SIDECAR_UPSTREAM_MAX_ATTEMPTS",
    "breaker_failure_threshold": "COMETCHAT_SIDECAR_BREAKER_FAILURE_THRESHOLD",
    "breaker_open_seconds": "COMETCHAT_SIDECAR_BREAKER_OPEN_SECONDS",
    "http_listen": "COMETCHAT_SIDECAR_HTTP_LISTEN",
    "drain_seconds": "COMETCHAT_SIDECAR_DRAIN_SECONDS",
    "socket_dir": "COMETCHAT_SIDECAR_SOCKET_DIR",
    "socket_apps": "COMETCHAT_SIDECAR_SOCKET_APPS",
    "socket_owner": "COMETCHAT_SIDECAR_SOCKET_OWNER",
    "socket_group": "COMETCHAT_SIDECAR_SOCKET_GROUP",
    "credential_rotation_seconds": "COMETCHAT_SIDECAR_CREDENTIAL_ROTATION_SECONDS",
    "credential_poll_seconds": "COMETCHAT_SIDECAR_CREDENTIAL_POLL_SECONDS",
    "tls_cert_file": "COMETCHAT_SIDECAR_TLS_CERT_FILE",
    "tls_key_file": "COMETCHAT_SIDECAR_TLS_KEY_FILE",
    "tls_client_ca_file": "COMETCHAT_SIDECAR_TLS_CLIENT_CA_FILE",
    "tls_client_apps": "COMETCHAT_SIDECAR_TLS_CLIENT_APPS",
    "max_message_bytes": "COMETCHAT_SIDECAR_MAX_MESSAGE_BYTES",
    "max_metadata_bytes": "COMETCHAT_SIDECAR_MAX_METADATA_BYTES",
    "login_rate_per_second": "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND",
    "login_burst": "COMETCHAT_SIDECAR_LOGIN_BURST",
    "max_calls_in_flight_per_app": "COMETCHAT_SIDECAR_MAX_CALLS_IN_FLIGHT_PER_APP",
    "state_backend": "COMETCHAT_SIDECAR_STATE_BACKEND",
    "state_path": "COMETCHAT_SIDECAR_STATE_PATH",
    "redis_url": "COMETCHAT_SIDECAR_REDIS_URL",
    "redis_min_replicas": "COMETCHAT_SIDECAR_REDIS_MIN_REPLICAS",
    "revocation_check_seconds": "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS",
    "max_apps": "COMETCHAT_SIDECAR_MAX_APPS",
    "max_sessions": "COMETCHAT_SIDECAR_MAX_SESSIONS",
    "tracing": "COMETCHAT_SIDECAR_TRACING",
    "forward_traceparent": "COMETCHAT_SIDECAR_FORWARD_TRACEPARENT",
    "policy_file": "COMETCHAT_SIDECAR_POLICY_FILE",
}
API_KEY_ENV: Final = "COMETCHAT_API_KEY"
API_KEY_FILE_ENV: Final = "COMETCHAT_API_KEY_FILE"
STATE_KEY_ENV: Final = "COMETCHAT_SIDECAR_STATE_KEY"
STATE_KEY_FILE_ENV: Final = "COMETCHAT_SIDECAR_STATE_KEY_FILE"
STATE_PREVIOUS_KEY_ENV: Final = "COMETCHAT_SIDECAR_STATE_PREVIOUS_KEY"
STATE_PREVIOUS_KEY_FILE_ENV: Final = "COMETCHAT_SIDECAR_STATE_PREVIOUS_KEY_FILE"
# Names of environment variables, not passwords.
REDIS_PASSWORD_ENV: Final = "COMETCHAT_SIDECAR_REDIS_PASSWORD"  # noqa: S105
REDIS_PASSWORD_FILE_ENV: Final = "COMETCHAT_SIDECAR_REDIS_PASSWORD_FILE"  # noqa: S105
REDIS_SENTINEL_PASSWORD_ENV: Final = "COMETCHAT_SIDECAR_REDIS_SENTINEL_PASSWORD"  # noqa: S105
REDIS_SENTINEL_PASSWORD_FILE_ENV: Final = "COMETCHAT_SIDECAR_REDIS_SENTINEL_PASSWORD_FILE"  # noqa: S105
CONFIG_FILE_ENV: Final = "COMETCHAT_SIDECAR_CONFIG"


@dataclass(frozen=True)
class _SecretSource:
    """Where a secret setting comes from: a file (its path a flag, an environment variable
    or a config key) or an environment variable; never a flag, since flags show in `ps`."""

    file_setting: str
    file_env: str
    value_env: str
    what: str


_SECRETS: Final = {
    "api_key": _SecretSource("api_key_file", API_KEY_FILE_ENV, API_KEY_ENV, "API key file"),
    "state_key": _SecretSource("state_key_file", STATE_KEY_FILE_ENV, STATE_KEY_ENV, "key file"),
    "state_previous_key": _SecretSource(
        "state_previous_key_file", STATE_PREVIOUS_KEY_FILE_ENV, STATE_PREVIOUS_KEY_ENV, "key file"
    ),
    "redis_password": _SecretSource(
        "redis_password_file", REDIS_PASSWORD_FILE_ENV, REDIS_PASSWORD_ENV, "Redis password file"
    ),
    "redis_sentinel_password": _SecretSource(
        "redis_sentinel_password_file",
        REDIS_SENTINEL_PASSWORD_FILE_ENV,
        REDIS_SENTINEL_PASSWORD_ENV,
        "Redis sentinel password file",
    ),
}
# Numeric settings: (type, lowest allowed, highest allowed).
_NUMBERS: Final[dict[str, tuple[type[int] | type[float], float, float]]] = {
    "upstream_connect_timeout_seconds": (float, 0.001, 60),
    "upstream_read_timeout_seconds": (float, 0.001, 300),
    "upstream_max_attempts": (int, 1, 10),
    "breaker_failure_threshold": (int, 1, 1000),
    "breaker_open_seconds": (float, 0.01, 3600),
    "drain_seconds": (float, 0, 3600),
    "credential_rotation_seconds": (float, 0, 86400),
    "credential_poll_seconds": (float, 0.05, 3600),
    "max_message_bytes": (int, 1024, 4 * 1024 * 1024),
    "max_metadata_bytes": (int, 1024, 64 * 1024),
    "login_rate_per_second": (float, 0, 10000),
    "login_burst": (int, 1, 100000),
    "max_calls_in_flight_per_app": (int, 1, 100000),
    "revocation_check_seconds": (float, 0, 86400),
    "max_apps": (int, 1, 1_000_000),
    "max_sessions": (int, 1, 10_000_000),
    "redis_min_replicas": (int, 0, 100),
}
_PATHS: Final = (
    "app_credentials_dir",
    "state_path",
    "socket_dir",
    "tls_cert_file",
    "tls_key_file",
    "tls_client_ca_file",
    "policy_file",
)
_FILE_KEYS: Final = frozenset(ENVIRONMENT) | {s.file_setting for s in _SECRETS.values()}
_Coerce: TypeAlias = Callable[[str, Any], Any]


def load_settings(flags: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> Settings:
    """Merge the sources (flags win) and validate the result.

    `flags` holds only the options given on the command line, plus `config` and
    `api_key_file` when given.
    """
    merged: dict[str, Any] = {}
    config_path = flags.get("config") or environ.get(CONFIG_FILE_ENV)
    if config_path:
        merged.update(_read_file(Path(config_path)))
    for name, variable in ENVIRONMENT.items():
        if variable in environ:
            merged[name] = environ[variable]
    for source in _SECRETS.values():
        if source.file_env in environ:
            merged[source.file_setting] = environ[source.file_env]
    merged.update({k: v for k, v in flags.items() if v is not None and k != "config"})

    values: dict[str, Any] = {name: _secret(name, merged, environ) for name in _SECRETS}
    values.update(
        {f.name: _coerce(f.name, merged[f.name]) for f in fields(Settings) if f.name in merged}
    )
    settings = Settings(**values)
    _validate(settings)
    return settings


def _read_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {error}") from None
    unknown = sorted(set(data) - _FILE_KEYS)
    if unknown:
        raise ConfigError(f"config file {str(path)!r} has unknown keys: {', '.join(unknown)}")
    return data


def _secret(name: str, merged: dict[str, Any], environ: Mapping[str, str]) -> Secret | None:
    """A secret setting from its file (which wins) or its environment variable; never a flag."""
    source = _SECRETS[name]
    path = merged.pop(source.file_setting, None)
    if path:
        try:
            value = Path(str(path)).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read the {source.what} {str(path)!r}: {error.strerror}"
            ) from None
        if not value:
            raise ConfigError(f"the {source.what} {str(path)!r} is empty")
        return Secret(value)
    value = environ.get(source.value_env, "").strip()
    return Secret(value) if value else None


def _boolean(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _ranged(kind: type[int] | type[float], lowest: float, highest: float) -> _Coerce:
    return lambda name, value: _number(name, value, kind, lowest, highest)


def _timeout(name: str, value: Any) -> float:
    """A total timeout: above 0 (0 would refuse every call), at most 300 s."""
    number = _number(name, value, float, 0, 300)
    if number <= 0:
        raise ConfigError(f"{name} must be above 0 and at most 300")
    return number


def _path(name: str, value: Any) -> Path | None:
    return Path(str(value)) if value else None


def _socket_apps(name: str, value: Any) -> tuple[str, ...]:
    apps = _string_list(name, value)
    if len(set(apps)) != len(apps):
        raise ConfigError(f"{name} names an app twice")
    return tuple(check_app_name(app) for app in apps)


def _id_or_name(name: str, value: Any) -> str:
    """A user or group: a number in TOML, or a string anywhere."""
    return (
        str(value) if isinstance(value, int) and not isinstance(value, bool) else _text(name, value)
    )


def _secret_text(name: str, value: Any) -> Secret | None:
    text = str(value).strip()
    return Secret(text) if text else None


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{name} must be a string, not {value!r}")
    return value.strip()


def _number(
    name: str, value: Any, kind: type[int] | type[float], lowest: float, highest: float
) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number, not {value!r}")
    try:
        number = kind(str(value).strip()) if isinstance(value, str) else kind(value)
    except (TypeError, ValueError):
        what = "a whole number" if kind is int else "a number"
        raise ConfigError(f"{name} must be {what}, not {value!r}") from None
    if kind is int and isinstance(value, float) and not value.is_integer():
        raise ConfigError(f"{name} must be a whole number, not {value!r}")
    if not lowest <= number <= highest:
        raise ConfigError(f"{name} must be between {lowest:g} and {highest:g}, not {value!r}")
    return number


def _string_list(name: str, value: Any) -> list[str]:
    """A TOML list, or a comma-separated string (environment), or a flag's list."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"{name} must be a list of strings, not {value!r}")
    return [item.strip() for item in items if item.strip()]


def _client_apps(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """`identity=app` pairs: a TOML table, or strings from the environment and flags."""
    if isinstance(value, dict):
        pairs = [(str(k), v) for k, v in value.items()]
    else:
        pairs = []
        for item in _string_list(name, value):
            identity, sep, app = item.rpartition("=")
            if not sep or not identity.strip():
                raise ConfigError(f"tls_client_apps entries are IDENTITY=APP, not {item!r}")
            pairs.append((identity.strip(), app))
    result: list[tuple[str, str]] = []
    for identity, app in pairs:
        if not isinstance(app, str) or not app.strip():
            raise ConfigError(f"tls_client_apps maps {identity!r} to no app")
        result.append((identity, app.strip()))
    return tuple(result)


# How each setting read from a file, the environment or a flag becomes its value; a
# setting not named here is a string.
_COERCE: Final[dict[str, _Coerce]] = {
    "dev": _boolean,
    "forward_traceparent": _boolean,
    "upstream_timeout_seconds": _timeout,
    **{name: _ranged(*limits) for name, limits in _NUMBERS.items()},
    **dict.fromkeys(_PATHS, _path),
    "socket_apps": _socket_apps,
    "tls_client_apps": _client_apps,
    "socket_owner": _id_or_name,
    "socket_group": _id_or_name,
    "redis_url": _secret_text,
}


def _coerce(name: str, value: Any) -> Any:
    coerce: _Coerce = _COERCE.get(name, _text)
    return coerce(name, value)


def _validate(settings: Settings) -> None:
    if settings.region.lower() not in REGIONS:
        raise ConfigError(f"region must be one of {', '.join(REGIONS)}, not {settings.region!r}")
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError(f"log_format must be one of {', '.join(LOG_FORMATS)}")
    if settings.log_level.lower() not in LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
    _validate_listeners(settings)
    if settings.health_listen:
        try:
            listen_host(settings.health_listen)
        except ConfigError:
            raise ConfigError(
                f"health_listen must be host:port, not {settings.health_listen!r}"
            ) from None
    if settings.http_listen:
        listen_host(settings.http_listen)
    if not settings.dev and not settings.app_id:
        raise ConfigError(
            f"no CometChat app id: set {ENVIRONMENT['app_id']} (or --app-id), "
            "or pass --dev to run against the embedded emulator"
        )
    _validate_state(settings)
    if settings.tracing not in TRACING_MODES:
        raise ConfigError(f"tracing must be off or otlp, not {settings.tracing!r}")
    for name in ("api_host", "client_host", "call_host"):
        host = getattr(settings, name)
        if host and not host.startswith(("http://", "https://")):
            raise ConfigError(f"{name} must be a URL starting with http:// or https://")


def _validate_listeners(settings: Settings) -> None:
    if settings.listen:
        listen_host(settings.listen)
    elif not settings.socket_apps:
        raise ConfigError("nothing to listen on: listen is empty and no socket_apps are set")
    if settings.socket_apps and settings.socket_dir is None:
        raise ConfigError("socket_apps needs socket_dir, the folder the sockets are made in")
    if (settings.tls_cert_file is None) != (settings.tls_key_file is None):
        raise ConfigError("TLS needs both tls_cert_file and tls_key_file")
    tls = settings.tls_cert_file is not None
    if settings.listen and not tls and not is_loopback(settings.listen):
        raise ConfigError(
            f"listen {settings.listen!r} is not a loopback address and no TLS is configured: "
            "plain TCP is allowed on loopback only. Set tls_cert_file and tls_key_file, "
            "or listen on 127.0.0.1, or use per-app sockets (socket_dir, socket_apps)"
        )
    if settings.tls_client_ca_file is not None:
        if not tls:
            raise ConfigError(
                "tls_client_ca_file (mutual TLS) needs tls_cert_file and tls_key_file"
            )
        if not settings.tls_client_apps:
            raise ConfigError(
                "mutual TLS (tls_client_ca_file) needs tls_client_apps: which certificate "
                "identity is which app"
            )
        if settings.app_credentials_dir is not None:
            raise ConfigError(
                "choose one way to identify apps over TCP: mutual TLS (tls_client_ca_file) "
                "or credentials (app_credentials_dir), not both"
            )
    elif settings.tls_client_apps:
        raise ConfigError("tls_client_apps needs tls_client_ca_file (mutual TLS)")


def _validate_state(settings: Settings) -> None:
    backend = settings.backend
    if backend not in STATE_BACKENDS:
        raise ConfigError(f"state_backend must be one of {', '.join(STATE_BACKENDS)}")
    if backend == "sqlite" and settings.state_path is None:
        raise ConfigError("state_backend sqlite needs a state_path (the SQLite file)")
    if backend == "redis":
        if settings.redis_url is None:
            raise ConfigError("state_backend redis needs a redis_url (redis://host:port/db)")
        check_redis_url(settings.redis_url.reveal())
    elif settings.redis_min_replicas or settings.redis_password or settings.redis_sentinel_password:
        raise ConfigError(
            f"redis_min_replicas and the Redis passwords need state_backend redis, not {backend}"
        )
    if backend != "memory" and settings.state_key is None:
        raise ConfigError(
            f"state_backend {backend} stores auth tokens, so it needs an encryption key: set "
            f"{STATE_KEY_ENV} or {STATE_KEY_FILE_ENV} (32 bytes, base64: `openssl rand -base64 32`)"
        )
    if backend == "memory" and settings.state_key is not None:
        raise ConfigError("a state key is set but sessions are kept in memory: set a state_path")
    if settings.state_previous_key is not None and settings.state_key is None:
        raise ConfigError("a previous state key needs a (new) state key to rotate to")
    if settings.state_key is not None:
        parse_state_key(settings.state_key, f"{STATE_KEY_ENV} / {STATE_KEY_FILE_ENV}")
    if settings.state_previous_key is not None:
        parse_state_key(
            settings.state_previous_key,
            f"{STATE_PREVIOUS_KEY_ENV} / {STATE_PREVIOUS_KEY_FILE_ENV}",
        )
