"""The fingerprints of the auth tokens each app issued, kept in memory (bounded per app)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

# Per app; past this the oldest fingerprints are forgotten first, and revoking one of
# those tokens through the sidecar is refused (ERROR_TOKEN_NOT_ISSUED_BY_APP).
ISSUED_TOKENS_PER_APP: Final = 10_000


class MemoryIssuedTokens:
    """`IssuedTokens` in this process's memory: lost on restart, like memory sessions."""

    def __init__(self, per_app: int = ISSUED_TOKENS_PER_APP) -> None:
        if per_app < 1:
            raise ValueError("per_app must be at least 1")
        self._per_app = per_app
        # app -> fingerprint -> user key, oldest first.
        self._apps: dict[str, OrderedDict[str, str]] = {}

    async def add(self, app: str, user: str, fingerprint: str) -> None:
        issued = self._apps.setdefault(app, OrderedDict())
        issued[fingerprint] = user
        issued.move_to_end(fingerprint)
        while len(issued) > self._per_app:
            issued.popitem(last=False)

    async def holds(self, app: str, user: str, fingerprint: str) -> bool:
        issued = self._apps.get(app)
        return issued is not None and issued.get(fingerprint) == user

    async def discard(self, app: str, user: str, fingerprint: str) -> None:
        issued = self._apps.get(app)
        if issued is not None and issued.get(fingerprint) == user:
            del issued[fingerprint]

    async def discard_user(self, app: str, user: str) -> None:
        issued = self._apps.get(app)
        if issued is not None:
            for fingerprint in [f for f, owner in issued.items() if owner == user]:
                del issued[fingerprint]
