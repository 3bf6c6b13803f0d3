"""Fakes for unit tests of the session service (the real adapters have their own tests)."""

from __future__ import annotations

import asyncio

from sidecar.domain.errors import SidecarError
from sidecar.domain.model import CallsUser, UserStatus


class FakeGateway:
    """A CometChat that answers from a dict and can be held mid-call."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.release = asyncio.Event()
        self.release.set()
        self.entered = asyncio.Event()
        self.cancelled = 0
        self.close_error: SidecarError | None = None
        self.check_error: SidecarError | None = None

    async def _pause(self) -> None:
        self.entered.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise

    async def create_auth_token(self, uid: str, api_key: str) -> str:
        self.calls.append(f"R3 {uid}")
        await self._pause()
        return f"token-of-{uid.lower()}"

    async def open_session(self, auth_token: str, device_id: str) -> CallsUser:
        self.calls.append("M1")
        await self._pause()
        uid = auth_token.removeprefix("token-of-")
        return CallsUser(uid=uid, name=uid.title(), avatar="", status=UserStatus.ONLINE)

    async def close_session(self, auth_token: str, device_id: str) -> None:
        self.calls.append("M2")
        if self.close_error is not None:
            raise self.close_error

    async def check_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        self.calls.append(f"R5 {uid}")
        if self.check_error is not None:
            raise self.check_error
