"""Who is calling: the app's identity is settled here, before any servicer runs.

Each listener has one way of telling apps apart (an `Authenticator`):

- a per-app Unix socket: the socket the call arrived on names the app (`FixedApp`);
- TCP with mutual TLS: the client certificate, mapped by a SAN or its common name
  (`ClientCertificates`);
- TCP with per-app credentials: `authorization: Bearer <credential>`, checked
  against the hashed credentials of `AppRegistry` (`BearerCredentials`);
- open mode: every caller is the app `default` (`OpenMode`, loopback only).

The interceptor also turns a request that does not decode into a documented error
instead of gRPC's bare "exception deserializing request".
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, NoReturn, Protocol

import grpc
from cometchat_sidecar.auth.v1 import auth_pb2
from google.protobuf.message import DecodeError

from sidecar.adapters.credentials import AppRegistry
from sidecar.domain.errors import ConfigError, SidecarError, fail
from sidecar.domain.model import AppIdentity
from sidecar.entrypoints.rpc.access_log import RpcObserver, record_rpc
from sidecar.entrypoints.rpc.status import to_status

DEFAULT_APP: Final = AppIdentity("default")
# Every method of AuthService needs a caller; health and reflection do not.
PROTECTED_PREFIX: Final = f"/{auth_pb2.DESCRIPTOR.services_by_name['AuthService'].full_name}/"
_BEARER: Final = "bearer "

if TYPE_CHECKING:
    _Handler = grpc.RpcMethodHandler[Any, Any]
    _Context = grpc.aio.ServicerContext[Any, Any]

Metadata = Sequence[tuple[str, str | bytes]]

current_app: contextvars.ContextVar[AppIdentity] = contextvars.ContextVar("current_app")


class Authenticator(Protocol):
    """Names the app a call comes from, or raises a SidecarError saying why not."""

    def identify(self, metadata: Metadata, context: _Context) -> AppIdentity: ...


class OpenMode:
    """Every caller is the app `default`."""

    def identify(self, metadata: Metadata, context: _Context) -> AppIdentity:
        return DEFAULT_APP


class FixedApp:
    """A listener that only one app can reach (its own Unix socket)."""

    def __init__(self, app: str) -> None:
        self.app = AppIdentity(app)

    def identify(self, metadata: Metadata, context: _Context) -> AppIdentity:
        return self.app


class BearerCredentials:
    """`authorization: Bearer <credential>`, checked against the registry."""

    def __init__(self, registry: AppRegistry) -> None:
        self.registry = registry

    def identify(self, metadata: Metadata, context: _Context) -> AppIdentity:
        values = [value for key, value in metadata if key == "authorization"]
        if not values:
            raise fail("ERROR_MISSING_APP_CREDENTIAL")
        if len(values) > 1 or not isinstance(values[0], str):
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        value = values[0]
        if value[: len(_BEARER)].lower() != _BEARER:
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        identity = self.registry.identify(value[len(_BEARER) :].strip())
        if identity is None:
            raise fail("ERROR_UNKNOWN_APP_CREDENTIAL")
        return identity


class ClientCertificates:
    """Mutual TLS: the verified client certificate names the app.

    `table` maps a certificate identity to an app: a subject alternative name (a
    URI such as a SPIFFE id, a DNS name, an e-mail address or an IP) or, failing
    every SAN, the subject's common name. A certificate whose names map to two
    different apps is refused rather than guessed at.
    """

    def __init__(self, table: Mapping[str, str]) -> None:
        if not table:
            raise ConfigError("mutual TLS needs at least one certificate identity -> app entry")
        self.table = dict(table)

    def identify(self, metadata: Metadata, context: _Context) -> AppIdentity:
        peer = context.auth_context()
        names = [*peer.get("x509_subject_alternative_name", ())]
        names += [*peer.get("x509_common_name", ())]
        apps = {
            self.table[n] for n in (v.decode("utf-8", "replace") for v in names) if n in self.table
        }
        if len(apps) != 1:
            raise fail("ERROR_UNKNOWN_CLIENT_CERTIFICATE")
        return AppIdentity(apps.pop())


class _Undecodable:
    """Stands in for a request whose bytes are not a message of the method's type."""


_UNDECODABLE: Final = _Undecodable()


def _tolerant(deserialize: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if deserialize is None:
        return None

    def decode(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except DecodeError:
            return _UNDECODABLE

    return decode


class AppIdentityInterceptor(grpc.aio.ServerInterceptor):
    """Decides the calling app for AuthService methods and hands it on in `current_app`."""

    def __init__(self, authenticator: Authenticator, metrics: RpcObserver | None = None) -> None:
        self._authenticator = authenticator
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
        metadata: Metadata = tuple(details.invocation_metadata or ())
        authenticator, metrics = self._authenticator, self._metrics

        async def bind(request: Any, context: _Context) -> None:
            """Set `current_app` for the call, or refuse it (always raises then)."""
            try:
                identity = authenticator.identify(metadata, context)
            except SidecarError as error:
                await _refuse(context, metrics, method, None, error)
            if request is _UNDECODABLE:
                await _refuse(context, metrics, method, identity, fail("ERROR_MALFORMED_REQUEST"))
            current_app.set(identity)

        if handler.unary_stream is not None:  # WatchSession
            inner_stream: Any = handler.unary_stream

            async def unary_stream(request: Any, context: _Context) -> Any:
                await bind(request, context)
                async for item in inner_stream(request, context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                unary_stream,
                request_deserializer=_tolerant(handler.request_deserializer),
                response_serializer=handler.response_serializer,
            )
        if handler.unary_unary is None:
            raise TypeError(f"no identity binding for the streaming shape of {method}")
        inner: Any = handler.unary_unary

        async def unary_unary(request: Any, context: _Context) -> Any:
            await bind(request, context)
            return await inner(request, context)

        return grpc.unary_unary_rpc_method_handler(
            unary_unary,
            request_deserializer=_tolerant(handler.request_deserializer),
            response_serializer=handler.response_serializer,
        )


async def _refuse(
    context: _Context,
    metrics: RpcObserver | None,
    method: str,
    app: AppIdentity | None,
    error: SidecarError,
) -> NoReturn:
    record_rpc(
        metrics,
        method=method.rsplit("/", 1)[-1],
        app=app.name if app is not None else None,
        reason=error.reason,
        code=error.spec.code,
        seconds=0.0,
    )
    await context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returned")  # it always raises
