"""Session changes: what happened to an app's session, and the user after it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sidecar.domain.model import CallsUser


class Change(enum.Enum):
    """What happened to an app's session."""

    CURRENT = "current"
    LOGGED_IN = "logged_in"
    LOGGED_OUT = "logged_out"
    REVOKED = "revoked"


@dataclass(frozen=True, slots=True)
class SessionEvent:
    """One change of `app`'s session; `user` is who is logged in after it (None: nobody)."""

    app: str
    change: Change
    user: CallsUser | None
