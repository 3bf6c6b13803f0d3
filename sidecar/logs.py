"""structlog set-up: one JSON object per line by default, on standard error.

As a last line of defence, every rendered event is scrubbed of the secrets the
sidecar was configured with (the held API key, app credentials). Auth tokens are
kept out of log calls by construction and tested for.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable, MutableMapping
from typing import Any, TextIO

import structlog

_REDACTED = "[REDACTED]"


class _Scrubber:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(s for s in secrets if len(s) >= 8)

    def __call__(self, _logger: Any, _name: str, event: MutableMapping[str, Any]) -> Any:
        if not self._secrets:
            return event
        for key, value in event.items():
            if isinstance(value, str) and any(s in value for s in self._secrets):
                for secret in self._secrets:
                    value = value.replace(secret, _REDACTED)
                event[key] = value
        return event


def configure_logging(
    level: str = "info",
    fmt: str = "json",
    *,
    stream: TextIO | None = None,
    secrets: Iterable[str] = (),
) -> None:
    """Configure structlog for the whole process."""
    # httpx and httpcore log every request's URL through the standard logging module, and
    # a revocation check (R5) carries the auth token in its path: keep them quiet whatever
    # an embedding application does to the root logger.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)
    renderer: Any = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            _Scrubber(secrets),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(stream or sys.stderr),
        cache_logger_on_first_use=False,
    )
