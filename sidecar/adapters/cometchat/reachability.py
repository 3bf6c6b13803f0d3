"""Whether CometChat is reachable, as the upstream calls and the circuit breaker tell it.

Reported on its own (a named gRPC health service and the `upstream_up` metric) and never
folded into readiness: a CometChat outage must not pull every app pod out of its Service.
Unknown until the first answer; reachable after any HTTP answer below 500 or when the
breaker closes; unreachable while the breaker is open. A single failed try does not flip
it: the breaker decides when failures have become an outage.
"""

from __future__ import annotations

from collections.abc import Callable

from sidecar.adapters.cometchat.resilience import BreakerState
from sidecar.adapters.metrics import Metrics


class UpstreamMonitor:
    """The upstream observer of the composition root: metrics plus reachability."""

    def __init__(self, metrics: Metrics, on_reachability: Callable[[bool], None]) -> None:
        self._metrics = metrics
        self._on_reachability = on_reachability
        self.reachable: bool | None = None

    def upstream_call(self, endpoint: str, status: str, seconds: float) -> None:
        self._metrics.upstream_call(endpoint, status, seconds)
        if status.isdigit() and int(status) < 500:
            self._set(True)

    def upstream_retry(self, endpoint: str, cause: str) -> None:
        self._metrics.upstream_retry(endpoint, cause)

    def breaker_changed(self, state: BreakerState) -> None:
        self._metrics.breaker_changed(state)
        if state is BreakerState.OPEN:
            self._set(False)
        elif state is BreakerState.CLOSED:
            self._set(True)

    def _set(self, reachable: bool) -> None:
        if reachable is not self.reachable:
            self.reachable = reachable
            self._metrics.upstream_reachable(reachable)
            self._on_reachability(reachable)
