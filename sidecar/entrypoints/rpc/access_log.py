"""The access log: one "rpc" line per call, and the same facts to the RPC observer (metrics).

Every call that changes state and every error is logged at info; a successful read
(`GetLoggedInUser`, the start of `WatchSession`) at debug, so a busy app's reads do not
flood the log or cost the hot path a rendered line each. The metrics count all of them.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import structlog


class _BoundOnce:
    """A logger bound once per structlog configuration.

    A module-level `structlog.get_logger()` proxy builds a new bound logger for every
    call; on the access log, once per RPC, that is measurable (bench/). This one binds
    again only when the configuration changes (a SIGHUP reload, a test's own set-up).
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._processors: object = None
        self._wrapper: object = None
        self._factory: object = None
        self._logger: Any = None

    def get(self) -> Any:
        config = structlog.get_config()
        processors, wrapper = config["processors"], config["wrapper_class"]
        factory = config["logger_factory"]
        if (
            processors is not self._processors
            or wrapper is not self._wrapper
            or factory is not self._factory
        ):
            self._logger = structlog.get_logger(self._name).bind()
            self._processors, self._wrapper, self._factory = processors, wrapper, factory
        return self._logger


_log = _BoundOnce(__name__)


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
    quiet: bool = False,
    **extra: object,
) -> None:
    """Log the call's one line (at debug when `quiet`) and tell the observer.

    Never given a secret to log.
    """
    if observer is not None:
        observer.rpc_finished(method, reason, code, seconds)
    logger = _log.get()
    if quiet and not logger.is_enabled_for(logging.DEBUG):
        return
    (logger.debug if quiet else logger.info)(
        "rpc",
        method=method,
        app=app,
        uid=uid,
        reason=reason,
        code=code,
        duration_ms=round(seconds * 1000, 3),
        **extra,
    )
