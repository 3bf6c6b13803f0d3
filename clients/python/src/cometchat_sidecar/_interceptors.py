"""Client interceptors: the app credential and the default deadline on every call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import grpc
import grpc.aio

_AUTHORIZATION = "authorization"

MetadataPairs = Iterable[tuple[str, str | bytes]]


class _CallDetailsLike(Protocol):
    """What gRPC hands an interceptor (``grpc.ClientCallDetails``)."""

    method: str
    timeout: float | None
    metadata: MetadataPairs | None
    credentials: object
    wait_for_ready: bool | None


def auth_metadata(credential: str | None) -> tuple[tuple[str, str], ...]:
    """The call metadata that proves the app's identity (none in dev mode)."""
    if not credential:
        return ()
    return ((_AUTHORIZATION, f"Bearer {credential}"),)


def _merge(
    existing: MetadataPairs | None, extra: Iterable[tuple[str, str]]
) -> list[tuple[str, str | bytes]]:
    merged = list(existing or ())
    present = {key for key, _ in merged}
    # A header the caller set explicitly on a call wins over the client's.
    merged.extend((key, value) for key, value in extra if key not in present)
    return merged


@dataclass(frozen=True)
class _CallDetails(grpc.ClientCallDetails):  # type: ignore[misc]
    method: str
    timeout: float | None
    metadata: list[tuple[str, str | bytes]]
    credentials: object
    wait_for_ready: bool | None
    compression: object


class SyncInterceptor(
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds the credential and, when the call has none, the default deadline."""

    def __init__(self, credential: str | None, default_timeout: float | None) -> None:
        self._metadata = auth_metadata(credential)
        self._timeout = default_timeout

    def _details(self, details: _CallDetailsLike) -> _CallDetails:
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
        continuation: Callable[[_CallDetails, object], object],
        client_call_details: _CallDetailsLike,
        request: object,
    ) -> object:
        return continuation(self._details(client_call_details), request)

    def intercept_unary_stream(
        self,
        continuation: Callable[[_CallDetails, object], object],
        client_call_details: _CallDetailsLike,
        request: object,
    ) -> object:
        return continuation(self._details(client_call_details), request)


class AsyncInterceptor(grpc.aio.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """The asyncio twin of :class:`SyncInterceptor` (unary calls)."""

    def __init__(self, credential: str | None, default_timeout: float | None) -> None:
        self._metadata = auth_metadata(credential)
        self._timeout = default_timeout

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, object], Awaitable[object]],
        client_call_details: _CallDetailsLike,
        request: object,
    ) -> object:
        timeout = client_call_details.timeout
        details = grpc.aio.ClientCallDetails(
            client_call_details.method,
            self._timeout if timeout is None else timeout,
            grpc.aio.Metadata(*_merge(client_call_details.metadata, self._metadata)),
            client_call_details.credentials,
            client_call_details.wait_for_ready,
        )
        return await continuation(details, request)
