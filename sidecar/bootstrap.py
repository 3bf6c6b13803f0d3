"""The composition root: reads settings, wires the concrete adapters, runs the sidecar.

`running_sidecar` is a list of named steps. Each builds one part (the ops port, the
CometChat client, the session service, the health port, the listeners, the background
tasks) and registers its own stop on the shared exit stack, so parts stop in the reverse
order of their start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import structlog
from grpc_health.v1 import health

from sidecar import __version__
from sidecar.adapters.cometchat.client import CometChatClient, Hosts, Timeouts
from sidecar.adapters.cometchat.reachability import UpstreamMonitor
from sidecar.adapters.cometchat.resilience import CircuitBreaker, RetryPolicy
from sidecar.adapters.cometchat.transport import aiohttp_transport
from sidecar.adapters.credentials import AppRegistry, CredentialChanges
from sidecar.adapters.metrics import CountingStore, Metrics
from sidecar.adapters.policy_file import PolicyFile
from sidecar.adapters.state.open import StateConfig, open_state
from sidecar.adapters.tracing import RpcTracer, UpstreamTracer, choose
from sidecar.config import Settings
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.entrypoints.addresses import bound_address, is_loopback
from sidecar.entrypoints.ops_http import OpsServer, Probes
from sidecar.entrypoints.reload import ReloadHooks
from sidecar.entrypoints.rpc.health import HealthListener
from sidecar.entrypoints.rpc.identity import (
    DEFAULT_APP,
    Authenticator,
    BearerCredentials,
    ClientCertificates,
    OpenMode,
)
from sidecar.entrypoints.rpc.listeners import (
    ListenerConfig,
    SocketListeners,
    TcpListener,
    serving,
)
from sidecar.entrypoints.rpc.server import (
    METHOD_SERVICES,
    GrpcServer,
    Services,
    UpstreamHealth,
)
from sidecar.entrypoints.rpc.sockets import AppSocket
from sidecar.entrypoints.rpc.tls import TlsFiles
from sidecar.service.calls import CallTokenService
from sidecar.service.policy import PolicyHolder
from sidecar.service.ratelimit import LoginRateLimiter
from sidecar.service.revocation import watch_revocations
from sidecar.service.sessions import SessionService
from sidecar.service.tokens import AuthTokenService
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
    reload_hooks: ReloadHooks[Settings]
    service: SessionService
    health_address: str | None = None
    """host:port of the health-only gRPC listener; None when `health_listen` is empty."""
    sockets: Mapping[str, AppSocket] = field(default_factory=dict)
    registry: AppRegistry | None = None
    policy: PolicyHolder = field(default_factory=PolicyHolder)
    policy_file: PolicyFile | None = None

    def reload_credentials(self) -> CredentialChanges:
        """Re-read the app credentials now (they are also polled, and re-read on SIGHUP).
        Raises ConfigError when the directory is unusable; the credentials in force stay."""
        if self.registry is None:
            return CredentialChanges()
        return self.registry.reload()


@dataclass(frozen=True)
class _Upstream:
    """Which CometChat app the sidecar talks to, where, and with which held key."""

    app_id: str
    hosts: Hosts
    api_key: Secret | None = field(repr=False)
    emulator: Emulator | None = None


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
    if settings.open_mode and not is_loopback(settings.listen):
        raise ConfigError(
            "no app credentials are configured (app_credentials_dir), so every caller would be "
            f"the one app {DEFAULT_APP.name!r}: this open mode is allowed on loopback only, "
            f"not on {settings.listen!r}"
        )
    return None


def secrets_of(settings: Settings) -> list[str]:
    """The configured secrets, for the log scrubber."""
    held = (
        settings.api_key,
        settings.state_key,
        settings.state_previous_key,
        settings.redis_url,
        settings.redis_password,
        settings.redis_sentinel_password,
    )
    found = [secret.reveal() for secret in held if secret]
    if settings.redis_url is not None:
        password = urlsplit(settings.redis_url.reveal()).password
        if password:
            found.append(password)
    return found


def tcp_apps(settings: Settings, registry: AppRegistry | None) -> list[str]:
    """The apps the TCP listener serves now: credentials, client certificates, or open mode."""
    if not settings.listen:
        return []
    if registry is not None:
        return list(registry.apps)
    if settings.tls_client_ca_file is not None:
        return sorted({app for _, app in settings.tls_client_apps})
    return [DEFAULT_APP.name]


def served_apps(settings: Settings, registry: AppRegistry | None) -> list[str]:
    """Every app this sidecar can serve now: credentials, client certificates, sockets."""
    return sorted(set(settings.socket_apps) | set(tcp_apps(settings, registry)))


def tcp_authenticator(settings: Settings, registry: AppRegistry | None) -> Authenticator:
    """Mutual TLS when configured, else per-app credentials, else open mode."""
    if settings.tls_client_ca_file is not None:
        return ClientCertificates(dict(settings.tls_client_apps))
    if registry is not None:
        return BearerCredentials(registry)
    return OpenMode()


def listener_config(settings: Settings, registry: AppRegistry | None) -> ListenerConfig:
    """The listeners `settings` asks for."""
    tcp: TcpListener | None = None
    if settings.listen:
        tls = None
        if settings.tls_cert_file is not None and settings.tls_key_file is not None:
            tls = TlsFiles(
                settings.tls_cert_file, settings.tls_key_file, settings.tls_client_ca_file
            )
        tcp = TcpListener(settings.listen, tcp_authenticator(settings, registry), tls)
    sockets: SocketListeners | None = None
    if settings.socket_apps:
        assert settings.socket_dir is not None  # checked with the settings
        sockets = SocketListeners(
            settings.socket_dir,
            settings.socket_apps,
            owner=settings.socket_owner,
            group=settings.socket_group,
        )
    return ListenerConfig(
        tcp=tcp,
        sockets=sockets,
        max_message_bytes=settings.max_message_bytes,
        max_metadata_bytes=settings.max_metadata_bytes,
        max_calls_in_flight_per_app=settings.max_calls_in_flight_per_app,
    )


def state_config(settings: Settings, app_id: str) -> StateConfig:
    """Where sessions live; Redis keys are namespaced by the CometChat app id."""
    return StateConfig(
        backend=settings.backend,
        path=settings.state_path,
        redis_url=settings.redis_url,
        key=settings.state_key,
        previous_key=settings.state_previous_key,
        namespace=f"cometchat-sidecar:{app_id}:",
        redis_password=settings.redis_password,
        redis_sentinel_password=settings.redis_sentinel_password,
        redis_min_replicas=settings.redis_min_replicas,
    )


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def _in_background(stack: contextlib.AsyncExitStack, work: Coroutine[Any, Any, None]) -> None:
    """Run `work` until the sidecar stops."""
    stack.push_async_callback(_cancel, asyncio.get_running_loop().create_task(work))


# The steps ----------------------------------------------------------------------------


async def _start_ops_port(
    stack: contextlib.AsyncExitStack, settings: Settings, probes: Probes, metrics: Metrics
) -> str | None:
    """Probes and metrics over HTTP; up first, so a startupProbe sees "starting" rather
    than a refused connection. Returns its address, None when turned off."""
    if not settings.http_listen:
        return None
    ops = OpsServer(probes, metrics.render)
    port = await ops.start(settings.http_listen)
    stack.push_async_callback(ops.stop)
    return bound_address(settings.http_listen, port)


@dataclass(frozen=True)
class _Tracers:
    """The server spans' and the upstream tries' tracers; both None with tracing off."""

    rpc: RpcTracer | None = None
    upstream: UpstreamTracer | None = None


def _start_tracing(
    stack: contextlib.AsyncExitStack, settings: Settings, environ: Mapping[str, str]
) -> _Tracers:
    """The OpenTelemetry SDK and its OTLP exporter, imported only when tracing is on; what
    is still buffered is exported when the sidecar stops."""
    try:
        choice = choose(settings.tracing, environ)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if not choice.enabled:
        return _Tracers()
    from sidecar.adapters.otel import Tracing

    tracing = Tracing(forward_traceparent=settings.forward_traceparent)
    stack.push_async_callback(asyncio.to_thread, tracing.shutdown)
    _log.info(
        "tracing_on",
        why=choice.why,
        forward_traceparent=settings.forward_traceparent,
        sampler=environ.get("OTEL_TRACES_SAMPLER", "parentbased_always_on"),
    )
    return _Tracers(tracing.rpc(METHOD_SERVICES), tracing.upstream)


async def _upstream(stack: contextlib.AsyncExitStack, settings: Settings) -> _Upstream:
    """CometChat's hosts for the app, or in dev mode without an app id the embedded emulator."""
    if settings.app_id:
        hosts = Hosts.for_app(settings.app_id, settings.region)
        upstream = _Upstream(settings.app_id, hosts, settings.api_key)
    else:
        from sidecar.emulator import Emulator

        emulator = await stack.enter_async_context(Emulator())
        _log.warning(
            "dev_mode_emulator",
            message="DEV MODE: no CometChat app id given; talking to the embedded "
            "emulator, not to CometChat",
            api_url=emulator.api_url,
            client_url=emulator.client_url,
        )
        upstream = _Upstream(
            emulator.config.app_id,
            Hosts(api=emulator.api_url, client=emulator.client_url, call=emulator.call_url),
            settings.api_key or Secret(emulator.config.full_access_key),
            emulator,
        )
    hosts = Hosts(
        api=settings.api_host or upstream.hosts.api,
        client=settings.client_host or upstream.hosts.client,
        call=settings.call_host or upstream.hosts.call,
    )
    return _Upstream(upstream.app_id, hosts, upstream.api_key, upstream.emulator)


async def _cometchat_client(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    upstream: _Upstream,
    monitor: UpstreamMonitor,
    tracer: UpstreamTracer | None,
) -> tuple[CometChatClient, CircuitBreaker]:
    """One pooled HTTP client for both APIs, with retries and a circuit breaker."""
    timeouts = Timeouts(
        connect=settings.upstream_connect_timeout_seconds,
        read=settings.upstream_read_timeout_seconds,
        total=settings.upstream_timeout_seconds,
    )
    http = await stack.enter_async_context(
        httpx.AsyncClient(
            transport=aiohttp_transport(),
            timeout=httpx.Timeout(timeouts.read, connect=timeouts.connect),
            headers={"User-Agent": f"cometchat-auth-sidecar/{__version__}"},
        )
    )
    breaker = CircuitBreaker(
        settings.breaker_failure_threshold,
        settings.breaker_open_seconds,
        on_change=monitor.breaker_changed,
    )
    client = CometChatClient(
        http,
        app_id=upstream.app_id,
        hosts=upstream.hosts,
        timeouts=timeouts,
        retry=RetryPolicy(max_attempts=settings.upstream_max_attempts),
        breaker=breaker,
        observer=monitor,
        tracer=tracer,
    )
    return client, breaker


async def _services(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    upstream: _Upstream,
    gateway: CometChatClient,
    metrics: Metrics,
    events: SessionEvents,
    policy: PolicyHolder,
) -> Services:
    """The session, call-token and auth-token services over the configured state backend."""
    state = await stack.enter_async_context(
        open_state(state_config(settings, upstream.app_id), events)
    )
    admission = (
        LoginRateLimiter(settings.login_rate_per_second, settings.login_burst)
        if settings.login_rate_per_second > 0
        else None
    )
    sessions = SessionService(
        CountingStore(state.store, metrics),
        gateway,
        held_api_key=upstream.api_key,
        admission=admission,
        locks=state.locks,
        events=events,
        relay=state.relay,
        max_sessions=settings.max_sessions,
        on_change=metrics.session_changed,
        policy=policy,
    )
    return Services(
        sessions=sessions,
        call_tokens=CallTokenService(sessions, gateway),
        auth_tokens=AuthTokenService(
            sessions, gateway, state.issued, held_api_key=upstream.api_key
        ),
    )


async def _start_health_port(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    health_servicer: health.aio.HealthServicer,
    drain: float,
) -> str | None:
    """The health-only gRPC listener for probes; None when turned off."""
    if not settings.health_listen:
        return None
    listener = HealthListener(health_servicer)
    port = await listener.start(settings.health_listen)
    # Stops after the main listeners, which report NOT_SERVING while they drain.
    stack.push_async_callback(listener.stop, drain)
    return bound_address(settings.health_listen, port)


def _start_background_tasks(
    stack: contextlib.AsyncExitStack,
    settings: Settings,
    service: SessionService,
    upstream: _Upstream,
    registry: AppRegistry | None,
    reload_hooks: ReloadHooks[Settings],
    policy_file: PolicyFile,
) -> None:
    """The revocation check, and the credentials directory's and the policy file's poll
    and SIGHUP re-read."""
    if upstream.api_key and settings.revocation_check_seconds > 0:
        _in_background(
            stack,
            watch_revocations(
                service,
                lambda: served_apps(settings, registry),
                settings.revocation_check_seconds,
            ),
        )
    if registry is not None:
        _in_background(stack, registry.watch(settings.credential_poll_seconds))
        reload_hooks.add("app_credentials", lambda _: registry.reload())
    _in_background(stack, policy_file.watch(settings.credential_poll_seconds))
    reload_hooks.add("policy", lambda new: policy_file.reload(new.policy_file))


@contextlib.asynccontextmanager
async def running_sidecar(
    settings: Settings, *, grace: float | None = None
) -> AsyncIterator[RunningSidecar]:
    """Start everything `settings` asks for; stop it all on exit.

    Stopping drains: readiness flips to not serving first, then calls in flight get
    `grace` seconds (default: the `drain_seconds` setting) to finish.
    """
    registry = load_registry(settings)
    policy = PolicyHolder()
    policy_file = PolicyFile(settings.policy_file, policy, lambda: served_apps(settings, registry))
    policy_file.load()  # a bad policy stops the start, before anything listens
    drain = settings.drain_seconds if grace is None else grace
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(_log.info, "stopped")  # the last thing to happen
        metrics = Metrics()
        probes = Probes()
        metrics.report_readiness(lambda: probes.ready)
        http_address = await _start_ops_port(stack, settings, probes, metrics)
        # Stops after the listeners, so that the spans of their last calls are exported.
        tracers = _start_tracing(stack, settings, os.environ)
        upstream = await _upstream(stack, settings)
        if settings.open_mode:
            _log.warning(
                "open_mode",
                message=f"OPEN MODE: no app credentials configured; every caller is the app "
                f"{DEFAULT_APP.name!r}. Configure app_credentials_dir before sharing this "
                "sidecar between apps.",
                listen=settings.listen,
            )
        # One health state for every listener and for the probes' listener.
        health_servicer = health.aio.HealthServicer()
        monitor = UpstreamMonitor(metrics, UpstreamHealth(health_servicer))
        gateway, breaker = await _cometchat_client(
            stack, settings, upstream, monitor, tracers.upstream
        )
        events = SessionEvents()
        services = await _services(stack, settings, upstream, gateway, metrics, events, policy)
        service = services.sessions
        health_address = await _start_health_port(stack, settings, health_servicer, drain)
        listeners = await stack.enter_async_context(
            serving(
                listener_config(settings, registry),
                services,
                health_servicer,
                metrics,
                grace=drain,
                tracer=tracers.rpc,
            )
        )
        reload_hooks = ReloadHooks[Settings]()
        _start_background_tasks(
            stack, settings, service, upstream, registry, reload_hooks, policy_file
        )
        probes.started = probes.ready = True
        _log.info(
            "serving",
            address=listeners.address or None,
            health_address=health_address,
            sockets={app: str(s.path) for app, s in listeners.sockets.items()},
            apps=tcp_apps(settings, registry),
            socket_apps=list(settings.socket_apps),
            api_host=upstream.hosts.api,
            client_host=upstream.hosts.client,
            call_host=upstream.hosts.call,
            policy_file=str(settings.policy_file) if settings.policy_file else None,
            policy_apps=sorted(policy.current.apps),
            holds_api_key=bool(upstream.api_key),
            http_address=http_address,
            version=__version__,
        )
        try:
            yield RunningSidecar(
                server=listeners.tcp,
                address=listeners.address,
                emulator=upstream.emulator,
                http_address=http_address,
                probes=probes,
                metrics=metrics,
                breaker=breaker,
                reload_hooks=reload_hooks,
                service=service,
                health_address=health_address,
                sockets=listeners.sockets,
                registry=registry,
                policy=policy,
                policy_file=policy_file,
            )
        finally:
            # Leaving this block stops the listeners (the exit stack), draining for `drain`.
            probes.ready = False
            events.close()  # WatchSession streams end cleanly before the drain
            _log.info("draining", drain_seconds=drain)
