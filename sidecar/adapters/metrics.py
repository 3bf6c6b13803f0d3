"""Prometheus metrics, one registry per sidecar (so tests can run several in one process).

Labels are bounded and never carry a uid, token, key or app credential: RPC method names,
reasons from the reason table (a CometChat code outside it counts as `OTHER_UPSTREAM_CODE`),
gRPC code names, endpoint ids (R3, M1, M2), HTTP statuses, retry causes, session changes
and store operations. Counters with a fixed label set start at 0 for every label, so
`rate()` sees their first increase.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from sidecar.adapters.cometchat.resilience import BreakerState
from sidecar.domain.errors import REASONS, SidecarError
from sidecar.domain.events import Change
from sidecar.domain.model import Session
from sidecar.service.ports import SessionStore

_PREFIX: Final = "cometchat_sidecar"
_OWN_REASONS: Final = frozenset(REASONS) | {"OK", "CANCELLED"}
# Buckets from a cached answer (sub-millisecond) to a slow upstream near the deadline.
# Distinct (method, reason, code) whose children are kept: reasons are bounded (a
# CometChat code outside the table counts as OTHER_UPSTREAM_CODE), and so is this.
_CHILDREN_KEPT: Final = 1024
_BUCKETS: Final = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_CHANGES: Final = (Change.LOGGED_IN, Change.LOGGED_OUT, Change.REVOKED)
_STORE_OPERATIONS: Final = ("get", "put", "delete", "count")


class Metrics:
    """Every metric the sidecar exports. Implements the RPC and upstream observers."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._rpcs = Counter(
            f"{_PREFIX}_rpcs",
            "RPCs answered, by method and reason",
            ["method", "reason", "code"],
            registry=r,
        )
        self._rpc_seconds = Histogram(
            f"{_PREFIX}_rpc_duration_seconds",
            "RPC latency",
            ["method"],
            buckets=_BUCKETS,
            registry=r,
        )
        self._upstream = Counter(
            f"{_PREFIX}_upstream_requests",
            "HTTP tries against CometChat, by endpoint and HTTP status (or timeout,"
            " connection_error, cancelled)",
            ["endpoint", "status"],
            registry=r,
        )
        self._upstream_seconds = Histogram(
            f"{_PREFIX}_upstream_request_duration_seconds",
            "latency of one HTTP try",
            ["endpoint"],
            buckets=_BUCKETS,
            registry=r,
        )
        self._retries = Counter(
            f"{_PREFIX}_upstream_retries",
            "tries repeated, by endpoint and cause",
            ["endpoint", "cause"],
            registry=r,
        )
        self._breaker = Gauge(
            f"{_PREFIX}_upstream_breaker_state",
            "circuit breaker: 0 closed, 1 half-open (probing), 2 open (failing fast)",
            registry=r,
        )
        self._up = Gauge(
            f"{_PREFIX}_upstream_up",
            "1 when CometChat answered lately, 0 while the breaker is not closed, -1 unknown",
            registry=r,
        )
        self._up.set(-1)
        # The label children of each (method, reason, code) seen, so that counting a call
        # is two increments, not two label lookups under the metric's lock.
        self._rpc_children: dict[tuple[str, str, str], tuple[Any, Any]] = {}
        self._sessions = Gauge(
            f"{_PREFIX}_live_sessions", "apps with a logged-in session", registry=r
        )
        self._changes = Counter(
            f"{_PREFIX}_session_changes",
            "session changes made here: logged_in, logged_out, revoked (a token CometChat no"
            " longer knows)",
            ["change"],
            registry=r,
        )
        for change in _CHANGES:
            self._changes.labels(change.value)
        self._state_errors = Counter(
            f"{_PREFIX}_state_errors",
            "session store operations that failed with STATE_UNAVAILABLE, by operation",
            ["operation"],
            registry=r,
        )
        for operation in _STORE_OPERATIONS:
            self._state_errors.labels(operation)
        self._ready = Gauge(
            f"{_PREFIX}_ready", "1 while /readyz answers 200 (started, not draining)", registry=r
        )
        self._started = Gauge(
            f"{_PREFIX}_start_time_seconds", "when this sidecar started, Unix time", registry=r
        )
        self._started.set_to_current_time()

    def rpc_finished(self, method: str, reason: str, code: str, seconds: float) -> None:
        children = self._rpc_children.get((method, reason, code))
        if children is None:
            label = reason if reason in _OWN_REASONS else "OTHER_UPSTREAM_CODE"
            children = (
                self._rpcs.labels(method, label, code),
                self._rpc_seconds.labels(method),
            )
            if len(self._rpc_children) < _CHILDREN_KEPT:
                self._rpc_children[(method, reason, code)] = children
        count, latency = children
        count.inc()
        latency.observe(seconds)

    def upstream_call(self, endpoint: str, status: str, seconds: float) -> None:
        self._upstream.labels(endpoint, status).inc()
        self._upstream_seconds.labels(endpoint).observe(seconds)

    def upstream_retry(self, endpoint: str, cause: str) -> None:
        self._retries.labels(endpoint, cause).inc()

    def breaker_changed(self, state: BreakerState) -> None:
        self._breaker.set(int(state))

    def upstream_reachable(self, reachable: bool) -> None:
        self._up.set(1 if reachable else 0)

    def set_live_sessions(self, count: int) -> None:
        self._sessions.set(count)

    def session_changed(self, change: Change) -> None:
        if change in _CHANGES:
            self._changes.labels(change.value).inc()

    def state_failed(self, operation: str) -> None:
        self._state_errors.labels(operation).inc()

    def report_readiness(self, ready: Callable[[], bool]) -> None:
        """The readiness gauge reads `ready()` at each scrape."""
        self._ready.set_function(lambda: 1.0 if ready() else 0.0)

    def render(self) -> bytes:
        """The text exposition format."""
        return generate_latest(self.registry)


class CountingStore:
    """A SessionStore that keeps the live-sessions gauge in step with the store it wraps,
    and counts the operations that fail with STATE_UNAVAILABLE."""

    def __init__(self, inner: SessionStore, metrics: Metrics) -> None:
        self._inner = inner
        self._metrics = metrics
        self._apps: set[str] = set()

    async def get(self, app: str) -> Session | None:
        # The hot path (every GetLoggedInUser): no context manager, and the gauge is
        # touched only when the app's presence changes.
        try:
            session = await self._inner.get(app)
        except SidecarError as error:
            self._failed("get", error)
            raise
        if (session is not None) is not (app in self._apps):
            self._note(app, session is not None)
        return session

    async def put(self, session: Session) -> None:
        with self._counting("put"):
            await self._inner.put(session)
        self._note(session.app, True)

    async def delete(self, app: str) -> None:
        with self._counting("delete"):
            await self._inner.delete(app)
        self._note(app, False)

    async def count(self) -> int:
        with self._counting("count"):
            return await self._inner.count()

    @contextlib.contextmanager
    def _counting(self, operation: str) -> Iterator[None]:
        try:
            yield
        except SidecarError as error:
            self._failed(operation, error)
            raise

    def _failed(self, operation: str, error: SidecarError) -> None:
        if error.reason == "STATE_UNAVAILABLE":
            self._metrics.state_failed(operation)

    def _note(self, app: str, present: bool) -> None:
        if present:
            self._apps.add(app)
        else:
            self._apps.discard(app)
        self._metrics.set_live_sessions(len(self._apps))

    def __repr__(self) -> str:
        return f"CountingStore({self._inner!r})"
