"""Who is calling: the app's identity is settled here, before any servicer runs.

Over TCP an app proves who it is with a per-app credential sent as call metadata
`authorization: Bearer <credential>`. Credentials are kept only as SHA-256
digests and compared in constant time against every known app, so neither timing
nor memory dumps give one away. With no apps configured the sidecar runs in open
mode: every call is the single app `default` (allowed on loopback only).
"""

from __future__ import annotations

import contextvars
import hashlib
import hmac
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import grpc
import structlog

from sidecar.domain import AppIdentity
from sidecar.errors import SidecarError, fail
from sidecar.secret import Secret
from sidecar.status import to_status

if TYPE_CHECKING:
    from sidecar.metrics import Metrics

DEFAULT_APP: Final = AppIdentity("default")
PROTECTED_PREFIX: Final = "/cometchat_sidecar.auth.v1.AuthService/"
_BEARER: Final = "bearer "

if TYPE_CHECKING:
    _Handler = grpc.RpcMethodHandler[Any, Any]
    _Context = grpc.aio.ServicerContext[Any, Any]

current_app: contextvars.ContextVar[AppIdentity] = contextvars.ContextVar("current_app")
_log = structlog.get_logger("sidecar.rpc")


class ConfigError(Exception):
    """The configuration cannot be used; the message says why (and names no secret)."""


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).digest()


class AppRegistry:
    """The apps this sidecar serves and the digests of their credentials."""

    def __init__(self, credentials: Mapping[str, Secret]) -> None:
        if not credentials:
            raise ConfigError("an app registry needs at least one app")
        digests: dict[str, bytes] = {}
        seen: dict[bytes, str] = {}
        for name, credential in credentials.items():
            if not credential.reveal():
                raise ConfigError(f"app {name!r} has an empty credential")
            digest = _digest(credential.reveal())
            if digest in seen:
                raise ConfigError(f"apps {seen[digest]!r} and {name!r} share one credential")
            seen[digest] = name
            digests[name] = digest
        self._digests: Final = digests

    @classmethod
    def from_directory(cls, directory: Path) -> AppRegistry:
        """One file per app, as a mounted Kubernetes Secret lays it out.

        The file name is the app's name, its content (trimmed) the credential. Dot
        files are skipped: a Secret volume keeps its bookkeeping in `..data` links.
        """
        if not directory.is_dir():
            raise ConfigError(f"app credentials directory {str(directory)!r} does not exist")
        credentials = {
            path.name: Secret(path.read_text(encoding="utf-8").strip())
            for path in sorted(directory.iterdir())
            if not path.name.startswith(".") and path.is_file()
        }
        if not credentials:
            raise ConfigError(f"app credentials directory {str(directory)!r} holds no app")
        return cls(credentials)

    @property
    def apps(self) -> tuple[str, ...]:
        return tuple(self._digests)

    def identify(self, presented: str) -> AppIdentity | None:
        """The app whose credential this is, or None. Compares against every app."""
        digest = _digest(presented)
        found: str | None = None
        for name, known in self._digests.items():
            if hmac.compare_digest(digest, known):
                found = name
        return AppIdentity(found) if found is not None else None

    def __repr__(self) -> str:
        return f"AppRegistry(apps={list(self._digests)})"


def _authenticate(registry: AppRegistry | None, metadata: Any) -> AppIdentity:
    if registry is None:
        return DEFAULT_APP
    values = [value for key, value in (metadata or ()) if key == "authorization"]
    if not values:
        raise fail("ERROR_MISSING_APP_CREDENTIAL")
    if len(values) > 1 or not isinstance(values[0], str):
        raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
    value = values[0]
    if value[: len(_BEARER)].lower() != _BEARER:
        raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
    identity = registry.identify(value[len(_BEARER) :].strip())
    if identity is None:
        raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
    return identity


class AppIdentityInterceptor(grpc.aio.ServerInterceptor):
    """Decides the calling app for AuthService methods and hands it on in `current_app`."""

    def __init__(self, registry: AppRegistry | None, metrics: Metrics | None = None) -> None:
        self._registry = registry
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[_Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> _Handler | None:
        handler = await continuation(details)
        method: str = details.method
        if handler is None or not method.startswith(PROTECTED_PREFIX):
            return handler
        try:
            identity = _authenticate(self._registry, details.invocation_metadata)
        except SidecarError as error:
            return _refusal(handler, method, error, self._metrics)
        return _bound(handler, identity)


def _bound(handler: _Handler, identity: AppIdentity) -> _Handler:
    """The same handler, run with `current_app` set to the caller."""
    if handler.unary_unary is not None:
        inner: Any = handler.unary_unary

        async def unary_unary(request: Any, context: _Context) -> Any:
            current_app.set(identity)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            unary_unary,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream is not None:
        inner_stream: Any = handler.unary_stream

        async def unary_stream(request: Any, context: _Context) -> Any:
            current_app.set(identity)
            async for item in inner_stream(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(
            unary_stream,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    raise TypeError(f"no identity binding for the streaming shape of {handler!r}")


def _refusal(
    handler: _Handler, method: str, error: SidecarError, metrics: Metrics | None
) -> _Handler:
    status = to_status(error)
    name = method.rsplit("/", 1)[-1]

    async def refuse(request: Any, context: _Context) -> Any:
        if metrics is not None:
            metrics.rpc_finished(name, error.reason, error.spec.code, 0.0)
        _log.info(
            "rpc",
            method=name,
            app=None,
            reason=error.reason,
            code=error.spec.code,
            duration_ms=0.0,
        )
        await context.abort_with_status(status)

    if handler.unary_stream is not None:

        async def refuse_stream(request: Any, context: _Context) -> Any:
            await refuse(request, context)
            yield  # pragma: no cover - abort_with_status always raises

        return grpc.unary_stream_rpc_method_handler(
            refuse_stream,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.unary_unary_rpc_method_handler(
        refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )
