"""Listen addresses: `host:port` parsing, the loopback rule, and the address actually bound."""

from __future__ import annotations

import ipaddress

from sidecar.domain.errors import ConfigError


def listen_host(listen: str) -> str:
    """The host part of a `host:port` listen address; checks the port too."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535 or not host:
        raise ConfigError(f"listen must be host:port, not {listen!r}")
    return host.strip("[]")


def listen_port(listen: str) -> int:
    """The port part of a `host:port` listen address (0: any free port)."""
    listen_host(listen)
    return int(listen.rpartition(":")[2])


def bound_address(listen: str, port: int) -> str:
    """`listen` with the port that was actually bound (`listen` may ask for port 0)."""
    return f"{listen.rpartition(':')[0]}:{port}"


def is_loopback(listen: str) -> bool:
    """Whether a listen address only accepts connections from this host."""
    host = listen_host(listen)
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
