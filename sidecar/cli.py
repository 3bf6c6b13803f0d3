"""The command line: serve, emulator, hash-credential and client.

`serve` runs the sidecar, `emulator` runs the CometChat emulator, `client` calls the
sidecar's RPCs (and watches the session) so a person can try it without writing code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from typing import TYPE_CHECKING, Any

import structlog

from sidecar import __version__
from sidecar.config import (
    ENVIRONMENT,
    LOG_FORMATS,
    LOG_LEVELS,
    REGIONS,
    STATE_BACKENDS,
    Settings,
    load_settings,
)
from sidecar.domain.errors import ConfigError

_log = structlog.get_logger(__name__)

DEFAULT_TARGET = "127.0.0.1:50051"
TARGET_ENV = "COMETCHAT_SIDECAR_TARGET"
CREDENTIAL_ENV = "COMETCHAT_SIDECAR_CREDENTIAL"


if TYPE_CHECKING:
    _Commands = argparse._SubParsersAction[argparse.ArgumentParser]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cometchat-sidecar",
        description="A gRPC sidecar that logs local apps' users in to CometChat Calls.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve(commands)
    _add_emulator(commands)
    _add_hash_credential(commands)
    _add_client(commands)
    return parser


def _add_serve(commands: _Commands) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the sidecar",
        description="Run the sidecar. Every flag can also be set by its environment "
        "variable or in the TOML config file; flags win over the environment, which wins "
        "over the file. The API key comes from COMETCHAT_API_KEY or a file "
        "(COMETCHAT_API_KEY_FILE / --api-key-file), never from a flag.",
    )
    serve.add_argument("--config", help="TOML config file (env COMETCHAT_SIDECAR_CONFIG)")
    serve.add_argument("--listen", help=f"host:port to serve gRPC on (env {ENVIRONMENT['listen']})")
    serve.add_argument(
        "--health-listen",
        dest="health_listen",
        help="host:port for a listener serving only grpc.health.v1, e.g. for Kubernetes "
        f"probes (env {ENVIRONMENT['health_listen']})",
    )
    serve.add_argument(
        "--app-id", dest="app_id", help=f"CometChat app id (env {ENVIRONMENT['app_id']})"
    )
    serve.add_argument(
        "--region", choices=REGIONS, help=f"CometChat region (env {ENVIRONMENT['region']})"
    )
    serve.add_argument("--api-key-file", dest="api_key_file", help="file holding the API key")
    serve.add_argument("--api-host", dest="api_host", help="override the REST API base URL")
    serve.add_argument("--client-host", dest="client_host", help="override the client API base URL")
    serve.add_argument("--call-host", dest="call_host", help="override the call API base URL")
    serve.add_argument(
        "--app-credentials-dir",
        dest="app_credentials_dir",
        help="directory with one file per app: file name = app name, content = sha256:<hex> of "
        "its credential (see hash-credential)",
    )
    serve.add_argument(
        "--dev",
        action="store_const",
        const=True,
        help="development mode: without an app id, run against the embedded emulator",
    )
    serve.add_argument("--log-level", dest="log_level", choices=LOG_LEVELS)
    serve.add_argument("--log-format", dest="log_format", choices=LOG_FORMATS)
    serve.add_argument(
        "--upstream-timeout-seconds",
        dest="upstream_timeout_seconds",
        type=float,
        help="total time for one upstream call, retries included",
    )
    serve.add_argument(
        "--upstream-connect-timeout-seconds", dest="upstream_connect_timeout_seconds", type=float
    )
    serve.add_argument(
        "--upstream-read-timeout-seconds", dest="upstream_read_timeout_seconds", type=float
    )
    serve.add_argument(
        "--upstream-max-attempts", dest="upstream_max_attempts", type=int, help="tries per call"
    )
    serve.add_argument(
        "--breaker-failure-threshold",
        dest="breaker_failure_threshold",
        type=int,
        help="consecutive upstream failures that open the circuit breaker",
    )
    serve.add_argument(
        "--breaker-open-seconds",
        dest="breaker_open_seconds",
        type=float,
        help="how long the breaker fails fast before a probe",
    )
    serve.add_argument(
        "--http-listen",
        dest="http_listen",
        help="host:port of /livez, /readyz, /startupz and /metrics; empty turns it off "
        f"(env {ENVIRONMENT['http_listen']})",
    )
    serve.add_argument(
        "--drain-seconds",
        dest="drain_seconds",
        type=float,
        help="on SIGTERM, how long calls in flight may take to finish",
    )
    sockets = serve.add_argument_group("per-app Unix sockets")
    sockets.add_argument(
        "--socket-dir", dest="socket_dir", help="folder for <app>/sidecar.sock, one per socket app"
    )
    sockets.add_argument(
        "--socket-app",
        dest="socket_apps",
        action="append",
        metavar="NAME",
        help="serve app NAME on its own socket (repeatable)",
    )
    sockets.add_argument("--socket-owner", dest="socket_owner", help="socket owner: uid or name")
    sockets.add_argument("--socket-group", dest="socket_group", help="socket group: gid or name")
    tcp = serve.add_argument_group("TCP credentials, TLS and limits")
    tcp.add_argument(
        "--credential-rotation-seconds",
        dest="credential_rotation_seconds",
        type=float,
        help="how long a replaced app credential stays valid",
    )
    tcp.add_argument(
        "--credential-poll-seconds",
        dest="credential_poll_seconds",
        type=float,
        help="how often the credentials directory is re-read",
    )
    tcp.add_argument("--tls-cert-file", dest="tls_cert_file", help="server certificate (PEM)")
    tcp.add_argument("--tls-key-file", dest="tls_key_file", help="server private key (PEM)")
    tcp.add_argument(
        "--tls-client-ca-file",
        dest="tls_client_ca_file",
        help="CA for client certificates: turns on mutual TLS",
    )
    tcp.add_argument(
        "--tls-client-app",
        dest="tls_client_apps",
        action="append",
        metavar="IDENTITY=APP",
        help="map a client certificate SAN or common name to an app (repeatable)",
    )
    tcp.add_argument("--max-message-bytes", dest="max_message_bytes", type=int)
    tcp.add_argument("--max-metadata-bytes", dest="max_metadata_bytes", type=int)
    tcp.add_argument(
        "--login-rate-per-second",
        dest="login_rate_per_second",
        type=float,
        help="per-app login rate (token bucket refill; 0 turns the limit off)",
    )
    tcp.add_argument("--login-burst", dest="login_burst", type=int, help="per-app login burst")
    tcp.add_argument(
        "--max-calls-in-flight-per-app",
        dest="max_calls_in_flight_per_app",
        type=int,
        help="unary calls one app may have in flight at once; more are refused at once",
    )
    # Where sessions live. The Redis URL (it may hold a password) and the state keys
    # are never flags: environment or file only.
    serve.add_argument("--state-backend", dest="state_backend", choices=STATE_BACKENDS)
    serve.add_argument(
        "--state-path", dest="state_path", help="SQLite state file (sessions survive restarts)"
    )
    serve.add_argument("--state-key-file", dest="state_key_file", help="file holding the state key")
    serve.add_argument(
        "--state-previous-key-file",
        dest="state_previous_key_file",
        help="file holding the previous state key (read, then rewritten with the new one)",
    )
    serve.add_argument(
        "--redis-password-file",
        dest="redis_password_file",
        help="file holding the password of the Redis servers",
    )
    serve.add_argument(
        "--redis-sentinel-password-file",
        dest="redis_sentinel_password_file",
        help="file holding the password of the Redis sentinels",
    )
    serve.add_argument(
        "--redis-min-replicas",
        dest="redis_min_replicas",
        type=int,
        help="replicas that must hold each session write before the call is answered (WAIT)",
    )
    serve.add_argument(
        "--revocation-check-seconds",
        dest="revocation_check_seconds",
        type=float,
        help="interval of the background revocation check (0: off)",
    )
    serve.add_argument("--max-apps", dest="max_apps", type=int)
    serve.add_argument("--max-sessions", dest="max_sessions", type=int)
    serve.add_argument(
        "--tracing",
        choices=("off", "otlp"),
        help="OpenTelemetry tracing over OTLP/gRPC (env COMETCHAT_SIDECAR_TRACING; "
        "default: off unless OTEL_TRACES_EXPORTER=otlp)",
    )
    serve.add_argument(
        "--forward-traceparent",
        dest="forward_traceparent",
        action="store_const",
        const=True,
        help="send each upstream try's W3C traceparent to CometChat (tracing on only)",
    )
    serve.add_argument(
        "--policy-file",
        dest="policy_file",
        help="TOML file of per-app grants (call tokens, token issuance); re-read on SIGHUP "
        "and when it changes",
    )


def _add_emulator(commands: _Commands) -> None:
    emulator = commands.add_parser(
        "emulator",
        help="run the CometChat emulator",
        description="Run the CometChat emulator on loopback. Prints one JSON line with its "
        "URLs, app id and (fake) keys once it listens.",
    )
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--api-port", type=int, default=0)
    emulator.add_argument("--client-port", type=int, default=0)
    emulator.add_argument("--call-port", type=int, default=0)
    emulator.add_argument("--app-id", default="emulator-app")
    emulator.add_argument(
        "--extra-users",
        type=int,
        default=0,
        help="also create users user-0 ... user-(N-1) (for benchmarks)",
    )
    faults = emulator.add_argument_group(
        "standing faults",
        "Applied to every request (to --fault-routes, default all) until changed at run time "
        "with PUT /_emulator/faults on the api listener.",
    )
    faults.add_argument("--latency-ms", type=int, default=0, help="added to every answer")
    faults.add_argument("--error-rate", type=float, default=0.0, help="share answered with errors")
    faults.add_argument(
        "--error-code", help="CometChat code of those errors (default: a gateway HTML error)"
    )
    faults.add_argument("--error-status", type=int, default=503, help="gateway error status")
    faults.add_argument("--retry-after", type=int, default=1, help="Retry-After of 429 answers")
    faults.add_argument("--reset-rate", type=float, default=0.0, help="share of TCP resets")
    faults.add_argument("--hang-rate", type=float, default=0.0, help="share never answered")
    faults.add_argument("--fault-routes", default="", help="comma-separated route ids, e.g. R3,M1")


def _add_hash_credential(commands: _Commands) -> None:
    commands.add_parser(
        "hash-credential",
        help="print the hash to store for an app credential",
        description="Read an app credential from standard input (one line) and print the "
        "line to store in that app's file in the credentials directory: sha256:<hex>.",
    )


def _add_client(commands: _Commands) -> None:
    client = commands.add_parser(
        "client",
        help="call the sidecar's RPCs",
        description=f"Call a running sidecar. The app credential, if the sidecar wants one, is "
        f"read from {CREDENTIAL_ENV}.",
    )
    client.add_argument(
        "--target",
        default=os.environ.get(TARGET_ENV, DEFAULT_TARGET),
        help=f"gRPC target (env {TARGET_ENV}, default {DEFAULT_TARGET})",
    )
    client.add_argument("--timeout", type=float, default=10.0, help="deadline per call, seconds")
    calls = client.add_subparsers(dest="call", required=True)
    login = calls.add_parser("login", help="Login with a UID (and the key the sidecar holds)")
    login.add_argument("uid")
    login.add_argument(
        "--api-key-env",
        help="name of an environment variable holding an API key to send instead",
    )
    with_token = calls.add_parser("login-with-token", help="LoginWithToken")
    with_token.add_argument("auth_token", help="the auth token, or - to read it from stdin")
    calls.add_parser("whoami", help="GetLoggedInUser")
    calls.add_parser("logout", help="Logout")
    calls.add_parser("health", help="wait until the sidecar reports SERVING")
    call_token = calls.add_parser(
        "call-token", help="GenerateCallToken: print a call token for the logged-in user"
    )
    call_token.add_argument("session_id", help="the call session to join")
    issue = calls.add_parser("issue-token", help="IssueAuthToken: print a new auth token")
    issue.add_argument("uid")
    issue.add_argument(
        "--create", action="store_true", help="create the user if CometChat lacks it"
    )
    issue.add_argument("--name", default="", help="the name of a user created by --create")
    revoke = calls.add_parser(
        "revoke-token", help="RevokeAuthToken (or RevokeAllAuthTokens with --all)"
    )
    revoke.add_argument("uid")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("auth_token", nargs="?", help="the token, or - to read it from stdin")
    which.add_argument("--all", action="store_true", help="revoke every token of the user")
    calls.add_parser("watch", help="WatchSession: one line per change until interrupted")


def run_event_loop(main: Coroutine[Any, Any, None]) -> None:
    """Run `main` on uvloop, the default event loop where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
    else:
        uvloop.run(main)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "emulator":
        return _emulator(args)
    if args.command == "hash-credential":
        return _hash_credential()
    from sidecar.cli_client import run_client

    return run_client(args, os.environ.get(CREDENTIAL_ENV, ""))


def _serve(args: argparse.Namespace) -> int:
    from sidecar.bootstrap import running_sidecar, secrets_of
    from sidecar.logs import configure_logging

    flags = {k: v for k, v in vars(args).items() if k != "command"}
    try:
        settings = load_settings(flags)
    except ConfigError as error:
        configure_logging()
        _log.error("bad_config", error=str(error))
        return 2
    configure_logging(settings.log_level, settings.log_format, secrets=secrets_of(settings))

    def apply_log_level(new: Settings) -> None:
        configure_logging(new.log_level, settings.log_format, secrets=secrets_of(new))

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with running_sidecar(settings) as sidecar:
            sidecar.reload_hooks.add("log_level", apply_log_level)
            loop.add_signal_handler(
                signal.SIGHUP, sidecar.reload_hooks.run, lambda: load_settings(flags)
            )
            await stop.wait()
            _log.info("stopping")

    try:
        run_event_loop(serve())
    except ConfigError as error:
        _log.error("bad_config", error=str(error))
        return 2
    return 0


def _hash_credential() -> int:
    from sidecar.adapters.credentials import hash_credential

    credential = sys.stdin.readline().strip()
    if not credential:
        sys.stderr.write("error: no credential on standard input\n")
        return 2
    sys.stdout.write(hash_credential(credential) + "\n")
    return 0


def _emulator(args: argparse.Namespace) -> int:
    from sidecar.emulator import EmulatorConfig, serve_forever
    from sidecar.emulator.app import policy_from_json
    from sidecar.emulator.codes import ApiError

    config = EmulatorConfig(
        app_id=args.app_id,
        host=args.host,
        api_port=args.api_port,
        client_port=args.client_port,
        call_port=args.call_port,
        extra_users=args.extra_users,
    )
    try:
        policy = policy_from_json(
            {
                "latencyMs": args.latency_ms,
                "errorRate": args.error_rate,
                "errorCode": args.error_code,
                "errorStatus": args.error_status,
                "retryAfter": args.retry_after,
                "resetRate": args.reset_rate,
                "hangRate": args.hang_rate,
                "routes": [r.strip() for r in args.fault_routes.split(",") if r.strip()],
            }
        )
    except ApiError as error:
        problems = "; ".join(m for ms in (error.details or {}).values() for m in ms)
        sys.stderr.write(f"cometchat-sidecar emulator: bad fault settings: {problems}\n")
        return 2

    async def run() -> None:
        task = asyncio.ensure_future(serve_forever(config, policy=policy))
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run_event_loop(run())
    return 0
