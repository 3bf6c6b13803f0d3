"""Users, sessions and app identities."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class UserStatus(enum.Enum):
    """A user's presence as CometChat reports it."""

    UNSPECIFIED = "unspecified"
    ONLINE = "online"
    OFFLINE = "offline"

    @classmethod
    def parse(cls, value: object) -> UserStatus:
        """Map CometChat's status string; anything unknown is UNSPECIFIED."""
        if value == "online":
            return cls.ONLINE
        if value == "offline":
            return cls.OFFLINE
        return cls.UNSPECIFIED


@dataclass(frozen=True, slots=True)
class CallsUser:
    """A CometChat user, as the Calls SDK presents it."""

    uid: str
    name: str
    avatar: str
    status: UserStatus


@dataclass(frozen=True, slots=True)
class AppIdentity:
    """Which local app is calling; decided before any service code runs."""

    name: str


@dataclass(frozen=True, slots=True)
class Session:
    """One app's logged-in state. The auth token is a secret: never in a repr."""

    app: str
    user: CallsUser
    auth_token: str = field(repr=False)
    # Identifies this session's CometChat device session (M1/M2's `resource`).
    device_id: str
    created_at: float


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """An auth token CometChat created for a user. The token is a secret: never in a repr."""

    uid: str
    auth_token: str = field(repr=False)
    created_at: int
