"""The per-app in-flight limit."""

from __future__ import annotations

import pytest

from sidecar.domain.errors import SidecarError
from sidecar.entrypoints.rpc.calls import InFlightLimits


def test_an_app_may_have_its_limit_of_calls_in_flight_and_no_more() -> None:
    limits = InFlightLimits(2)
    limits.enter("a")
    limits.enter("a")
    with pytest.raises(SidecarError) as refused:
        limits.enter("a")
    limits.enter("b")  # other apps have their own count

    assert refused.value.reason == "ERROR_TOO_MANY_CALLS_IN_FLIGHT"
    assert refused.value.retry_after is not None
    assert refused.value.retry_after > 0
    limits.leave("a")
    limits.enter("a")  # a call that ended gave its slot back


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InFlightLimits(0)
