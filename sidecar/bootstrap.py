"""The composition root: reads settings, wires the concrete adapters, runs the sidecar."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import httpx
import structlog
from grpc_health.v1 import health

from sidecar import __version__
from sidecar.adapters.cometchat.client import CometChatClient, Hosts, Timeouts
from sidecar.adapters.cometchat.reachability import UpstreamMonitor
from sidecar.adapters.cometchat.resilience import CircuitBreaker, RetryPolicy
from sidecar.adapters.credentials import AppRegistry, CredentialChanges
from sidecar.adapters.metrics import CountingStore, Metrics
from sidecar.adapters.state.open import StateConfig, open_state
from sidecar.config import Settings, is_loopback
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.entrypoints.ops_http import OpsServer, Probes
from sidecar.entrypoints.reload import ReloadHooks
from sidecar.entrypoints.rpc.health import HealthListener
from sidecar.entrypoints.rpc.identity import DEFAULT_APP
from sidecar.entrypoints.rpc.listeners import Listeners, serving
from sidecar.entrypoints.rpc.server import GrpcServer
from sidecar.entrypoints.rpc.sockets import AppSocket
from sidecar.service.ratelimit import LoginRateLimiter
from sidecar.service.revocation import watch_revocations
from sidecar.service.sessions import SessionService
from sidecar.service.watchers import SessionEvents

if TYPE_CHECKING:
    from sidecar.emulator import Emulator

_log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class RunningSidecar:
    """A serving sidecar: where it listens, and the embedded emulator in dev mode.

    `server` and `address` are the TCP listener's (None and "" with TCP turned off);
    `sockets` holds each socket app's socket.
    """

    server: GrpcServer | None
    address: str
    emulator: Emulator | None
    http_address: str | None
    """host:port of the probes and metrics; None when `http_listen` is empty."""
    probes: Probes
    metrics: Metrics
    breaker: CircuitBreaker
    reload_hooks: ReloadHooks
    service: SessionService
    health_address: str | None = None
    """host:port of the health-only gRPC listener; None when `health_listen` is empty."""
    sockets: Mapping[str, AppSocket] = field(default_factory=dict)
    registry: AppRegistry | None = None

    def reload_credentials(self) -> CredentialChanges:
        """Re-read the app credentials now (they are also polled, and re-read on SIGHUP).
        Raises ConfigError when the directory is unusable; the credentials in force stay."""
        if self.registry is None:
            return CredentialChanges()
        return self.registry.reload()


def load_registry(settings: Settings) -> AppRegistry | None:
    """The configured apps, or None for open mode (one default app, loopback only)."""
    if settings.app_credentials_dir is not None:
        registry = AppRegistry.from_directory(
            settings.app_credentials_dir, rotation_seconds=settings.credential_rotation_seconds
        )
        if len(registry.apps) > settings.max_apps:
            raise ConfigError(
                f"app credentials directory {str(settings.app_credentials_dir)!r} holds "
                f"{len(registry.apps)} apps, more than max_apps ({settings.max_apps})"
            )
        return registry
    mutual_tls = settings.tls_client_ca_file is not None
    if settings.listen and not mutual_tls and not is_loopback(settings.listen):
        raise ConfigError(
            "no app credentials are configured (app_credentials_dir), so every caller would be "
            f"the one app {DEFAULT_APP.name!r}: this open mode is allowed on loopback only, "
            f"not on {settings.listen!r}"
        )
    return None


def secrets_of(settings: Settings) -> list[str]:
    """The configured secrets, for the log scrubber."""
    held = (settings.api_key, settings.state_key, settings.state_previous_key, settings.redis_url)
    found = [secret.reveal() for secret in held if secret]
    if settings.redis_url is not None:
        password = urlsplit(settings.redis_url.reveal()).password
        if password:
            found.append(password)
    return found


def served_apps(settings: Settings, registry: AppRegistry | None) -> list[str]:
    """Every app this sidecar can serve now: credentials, client certificates, sockets."""
    names = set(settings.socket_apps) | {app for _, app in settings.tls_client_apps}
    if registry is not None:
        names.update(registry.apps)
    elif settings.listen and settings.tls_client_ca_file is None:
        names.add(DEFAULT_APP.name)
    return sorted(names)


def _reload_hook(registry: AppRegistry) -> Callable[[Settings], None]:
    """On SIGHUP: re-read the credentials directory (its path is fixed at start)."""

    def reload(_: Settings) -> None:
        registry.reload()

    return reload


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@contextlib.asynccontextmanager
async def running_sidecar(
    settings: Settings, *, grace: float | None = None
) -> AsyncIterator[RunningSidecar]:
    """Start everything `settings` asks for; stop it all on exit.

    Stopping drains: readiness flips to not serving first, then calls in flight get
    `grace` seconds (default: the `drain_seconds` setting) to finish.
    """
    registry = load_registry(settings)
    drain = settings.drain_seconds if grace is None else grace
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(_log.info, "stopped")  # the last thing to happen
        metrics = Metrics()
        probes = Probes()
        http_address: str | None = None
        if settings.http_listen:
            # Up first, so a startupProbe sees "starting" rather than a refused connection.
            ops = OpsServer(probes, metrics.render)
            http_port = await ops.start(settings.http_listen)
            stack.push_async_callback(ops.stop)
            http_address = f"{settings.http_listen.rpartition(':')[0]}:{http_port}"
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
        if settings.listen and registry is None and settings.tls_client_ca_file is None:
            _log.warning(
                "open_mode",
                message=f"OPEN MODE: no app credentials configured; every caller is the app "
                f"{DEFAULT_APP.name!r}. Configure app_credentials_dir before sharing this "
                "sidecar between apps.",
                listen=settings.listen,
            )
        timeouts = Timeouts(
            connect=settings.upstream_connect_timeout_seconds,
            read=settings.upstream_read_timeout_seconds,
            total=settings.upstream_timeout_seconds,
        )
        http = await stack.enter_async_context(
            httpx.AsyncClient(
                timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
                headers={"User-Agent": f"cometchat-auth-sidecar/{__version__}"},
            )
        )
        listeners: Listeners | None = None

        def on_reachability(reachable: bool) -> None:
            # The listeners share one health servicer: setting it on one sets it for all.
            if listeners is not None and listeners.servers:
                listeners.servers[0].set_upstream_health(reachable)

        monitor = UpstreamMonitor(metrics, on_reachability)
        breaker = CircuitBreaker(
            settings.breaker_failure_threshold,
            settings.breaker_open_seconds,
            on_change=monitor.breaker_changed,
        )
        gateway = CometChatClient(
            http,
            app_id=app_id,
            hosts=hosts,
            timeouts=timeouts,
            retry=RetryPolicy(max_attempts=settings.upstream_max_attempts),
            breaker=breaker,
            observer=monitor,
        )
        events = SessionEvents()
        state = await stack.enter_async_context(
            open_state(
                StateConfig(
                    backend=settings.backend,
                    path=settings.state_path,
                    redis_url=settings.redis_url,
                    key=settings.state_key,
                    previous_key=settings.state_previous_key,
                    namespace=f"cometchat-sidecar:{app_id}:",
                ),
                events,
            )
        )
        admission = (
            LoginRateLimiter(settings.login_rate_per_second, settings.login_burst)
            if settings.login_rate_per_second > 0
            else None
        )
        service = SessionService(
            CountingStore(state.store, metrics),
            gateway,
            held_api_key=api_key,
            admission=admission,
            locks=state.locks,
            events=events,
            relay=state.relay,
            max_sessions=settings.max_sessions,
        )
        if api_key and settings.revocation_check_seconds > 0:
            checks = asyncio.get_running_loop().create_task(
                watch_revocations(
                    service,
                    lambda: served_apps(settings, registry),
                    settings.revocation_check_seconds,
                )
            )
            stack.push_async_callback(_cancel, checks)
        # One health state for every listener and for the probes' listener.
        health_servicer = health.aio.HealthServicer()
        health_address: str | None = None
        if settings.health_listen:
            health_probes = HealthListener(health_servicer)
            health_port = await health_probes.start(settings.health_listen)
            # Stops after the main listeners, which report NOT_SERVING while they drain.
            stack.push_async_callback(health_probes.stop, drain)
            health_address = f"{settings.health_listen.rpartition(':')[0]}:{health_port}"
        listeners = await stack.enter_async_context(
            serving(settings, service, registry, health_servicer, metrics, grace=drain)
        )
        reload_hooks = ReloadHooks()
        if registry is not None:
            watcher = asyncio.get_running_loop().create_task(
                registry.watch(settings.credential_poll_seconds)
            )
            stack.push_async_callback(_cancel, watcher)
            reload_hooks.add("app_credentials", _reload_hook(registry))
        probes.started = probes.ready = True
        _log.info(
            "serving",
            address=listeners.address or None,
            health_address=health_address,
            sockets={app: str(s.path) for app, s in listeners.sockets.items()},
            apps=(list(registry.apps) if registry else [DEFAULT_APP.name])
            if settings.listen
            else [],
            socket_apps=list(settings.socket_apps),
            api_host=hosts.api,
            client_host=hosts.client,
            holds_api_key=bool(api_key),
            http_address=http_address,
            version=__version__,
        )
        try:
            yield RunningSidecar(
                listeners.tcp,
                listeners.address,
                emulator,
                http_address,
                probes,
                metrics,
                breaker,
                reload_hooks,
                service,
                health_address,
                listeners.sockets,
                registry,
            )
        finally:
            # Leaving this block stops the listeners (the exit stack), draining for `drain`.
            probes.ready = False
            events.close()  # WatchSession streams end cleanly before the drain
            _log.info("draining", drain_seconds=drain)
