"""The per-app login token bucket, on a fake clock."""

from __future__ import annotations

import pytest

from sidecar.domain.errors import SidecarError
from sidecar.service.ratelimit import LoginRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def _refused(limiter: LoginRateLimiter, app: str) -> SidecarError:
    with pytest.raises(SidecarError) as refused:
        limiter.admit(app)
    return refused.value


def test_a_burst_is_admitted_then_the_rate_applies_with_the_time_to_wait() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(2.0, 3, clock=clock)

    for _ in range(3):
        limiter.admit("billing")
    error = _refused(limiter, "billing")

    assert error.reason == "ERROR_LOGIN_RATE_LIMITED"
    assert error.spec.code == "RESOURCE_EXHAUSTED"
    assert error.retry_after == pytest.approx(0.5)
    clock.now += 0.2
    assert _refused(limiter, "billing").retry_after == pytest.approx(0.3)
    clock.now += 0.3
    limiter.admit("billing")
    assert _refused(limiter, "billing").retry_after == pytest.approx(0.5)


def test_apps_have_their_own_buckets() -> None:
    limiter = LoginRateLimiter(1.0, 1, clock=Clock())

    limiter.admit("noisy")
    _refused(limiter, "noisy")

    limiter.admit("quiet")


def test_an_idle_bucket_refills_only_up_to_the_burst() -> None:
    clock = Clock()
    limiter = LoginRateLimiter(10.0, 2, clock=clock)
    limiter.admit("billing")

    clock.now += 3600
    limiter.admit("billing")
    limiter.admit("billing")

    _refused(limiter, "billing")


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (1.0, 0)])
def test_a_limiter_needs_a_rate_and_a_burst(rate: float, burst: int) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        LoginRateLimiter(rate, burst)
