"""Token buckets per app: for logins, and for call tokens.

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


class TokenBuckets:
    """One bucket per key; each `take` says the key's rate and burst (a policy reload may
    change them: the bucket keeps its tokens, capped at the new burst)."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, rate: float, burst: int) -> float | None:
        """Take one token: None when there was one, else the seconds until there is."""
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limiter needs a positive rate and a burst of at least 1")
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(burst), now)
        bucket.tokens = min(float(burst), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / rate


class LoginRateLimiter:
    """`rate` logins per second per app on average, bursts of up to `burst`."""

    def __init__(
        self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limiter needs a positive rate and a burst of at least 1")
        self._rate = rate
        self._burst = burst
        self._buckets = TokenBuckets(clock=clock)

    def admit(self, app: str) -> None:
        """Take one token from the app's bucket, or raise ERROR_LOGIN_RATE_LIMITED with
        the time until a token is there as the retry delay."""
        wait = self._buckets.take(app, self._rate, self._burst)
        if wait is not None:
            raise fail("ERROR_LOGIN_RATE_LIMITED", retry_after=wait)
