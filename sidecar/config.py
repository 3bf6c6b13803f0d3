"""Settings: command-line flags over environment variables over a TOML file over defaults.

The API key is read from the environment or from a file (a mounted Secret), never
from a flag: flags show up in `ps`.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Final

from sidecar.identity import ConfigError
from sidecar.secret import Secret

REGIONS: Final = ("us", "eu", "in")
LOG_FORMATS: Final = ("json", "console")
LOG_LEVELS: Final = ("debug", "info", "warning", "error")


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


# name -> (environment variable, TOML key). `api_key` has no flag and no TOML key.
ENVIRONMENT: Final = {
    "listen": "COMETCHAT_SIDECAR_LISTEN",
    "health_listen": "COMETCHAT_SIDECAR_HEALTH_LISTEN",
    "app_id": "COMETCHAT_APP_ID",
    "region": "COMETCHAT_REGION",
    "api_host": "COMETCHAT_API_HOST",
    "client_host": "COMETCHAT_CLIENT_HOST",
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
}
# Numeric settings: (type, lowest allowed, highest allowed).
_NUMBERS: Final[dict[str, tuple[type[int] | type[float], float, float]]] = {
    "upstream_timeout_seconds": (float, 0.001, 300),
    "upstream_connect_timeout_seconds": (float, 0.001, 60),
    "upstream_read_timeout_seconds": (float, 0.001, 300),
    "upstream_max_attempts": (int, 1, 10),
    "breaker_failure_threshold": (int, 1, 1000),
    "breaker_open_seconds": (float, 0.01, 3600),
    "drain_seconds": (float, 0, 3600),
}
API_KEY_ENV: Final = "COMETCHAT_API_KEY"
API_KEY_FILE_ENV: Final = "COMETCHAT_API_KEY_FILE"
CONFIG_FILE_ENV: Final = "COMETCHAT_SIDECAR_CONFIG"
_FILE_KEYS: Final = frozenset(ENVIRONMENT) | {"api_key_file"}


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
    if API_KEY_FILE_ENV in environ:
        merged["api_key_file"] = environ[API_KEY_FILE_ENV]
    merged.update({k: v for k, v in flags.items() if v is not None and k != "config"})

    api_key = _api_key(merged.pop("api_key_file", None), environ)
    values = {f.name: _coerce(f.name, merged[f.name]) for f in fields(Settings) if f.name in merged}
    settings = Settings(api_key=api_key, **values)
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


def _api_key(path: object, environ: Mapping[str, str]) -> Secret | None:
    if path:
        try:
            value = Path(str(path)).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read the API key file {str(path)!r}: {error.strerror}"
            ) from None
        if not value:
            raise ConfigError(f"the API key file {str(path)!r} is empty")
        return Secret(value)
    value = environ.get(API_KEY_ENV, "").strip()
    return Secret(value) if value else None


def _coerce(name: str, value: Any) -> Any:
    if name == "dev":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"dev must be true or false, not {value!r}")
    if name == "upstream_timeout_seconds":
        number = _number(name, value, float, 0, 300)
        if number <= 0:
            raise ConfigError("upstream_timeout_seconds must be above 0 and at most 300")
        return number
    if name in _NUMBERS:
        kind, lowest, highest = _NUMBERS[name]
        return _number(name, value, kind, lowest, highest)
    if name == "app_credentials_dir":
        return Path(str(value)) if value else None
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


def _validate(settings: Settings) -> None:
    if settings.region.lower() not in REGIONS:
        raise ConfigError(f"region must be one of {', '.join(REGIONS)}, not {settings.region!r}")
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError(f"log_format must be one of {', '.join(LOG_FORMATS)}")
    if settings.log_level.lower() not in LOG_LEVELS:
        raise ConfigError(f"log_level must be one of {', '.join(LOG_LEVELS)}")
    listen_host(settings.listen)
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
    for name in ("api_host", "client_host"):
        host = getattr(settings, name)
        if host and not host.startswith(("http://", "https://")):
            raise ConfigError(f"{name} must be a URL starting with http:// or https://")


def listen_host(listen: str) -> str:
    """The host part of a `host:port` listen address; checks the port too."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ConfigError(f"listen must be host:port, not {listen!r}")
    return host.strip("[]")


def is_loopback(listen: str) -> bool:
    """Whether a listen address only accepts connections from this host."""
    host = listen_host(listen)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
