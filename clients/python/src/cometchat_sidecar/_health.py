"""Readiness polling shared by the sync and asyncio clients."""

from __future__ import annotations

import time
from typing import Final

import grpc
from grpc_health.v1 import health_pb2

from .errors import SidecarError, SidecarNotReadyError

#: The health service name of the sidecar's auth API.
AUTH_SERVICE_NAME: Final = "cometchat_sidecar.auth.v1.AuthService"

_FIRST_DELAY: Final = 0.05
_MAX_DELAY: Final = 0.5
_MAX_ATTEMPT_TIMEOUT: Final = 2.0


class ReadinessProbe:
    """Tracks one `wait_until_ready` run: the deadline, the back-off, the last answer."""

    def __init__(self, target: str, service: str, timeout: float) -> None:
        if timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout!r}")
        self.target = target
        self.service = service
        self.timeout = timeout
        self.request = health_pb2.HealthCheckRequest(service=service)
        self._deadline = time.monotonic() + timeout
        self._delay = _FIRST_DELAY
        self._last = "no health check answered yet"
        self._answered = False
        self._attempt_cut_short = False

    def attempt_timeout(self) -> float | None:
        """The deadline for the next check, or None when time is up."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            return None
        self._attempt_cut_short = remaining < _MAX_ATTEMPT_TIMEOUT
        return min(remaining, _MAX_ATTEMPT_TIMEOUT)

    def serving(self, response: health_pb2.HealthCheckResponse) -> bool:
        """Record a health answer; True when it is SERVING."""
        if response.status == health_pb2.HealthCheckResponse.SERVING:
            return True
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        self._last = f"health status of {self.service or 'the server'!r} is {status}"
        self._answered = True
        return False

    def failed(self, error: grpc.RpcError) -> None:
        """Record a failed health check."""
        err = SidecarError.from_rpc_error(error)
        # A check cut short by the end of the wait says nothing new: keep the last answer.
        if (
            self._answered
            and self._attempt_cut_short
            and err.code == grpc.StatusCode.DEADLINE_EXCEEDED
        ):
            return
        self._last = f"health check failed: {err}"

    def next_delay(self) -> float:
        """How long to sleep before the next check (never past the deadline)."""
        delay = min(self._delay, max(0.0, self._deadline - time.monotonic()))
        self._delay = min(self._delay * 2, _MAX_DELAY)
        return delay

    def not_ready(self) -> SidecarNotReadyError:
        return SidecarNotReadyError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            f"the sidecar at {self.target} was not ready within {self.timeout:g}s ({self._last})",
        )
