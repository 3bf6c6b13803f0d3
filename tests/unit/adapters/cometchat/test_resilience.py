"""Backoff and circuit breaker rules, with a fake clock and a seeded random source."""

from __future__ import annotations

import random

import pytest

from sidecar.adapters.cometchat.resilience import (
    BreakerOpen,
    BreakerState,
    CircuitBreaker,
    RetryPolicy,
)


def test_full_jitter_stays_under_the_capped_exponential_ceiling() -> None:
    policy = RetryPolicy(base_seconds=0.1, cap_seconds=1.0, rng=random.Random(3))  # noqa: S311
    for failed, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
        waits = [policy.backoff(failed) for _ in range(500)]
        assert all(0.0 <= w <= ceiling for w in waits)
        # Full jitter spreads over the whole range, not around the ceiling.
        assert min(waits) < ceiling * 0.1
        assert max(waits) > ceiling * 0.9


@pytest.mark.parametrize(
    "kwargs", [{"max_attempts": 0}, {"base_seconds": -1.0}, {"base_seconds": 3.0}]
)
def test_bad_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state  # read through a call so each check sees the current state


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_breaker_opens_after_consecutive_failures_and_probes_once() -> None:
    clock = Clock()
    changes: list[BreakerState] = []
    breaker = CircuitBreaker(3, 5.0, clock=clock, on_change=changes.append)

    for _ in range(2):
        breaker.before_call()
        breaker.record_failure()
    breaker.before_call()
    breaker.record_success()  # a success in between resets the count
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN

    clock.now += 2.0
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_after == pytest.approx(3.0)

    clock.now += 3.0
    breaker.before_call()  # the one probe
    assert state(breaker) is BreakerState.HALF_OPEN
    with pytest.raises(BreakerOpen):
        breaker.before_call()  # others still fail fast while it is out
    breaker.record_success()
    assert state(breaker) is BreakerState.CLOSED
    breaker.before_call()
    assert changes == [BreakerState.OPEN, BreakerState.HALF_OPEN, BreakerState.CLOSED]


def test_a_failed_probe_opens_the_breaker_for_another_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 1.0, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now += 1.0
    breaker.before_call()
    breaker.record_failure()
    assert state(breaker) is BreakerState.OPEN
    with pytest.raises(BreakerOpen) as refused:
        breaker.before_call()
    assert refused.value.retry_after == pytest.approx(1.0)


def test_a_probe_that_ends_without_an_answer_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 1.0, clock=clock)
    breaker.before_call()
    breaker.record_failure()
    clock.now += 1.5
    breaker.before_call()
    breaker.record_neutral()  # e.g. the caller went away
    breaker.before_call()  # another probe may go
    assert state(breaker) is BreakerState.HALF_OPEN


def test_late_failures_do_not_extend_the_open_window() -> None:
    clock = Clock()
    breaker = CircuitBreaker(1, 2.0, clock=clock)
    breaker.record_failure()
    clock.now += 1.5
    breaker.record_failure()  # a call admitted before it opened
    clock.now += 0.5
    breaker.before_call()
    assert state(breaker) is BreakerState.HALF_OPEN
