"""Fault injection: per-route queues of one-shot faults, and a standing fault policy.

A queued fault is consumed by one request; the standing policy (latency, error rate,
resets, hangs) applies to every request until it is changed.

A fault says what happens instead of the normal answer; the server acts on its kind, the route
handlers never see it. Both are switchable at run time: from Python, over the admin endpoint
`/_emulator/faults`, and as `cometchat-sidecar emulator` flags at start.
"""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from sidecar.emulator.codes import ERRORS
from sidecar.emulator.state import RouteId

# What a gateway in front of CometChat answers when the service behind it is down.
GATEWAY_STATUSES = frozenset({500, 502, 503, 504})


class FaultKind(StrEnum):
    ERROR = "error"
    """Answer the error `code` instead of handling the request."""
    GATEWAY = "gateway"
    """Answer HTTP `status` (5xx) with an HTML body, as a load balancer does: no envelope."""
    CLOSE_CONNECTION = "close_connection"
    """Close the socket without answering."""
    RESET = "reset"
    """Reset the connection (TCP RST) without answering."""
    HANG = "hang"
    """Read the request and never answer; the socket stays open until the client gives up."""


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    code: str | None = None
    retry_after: int = 1
    """Seconds announced in the rate-limit headers of a 429 answer."""
    status: int = 503
    """The HTTP status of a `gateway` fault."""

    def __post_init__(self) -> None:
        if self.kind is FaultKind.ERROR and self.code not in ERRORS:
            raise ValueError(f"unknown error code {self.code!r}")
        if self.kind is FaultKind.GATEWAY and self.status not in GATEWAY_STATUSES:
            raise ValueError(f"status must be one of {sorted(GATEWAY_STATUSES)}")
        if self.retry_after < 0:
            raise ValueError("retry_after must not be negative")


@dataclass(frozen=True)
class FaultPolicy:
    """Standing faults: each request to one of `routes` (all known routes when empty) waits
    `latency_ms`, then hangs with probability `hang_rate`, is reset with `reset_rate`, or
    fails with `error_rate` (CometChat error `error_code`, or a gateway `error_status`)."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_code: str | None = None
    error_status: int = 503
    retry_after: int = 1
    reset_rate: float = 0.0
    hang_rate: float = 0.0
    routes: frozenset[RouteId] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        for name in ("error_rate", "reset_rate", "hang_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        if self.error_rate + self.reset_rate + self.hang_rate > 1.0:
            raise ValueError("error_rate + reset_rate + hang_rate must not exceed 1")
        # Validates the code, status and delay the policy's error faults will carry.
        self.error_fault()
        if RouteId.OTHER in self.routes:
            raise ValueError("faults apply to known routes only")

    def error_fault(self) -> Fault:
        if self.error_code is not None:
            return Fault(FaultKind.ERROR, self.error_code, self.retry_after)
        return Fault(FaultKind.GATEWAY, retry_after=self.retry_after, status=self.error_status)

    def applies_to(self, route: RouteId) -> bool:
        return not self.routes or route in self.routes

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        return {
            "latencyMs": data["latency_ms"],
            "errorRate": data["error_rate"],
            "errorCode": data["error_code"],
            "errorStatus": data["error_status"],
            "retryAfter": data["retry_after"],
            "resetRate": data["reset_rate"],
            "hangRate": data["hang_rate"],
            "routes": sorted(r.value for r in self.routes),
        }


class FaultPlan:
    """Queued faults by route and the standing policy; thread-safe like the emulator's state."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._lock = threading.Lock()
        self._queues: dict[RouteId, deque[Fault]] = {}
        self._policy = FaultPolicy()
        self._rng = rng or random.Random()  # noqa: S311 - fault draws, not secrets

    def add(self, route: RouteId, fault: Fault, times: int = 1) -> None:
        if route is RouteId.OTHER:
            raise ValueError("faults apply to known routes only")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues.setdefault(route, deque()).extend([fault] * times)

    def take(self, route: RouteId) -> Fault | None:
        """The fault for this request to `route`: a queued one first, else the policy's draw."""
        with self._lock:
            queue = self._queues.get(route)
            if queue:
                return queue.popleft()
            policy = self._policy
            if not policy.applies_to(route):
                return None
            draw = self._rng.random()
        if draw < policy.hang_rate:
            return Fault(FaultKind.HANG)
        if draw < policy.hang_rate + policy.reset_rate:
            return Fault(FaultKind.RESET)
        if draw < policy.hang_rate + policy.reset_rate + policy.error_rate:
            return policy.error_fault()
        return None

    def latency(self, route: RouteId) -> float:
        """Seconds to wait before answering a request to `route`."""
        with self._lock:
            policy = self._policy
        return policy.latency_ms / 1000 if policy.applies_to(route) else 0.0

    @property
    def policy(self) -> FaultPolicy:
        with self._lock:
            return self._policy

    def set_policy(self, policy: FaultPolicy) -> None:
        with self._lock:
            self._policy = policy

    def queued(self) -> dict[str, int]:
        with self._lock:
            return {route.value: len(queue) for route, queue in self._queues.items() if queue}

    def clear(self) -> None:
        """Drop the queued faults and the standing policy."""
        with self._lock:
            self._queues.clear()
            self._policy = FaultPolicy()
