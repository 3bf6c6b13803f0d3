"""One RPC's life on the server side: who is calling, admission, the deadline, the access
log line, and the mapping of its errors to rich statuses.

Every servicer method of every service runs through `CallRunner.run`, so each call gets
the same identity check (the listener's authenticator), the same undecodable-request
answer, the same per-app in-flight limit and exactly one log line.
"""

from __future__ import annotations

import asyncio
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

from sidecar.adapters.cometchat.deadline import set_deadline_in
from sidecar.adapters.tracing import RpcSpan, RpcTracer
from sidecar.domain.errors import SidecarError, fail
from sidecar.domain.model import AppIdentity
from sidecar.entrypoints.rpc.access_log import RpcObserver, record_rpc
from sidecar.entrypoints.rpc.handlers import UNDECODABLE
from sidecar.entrypoints.rpc.identity import Authenticator
from sidecar.entrypoints.rpc.status import to_status

if TYPE_CHECKING:
    import grpc

    _Context = grpc.aio.ServicerContext[Any, Any]

_T = TypeVar("_T")
_Request = TypeVar("_Request")
# A UID in a log line is shortened: hostile input should not make huge lines.
_LOGGED_UID_MAX: Final = 128
# How soon a caller refused by the in-flight limit may try again.
_IN_FLIGHT_RETRY_SECONDS: Final = 0.05


class InFlightLimits:
    """At most `limit` unary calls of one app in flight at once, across every listener.

    One app's flood of calls then cannot fill the shared event loop's queue for the
    others: calls over the limit are answered at once with
    `ERROR_TOO_MANY_CALLS_IN_FLIGHT` and a short RetryInfo.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("an in-flight limit must be at least 1")
        self._limit = limit
        self._in_flight: dict[str, int] = {}

    def enter(self, app: str) -> None:
        """Count one more call of `app`, or raise when it already has `limit` in flight."""
        count = self._in_flight.get(app, 0)
        if count >= self._limit:
            raise fail("ERROR_TOO_MANY_CALLS_IN_FLIGHT", retry_after=_IN_FLIGHT_RETRY_SECONDS)
        self._in_flight[app] = count + 1

    def leave(self, app: str) -> None:
        count = self._in_flight[app] - 1
        if count:
            self._in_flight[app] = count
        else:
            del self._in_flight[app]


class CallRunner:
    """Runs a listener's calls: its authenticator names the app of each.

    With a `tracer` (tracing on) each call runs inside its server span, continuing the
    caller's W3C trace context; without one (the default) no span is made at all.
    """

    def __init__(
        self,
        authenticator: Authenticator,
        observer: RpcObserver | None = None,
        limits: InFlightLimits | None = None,
        tracer: RpcTracer | None = None,
    ) -> None:
        self._authenticator = authenticator
        self._observer = observer
        self._limits = limits
        self._tracer = tracer

    async def identify(
        self, request: object, context: _Context, method: str, span: RpcSpan | None = None
    ) -> AppIdentity:
        """The calling app, or the call is refused (logged, aborted: this raises then)."""
        try:
            app = self._authenticator.identify(context)
        except SidecarError as error:
            await self._refuse(context, method, None, error, span)
        if request is UNDECODABLE:
            await self._refuse(context, method, app, fail("ERROR_MALFORMED_REQUEST"), span)
        return app

    async def run(
        self,
        request: _Request,
        context: _Context,
        method: str,
        call: Callable[[AppIdentity], Awaitable[_T]],
        *,
        request_uid: Callable[[_Request], str] | None = None,
        uid_of: Callable[[_T], str | None] | None = None,
        read: bool = False,
        upstream: bool = True,
        app: AppIdentity | None = None,
    ) -> _T:
        """Identify the caller (unless `app` is known), run `call` for it, log one line.

        `request_uid` finds the UID the request names; else `uid_of` finds it in the answer. A
        successful `read` is logged at debug. `upstream` calls may reach CometChat, so
        the caller's deadline is handed on to them.
        """
        started = time.perf_counter()
        tracer = self._tracer
        span = tracer.start_rpc(method, context.invocation_metadata() or ()) if tracer else None
        try:
            if app is None:
                app = await self.identify(request, context, method, span)
            logged_uid = request_uid(request)[:_LOGGED_UID_MAX] if request_uid is not None else None
            limits = self._limits
            try:
                if limits is not None:
                    limits.enter(app.name)
            except SidecarError as error:
                self._log(method, app, logged_uid, error.reason, error.spec.code, started, span)
                await context.abort_with_status(to_status(error))
                raise  # unreachable: abort_with_status raises
            try:
                if upstream:
                    # Upstream calls made for this RPC stop before the caller gives up.
                    set_deadline_in(context.time_remaining())
                result = await call(app)
            except SidecarError as error:
                self._log(method, app, logged_uid, error.reason, error.spec.code, started, span)
                await context.abort_with_status(to_status(error))
                raise  # unreachable: abort_with_status raises
            except asyncio.CancelledError:
                self._log(method, app, logged_uid, "CANCELLED", "CANCELLED", started, span)
                raise
            except Exception as error:
                # Only the type and the frames: an exception's text may quote what was sent.
                frames = [
                    f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(error.__traceback__)
                ]
                self._log(
                    method,
                    app,
                    logged_uid,
                    "INTERNAL",
                    "INTERNAL",
                    started,
                    span,
                    error_type=type(error).__name__,
                    frames=frames[-5:],
                )
                await context.abort_with_status(to_status(fail("INTERNAL")))
                raise  # unreachable
            finally:
                if limits is not None:
                    limits.leave(app.name)
            if logged_uid is None and uid_of is not None:
                logged_uid = uid_of(result)
            self._log(method, app, logged_uid, "OK", "OK", started, span, quiet=read)
            return result
        finally:
            if span is not None:
                span.end()

    def _log(
        self,
        method: str,
        app: AppIdentity | None,
        uid: str | None,
        reason: str,
        code: str,
        started: float | None,
        span: RpcSpan | None = None,
        *,
        quiet: bool = False,
        **extra: object,
    ) -> None:
        if span is not None:
            # The uid stays in the log line: a span carries no user.
            span.outcome(app.name if app is not None else None, reason, code)
        record_rpc(
            self._observer,
            method=method,
            app=app.name if app is not None else None,
            uid=uid,
            reason=reason,
            code=code,
            seconds=time.perf_counter() - started if started is not None else 0.0,
            quiet=quiet,
            **extra,
        )

    async def _refuse(
        self,
        context: _Context,
        method: str,
        app: AppIdentity | None,
        error: SidecarError,
        span: RpcSpan | None = None,
    ) -> NoReturn:
        self._log(method, app, None, error.reason, error.spec.code, None, span)
        await context.abort_with_status(to_status(error))
        raise AssertionError("abort_with_status returned")  # it always raises
