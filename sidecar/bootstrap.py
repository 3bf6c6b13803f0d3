"""The composition root: reads settings, wires the concrete adapters, runs the sidecar."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import httpx
import structlog

from sidecar import __version__
from sidecar.config import Settings, is_loopback
from sidecar.health_listener import HealthListener
from sidecar.identity import DEFAULT_APP, AppRegistry, ConfigError
from sidecar.secret import Secret
from sidecar.server import GrpcServer
from sidecar.service import SessionService
from sidecar.store import MemorySessionStore
from sidecar.upstream import CometChatClient, Hosts

if TYPE_CHECKING:
    from sidecar.emulator import Emulator

_log = structlog.get_logger("sidecar")


@dataclass(frozen=True)
class RunningSidecar:
    """A serving sidecar: where it listens, and the embedded emulator in dev mode."""

    server: GrpcServer
    address: str
    emulator: Emulator | None
    health_address: str | None = None


def load_registry(settings: Settings) -> AppRegistry | None:
    """The configured apps, or None for open mode (one default app, loopback only)."""
    if settings.app_credentials_dir is not None:
        return AppRegistry.from_directory(settings.app_credentials_dir)
    if not is_loopback(settings.listen):
        raise ConfigError(
            "no app credentials are configured (app_credentials_dir), so every caller would be "
            f"the one app {DEFAULT_APP.name!r}: this open mode is allowed on loopback only, "
            f"not on {settings.listen!r}"
        )
    return None


def secrets_of(settings: Settings) -> list[str]:
    """The configured secrets, for the log scrubber."""
    return [settings.api_key.reveal()] if settings.api_key else []


@contextlib.asynccontextmanager
async def running_sidecar(
    settings: Settings, *, grace: float = 5.0
) -> AsyncIterator[RunningSidecar]:
    """Start everything `settings` asks for; stop it all on exit."""
    registry = load_registry(settings)
    async with contextlib.AsyncExitStack() as stack:
        emulator: Emulator | None = None
        app_id, api_key = settings.app_id, settings.api_key
        hosts = Hosts.for_app(app_id, settings.region) if app_id else None
        if not app_id:
            # Dev mode without real credentials: an in-process CometChat emulator.
            from sidecar.emulator import Emulator

            emulator = await stack.enter_async_context(Emulator())
            app_id = emulator.config.app_id
            api_key = api_key or Secret(emulator.config.full_access_key)
            hosts = Hosts(api=emulator.api_url, client=emulator.client_url)
            _log.warning(
                "dev_mode_emulator",
                message="DEV MODE: no CometChat app id given; talking to the embedded "
                "emulator, not to CometChat",
                api_url=emulator.api_url,
                client_url=emulator.client_url,
            )
        assert hosts is not None
        hosts = Hosts(
            api=settings.api_host or hosts.api, client=settings.client_host or hosts.client
        )
        if registry is None:
            _log.warning(
                "open_mode",
                message=f"OPEN MODE: no app credentials configured; every caller is the app "
                f"{DEFAULT_APP.name!r}. Configure app_credentials_dir before sharing this "
                "sidecar between apps.",
                listen=settings.listen,
            )
        timeout = httpx.Timeout(
            settings.upstream_timeout_seconds, connect=min(3.0, settings.upstream_timeout_seconds)
        )
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                timeout=timeout, headers={"User-Agent": f"cometchat-auth-sidecar/{__version__}"}
            )
        )
        gateway = CometChatClient(http, app_id=app_id, hosts=hosts)
        service = SessionService(MemorySessionStore(), gateway, held_api_key=api_key)
        server = GrpcServer(service, registry)
        health_address: str | None = None
        if settings.health_listen:
            probes = HealthListener(server.health)
            health_port = await probes.start(settings.health_listen)
            # Stops after the main server, which reports NOT_SERVING while it drains.
            stack.push_async_callback(probes.stop, grace)
            health_address = f"{settings.health_listen.rpartition(':')[0]}:{health_port}"
        port = await server.start(settings.listen)
        host = settings.listen.rpartition(":")[0]
        address = f"{host}:{port}"
        _log.info(
            "serving",
            address=address,
            health_address=health_address,
            apps=list(registry.apps) if registry else [DEFAULT_APP.name],
            api_host=hosts.api,
            client_host=hosts.client,
            holds_api_key=bool(api_key),
            version=__version__,
        )
        try:
            yield RunningSidecar(server, address, emulator, health_address)
        finally:
            await server.stop(grace)
            _log.info("stopped")
