"""The access log: one "rpc" line per call, and the same facts to the RPC observer (metrics)."""

from __future__ import annotations

from typing import Protocol

import structlog

_log = structlog.get_logger(__name__)


class RpcObserver(Protocol):
    """Told how every RPC ended (the metrics). Labels are method names, reasons and codes."""

    def rpc_finished(self, method: str, reason: str, code: str, seconds: float) -> None: ...


def record_rpc(
    observer: RpcObserver | None,
    *,
    method: str,
    app: str | None,
    reason: str,
    code: str,
    seconds: float,
    uid: str | None = None,
    **extra: object,
) -> None:
    """Log the call's one line and tell the observer. Never given a secret to log."""
    if observer is not None:
        observer.rpc_finished(method, reason, code, seconds)
    _log.info(
        "rpc",
        method=method,
        app=app,
        uid=uid,
        reason=reason,
        code=code,
        duration_ms=round(seconds * 1000, 3),
        **extra,
    )
