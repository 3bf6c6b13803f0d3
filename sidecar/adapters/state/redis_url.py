"""Redis addresses: a plain URL (`redis://`, `rediss://`, `unix://`) or a Sentinel-managed
service (`redis+sentinel://host:port,host:port/service[/db]`), redacted for messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

from sidecar.domain.errors import ConfigError

SENTINEL_SCHEME: Final = "redis+sentinel"
PLAIN_SCHEMES: Final = ("redis", "rediss", "unix")
SENTINEL_DEFAULT_PORT: Final = 26379


@dataclass(frozen=True)
class SentinelService:
    """The sentinels to ask, the name of the service they monitor, and the database."""

    sentinels: tuple[tuple[str, int], ...]
    service: str
    db: int = 0


def is_sentinel(url: str) -> bool:
    return url.startswith(f"{SENTINEL_SCHEME}://")


def check_redis_url(url: str) -> None:
    """Refuse a URL the Redis backend cannot use; the message never quotes a password."""
    if is_sentinel(url):
        parse_sentinel_url(url)
        return
    if not url.startswith(tuple(f"{scheme}://" for scheme in PLAIN_SCHEMES)):
        raise ConfigError(
            "redis_url must start with redis://, rediss://, unix:// or redis+sentinel://"
        )


def parse_sentinel_url(url: str) -> SentinelService:
    """`redis+sentinel://host:port,host:port/service[/db]`. Passwords are settings of their
    own (redis_password, redis_sentinel_password), never part of this URL."""
    rest = url[len(SENTINEL_SCHEME) + 3 :]
    hosts, _, path = rest.partition("/")
    if "@" in hosts:
        raise ConfigError(
            "a redis+sentinel:// URL carries no user or password: set redis_password "
            "(and redis_sentinel_password) from a file or the environment instead"
        )
    sentinels: list[tuple[str, int]] = []
    for item in hosts.split(","):
        host, port = _host_port(item.strip())
        sentinels.append((host, port))
    parts = [part for part in path.split("/") if part]
    if not parts or len(parts) > 2:
        raise ConfigError(
            "a redis+sentinel:// URL names the service the sentinels monitor: "
            "redis+sentinel://host:port,host:port/service[/db]"
        )
    db = 0
    if len(parts) == 2:
        if not parts[1].isdigit():
            raise ConfigError(
                f"the database in a redis+sentinel:// URL is a number, not {parts[1]!r}"
            )
        db = int(parts[1])
    return SentinelService(tuple(sentinels), parts[0], db)


def _host_port(item: str) -> tuple[str, int]:
    if not item:
        raise ConfigError("a redis+sentinel:// URL names at least one sentinel host:port")
    parts = urlsplit(f"//{item}")
    try:
        port = parts.port or SENTINEL_DEFAULT_PORT
    except ValueError:
        raise ConfigError(f"the sentinel {item!r} has no valid port") from None
    if not parts.hostname:
        raise ConfigError(f"the sentinel {item!r} has no host")
    return parts.hostname, port


def redacted(url: str) -> str:
    """The URL without its user and password, for messages and logs."""
    if is_sentinel(url):
        try:
            service = parse_sentinel_url(url)
        except ConfigError:
            return f"{SENTINEL_SCHEME}://(unreadable)"
        hosts = ",".join(f"{host}:{port}" for host, port in service.sentinels)
        return f"{SENTINEL_SCHEME}://{hosts}/{service.service}/{service.db}"
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
