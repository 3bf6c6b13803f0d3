"""Client interceptors: the app credential and the default deadline on every call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import grpc
import grpc.aio

if TYPE_CHECKING:  # typing-only names from the grpc stubs (types-grpcio)
    from grpc import _CallFuture, _CallIterator

_TRequest = TypeVar("_TRequest")
_TResponse = TypeVar("_TResponse")

_AUTHORIZATION = "authorization"

Metadata = tuple[tuple[str, str | bytes], ...]


def auth_metadata(credential: str | None) -> Metadata:
    """The call metadata that proves the app's identity (none in dev mode)."""
    if not credential:
        return ()
    return ((_AUTHORIZATION, f"Bearer {credential}"),)


def _merge(existing: Iterable[tuple[str, str | bytes]] | None, extra: Metadata) -> Metadata:
    merged = list(existing or ())
    present = {key for key, _ in merged}
    # A header the caller set explicitly on a call wins over the client's.
    merged.extend((key, value) for key, value in extra if key not in present)
    return tuple(merged)


@dataclass
class _CallDetails(grpc.ClientCallDetails):
    method: str
    timeout: float | None
    metadata: Metadata | None
    credentials: grpc.CallCredentials | None
    wait_for_ready: bool | None
    compression: grpc.Compression | None


class SyncInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):
    """Adds the credential and, when the call has none, the default deadline."""

    def __init__(self, credential: str | None, default_timeout: float | None) -> None:
        self._metadata = auth_metadata(credential)
        self._timeout = default_timeout

    def _details(self, details: grpc.ClientCallDetails) -> _CallDetails:
        return _CallDetails(
            method=details.method,
            timeout=self._timeout if details.timeout is None else details.timeout,
            metadata=_merge(details.metadata, self._metadata),
            credentials=details.credentials,
            wait_for_ready=details.wait_for_ready,
            compression=getattr(details, "compression", None),
        )

    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, _TRequest], _CallFuture[_TResponse]],
        client_call_details: grpc.ClientCallDetails,
        request: _TRequest,
    ) -> _CallFuture[_TResponse]:
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(
        self,
        continuation: Callable[[grpc.ClientCallDetails, _TRequest], _CallIterator[_TResponse]],
        client_call_details: grpc.ClientCallDetails,
        request: _TRequest,
    ) -> _CallIterator[_TResponse]:
        return continuation(self._details(client_call_details), request)


class AsyncInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """The asyncio twin of :class:`SyncInterceptor` (unary calls)."""

    def __init__(self, credential: str | None, default_timeout: float | None) -> None:
        self._metadata = auth_metadata(credential)
        self._timeout = default_timeout

    async def intercept_unary_unary(
        self,
        continuation: Callable[
            [grpc.aio.ClientCallDetails, _TRequest],
            Awaitable[grpc.aio.UnaryUnaryCall[_TRequest, _TResponse]],
        ],
        client_call_details: grpc.aio.ClientCallDetails,
        request: _TRequest,
    ) -> _TResponse | grpc.aio.UnaryUnaryCall[_TRequest, _TResponse]:
        timeout = client_call_details.timeout
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            self._timeout if timeout is None else timeout,
            grpc.aio.Metadata(*_merge(client_call_details.metadata, self._metadata)),
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)
