"""Fault injection: per-route queues of faults, each one consumed by one request.

A fault says what happens instead of the normal answer; the server acts on its kind, the route
handlers never see it. Latency, error rates, resets and hangs can join as new kinds (or as
per-route policies consulted beside the queue) without touching the handlers.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from sidecar.emulator.codes import ERRORS
from sidecar.emulator.state import RouteId


class FaultKind(StrEnum):
    ERROR = "error"
    """Answer the error `code` instead of handling the request."""
    CLOSE_CONNECTION = "close_connection"
    """Close the socket without answering."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    code: str | None = None
    retry_after: int = 1
    """Seconds announced in the rate-limit headers of a 429 answer."""

    def __post_init__(self) -> None:
        if self.kind is FaultKind.ERROR and self.code not in ERRORS:
            raise ValueError(f"unknown error code {self.code!r}")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")


class FaultPlan:
    """Queued faults by route; thread-safe like the rest of the emulator's state."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[RouteId, deque[Fault]] = {}

    def add(self, route: RouteId, fault: Fault, times: int = 1) -> None:
        if route is RouteId.OTHER:
            raise ValueError("faults apply to known routes only")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues.setdefault(route, deque()).extend([fault] * times)

    def take(self, route: RouteId) -> Fault | None:
        """The fault for this request to `route`, if one is queued."""
        with self._lock:
            queue = self._queues.get(route)
            return queue.popleft() if queue else None

    def clear(self) -> None:
        with self._lock:
            self._queues.clear()
