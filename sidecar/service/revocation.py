"""The background revocation check: is each session's auth token still known to CometChat?

The Calls SDK drops its session when the client API answers
`AUTH_ERR_AUTH_TOKEN_NOT_FOUND`. The sidecar makes no client-API call while a
session just sits there, so it asks: R5 (`GET users/{uid}/auth_tokens/{token}`)
with the held key, every `interval` seconds give or take `jitter` (so replicas and
restarts do not call in step). R5 needs a REST API (fullAccess) key: with an Auth
Key CometChat answers `AUTH_ERR_NO_ACCESS`; that is logged once and the checks
stop, leaving revocation to be noticed on the client-API calls only.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import Final

import structlog

from sidecar.domain.errors import SidecarError
from sidecar.service.sessions import SessionService

_log = structlog.get_logger(__name__)
JITTER: Final = 0.2


async def watch_revocations(
    service: SessionService,
    apps: Callable[[], Sequence[str]],
    interval: float,
    *,
    jitter: float = JITTER,
    rng: Callable[[], float] = random.random,
) -> None:
    """Check the session of each app `apps()` names, every (jittered) interval, until
    cancelled. A callable, so apps added by a credentials reload are checked too."""
    while True:
        await asyncio.sleep(interval * (1 - jitter + 2 * jitter * rng()))
        for app in apps():
            try:
                await service.check_revocation(app)
            except SidecarError as error:
                if error.reason == "AUTH_ERR_NO_ACCESS":
                    _log.warning(
                        "revocation_check_no_access",
                        message="the held API key may not read auth tokens (R5 needs a REST API "
                        "key, not an Auth Key): background revocation checks are off; a revoked "
                        "token is noticed only when CometChat refuses it on a client-API call",
                    )
                    return
                _log.warning("revocation_check_failed", app=app, reason=error.reason)
            except Exception as error:
                _log.error("revocation_check_failed", app=app, error_type=type(error).__name__)
