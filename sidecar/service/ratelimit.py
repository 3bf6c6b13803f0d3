"""A token bucket per app for logins.

So one noisy app cannot spend CometChat's rate limit (which is per CometChat app, shared
by every local app) for the others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sidecar.domain.errors import fail


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class LoginRateLimiter:
    """`rate` logins per second per app on average, bursts of up to `burst`."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limiter needs a positive rate and a burst of at least 1")
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def admit(self, app: str) -> None:
        """Take one token from the app's bucket, or raise ERROR_LOGIN_RATE_LIMITED with
        the time until a token is there as the retry delay."""
        now = self._clock()
        bucket = self._buckets.get(app)
        if bucket is None:
            bucket = self._buckets[app] = _Bucket(self._burst, now)
        bucket.tokens = min(self._burst, bucket.tokens + (now - bucket.updated) * self._rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        raise fail("ERROR_LOGIN_RATE_LIMITED", retry_after=(1.0 - bucket.tokens) / self._rate)
