"""The emulator's settings: app credentials and where the three listeners bind."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EmulatorConfig:
    """One app with one fullAccess key and one authOnly key; port 0 lets the OS pick."""

    app_id: str = "emulator-app"
    full_access_key: str = "emulator-full-access-key-0123456789abcdef"
    auth_only_key: str = "emulator-auth-only-key-0123456789abcdef"
    host: str = "127.0.0.1"
    api_port: int = 0
    client_port: int = 0
    call_port: int = 0
    region: str = "us"
    # Users `user-0` ... `user-{N-1}` beside the five sample users (for benchmarks).
    extra_users: int = 0
