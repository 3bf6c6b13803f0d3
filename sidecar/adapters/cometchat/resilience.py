"""Retry policy (capped exponential backoff with full jitter) and a circuit breaker.

No I/O and no clock of their own: the upstream adapter drives them, tests drive them with
a fake clock and a seeded random source.
"""

from __future__ import annotations

import enum
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RetryPolicy:
    """At most `max_attempts` tries; before try n+1 wait uniform(0, min(cap, base * 2**n))."""

    max_attempts: int = 3
    base_seconds: float = 0.1
    cap_seconds: float = 2.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds < 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("base_seconds must be at least 0 and at most cap_seconds")

    def backoff(self, failed_attempts: int) -> float:
        """Full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""
        ceiling = min(self.cap_seconds, self.base_seconds * 2 ** (failed_attempts - 1))
        return self.rng.uniform(0.0, ceiling)


class BreakerState(enum.IntEnum):
    """Values are what the `breaker_state` gauge shows."""

    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class BreakerOpen(Exception):
    """The breaker refuses the call; retry after `retry_after` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"circuit open, retry after {retry_after:.3f}s")
        self.retry_after = retry_after


class CircuitBreaker:
    """Opens after `threshold` consecutive failures; after `open_seconds` lets one probe through.

    A probe that succeeds closes the breaker; one that fails opens it again for another
    `open_seconds`. While a probe is out, other calls fail fast as when open.
    """

    def __init__(
        self,
        threshold: int = 5,
        open_seconds: float = 5.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[BreakerState], None] | None = None,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        if open_seconds <= 0:
            raise ValueError("open_seconds must be positive")
        self._threshold = threshold
        self._open_seconds = open_seconds
        self._clock = clock
        self._on_change = on_change
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_out = False

    @property
    def state(self) -> BreakerState:
        return self._state

    def before_call(self) -> None:
        """Admit a call, or raise BreakerOpen."""
        if self._state is BreakerState.CLOSED:
            return
        remaining = self._opened_at + self._open_seconds - self._clock()
        if self._state is BreakerState.OPEN and remaining <= 0:
            self._set(BreakerState.HALF_OPEN)
        if self._state is BreakerState.HALF_OPEN and not self._probe_out:
            self._probe_out = True
            return
        raise BreakerOpen(max(remaining, 0.0) if self._state is BreakerState.OPEN else 0.5)

    def record_success(self) -> None:
        self._failures = 0
        self._probe_out = False
        if self._state is not BreakerState.CLOSED:
            self._set(BreakerState.CLOSED)

    def record_failure(self) -> None:
        self._failures += 1
        self._probe_out = False
        if self._state is BreakerState.OPEN:
            return  # a call admitted before it opened; the open window stays as it was
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            self._opened_at = self._clock()
            self._set(BreakerState.OPEN)

    def record_neutral(self) -> None:
        """The call ended without telling whether the upstream is healthy (e.g. cancelled)."""
        self._probe_out = False

    def _set(self, state: BreakerState) -> None:
        if state is not self._state:
            self._state = state
            if self._on_change is not None:
                self._on_change(state)
