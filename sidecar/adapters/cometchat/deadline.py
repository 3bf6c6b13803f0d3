"""The caller's deadline, handed from the gRPC entrypoint to the adapters without gRPC imports.

The servicer sets it from `context.time_remaining()`; a login flight started by that call
inherits it (asyncio tasks copy the context they are created in), so its upstream calls
stop when the caller that started the flight would give up.
"""

from __future__ import annotations

import contextvars
import time

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "call_deadline", default=None
)


def set_deadline_in(seconds: float | None) -> None:
    """The current call must finish within `seconds` from now (None: no deadline)."""
    _deadline.set(None if seconds is None else time.monotonic() + seconds)


def time_remaining() -> float | None:
    """Seconds left before the current call's deadline; None when it has none."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()
