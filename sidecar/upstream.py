"""The CometChat adapter: the three calls the login flows make, over httpx.

Endpoint ids (R3, M1, M2) are those of the wire contract. Every failure becomes a
`SidecarError` whose reason is CometChat's own code, or one of the sidecar's
`UPSTREAM_*` reasons when CometChat could not be reached or answered outside its
envelope. Nothing CometChat says in free text is passed on: its messages may echo
what was sent, and what was sent includes secrets.
"""

from __future__ import annotations

import email.utils
import re
import time
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote

import httpx

from sidecar import __version__
from sidecar.domain import CallsUser, UserStatus
from sidecar.errors import SidecarError, fail, upstream_failure

_CODE_SHAPE: Final = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_PLATFORM: Final = "cometchat-auth-sidecar"
_SDK_HEADER: Final = f"{_PLATFORM}@{__version__}"


class CometChatGateway(Protocol):
    """What the session service needs from CometChat."""

    async def create_auth_token(self, uid: str, api_key: str) -> str:
        """R3: create (or reuse) an auth token for the user."""
        ...

    async def open_session(self, auth_token: str, device_id: str) -> CallsUser:
        """M1: open a client session with the token; answers the user."""
        ...

    async def close_session(self, auth_token: str, device_id: str) -> None:
        """M2: end the client session opened with the token."""
        ...


@dataclass(frozen=True, slots=True)
class Hosts:
    """Base URLs of CometChat's two APIs (or of an emulator standing in for them)."""

    api: str
    client: str

    @classmethod
    def for_app(cls, app_id: str, region: str) -> Hosts:
        region = region.lower()
        return cls(
            api=f"https://{app_id}.api-{region}.cometchat.io",
            client=f"https://{app_id}.apiclient-{region}.cometchat.io",
        )


class CometChatClient:
    """CometChat's REST and client APIs through one pooled `httpx.AsyncClient`."""

    def __init__(self, http: httpx.AsyncClient, *, app_id: str, hosts: Hosts) -> None:
        self._http = http
        self._app_id = app_id
        self._api = hosts.api.rstrip("/") + "/v3.0"
        self._client = hosts.client.rstrip("/") + "/v3.0"

    def _common_headers(self) -> dict[str, str]:
        return {
            "appId": self._app_id,
            "sdk": _SDK_HEADER,
            "Accept": "application/json",
        }

    async def create_auth_token(self, uid: str, api_key: str) -> str:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens"
        data = await self._call("R3", "POST", url, headers, {"platform": _PLATFORM})
        token = data.get("authToken")
        if not isinstance(token, str) or not token:
            raise fail("UPSTREAM_BAD_RESPONSE", endpoint="R3")
        return token

    async def open_session(self, auth_token: str, device_id: str) -> CallsUser:
        headers = self._common_headers() | {"authToken": auth_token, "resource": device_id}
        body = {"platform": _PLATFORM, "deviceId": device_id}
        data = await self._call("M1", "PUT", f"{self._client}/me", headers, body)
        uid = data.get("uid")
        if not isinstance(uid, str) or not uid:
            raise fail("UPSTREAM_BAD_RESPONSE", endpoint="M1")
        return CallsUser(
            uid=uid,
            name=_text(data.get("name")),
            avatar=_text(data.get("avatar")),
            status=UserStatus.parse(data.get("status")),
        )

    async def close_session(self, auth_token: str, device_id: str) -> None:
        headers = self._common_headers() | {"authToken": auth_token, "resource": device_id}
        await self._call("M2", "DELETE", f"{self._client}/me", headers, None)

    async def _call(
        self,
        endpoint: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None,
    ) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, headers=headers, json=body)
        except httpx.TimeoutException:
            raise fail("UPSTREAM_TIMEOUT", endpoint=endpoint) from None
        except httpx.HTTPError:
            # `from None`: httpx's exception text can quote the request.
            raise fail("UPSTREAM_UNAVAILABLE", endpoint=endpoint) from None
        return _unwrap(endpoint, response)


def _unwrap(endpoint: str, response: httpx.Response) -> dict[str, Any]:
    """Apply the envelope rule: failure is 'status not 200, or body has error'."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), dict):
        code = payload["error"].get("code")
        if isinstance(code, str) and _CODE_SHAPE.fullmatch(code):
            raise upstream_failure(
                code,
                response.status_code,
                endpoint=endpoint,
                retry_after=_retry_after(response),
            )
    if response.status_code != 200 or not isinstance(payload, dict):
        raise _unexpected(endpoint, response)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise _unexpected(endpoint, response)
    return data


def _unexpected(endpoint: str, response: httpx.Response) -> SidecarError:
    if response.status_code == 429:
        return upstream_failure(
            "ERR_TOO_MANY_REQUESTS", 429, endpoint=endpoint, retry_after=_retry_after(response)
        )
    error = fail("UPSTREAM_BAD_RESPONSE", endpoint=endpoint)
    error.metadata["http_status"] = str(response.status_code)
    return error


_RESET_HEADERS: Final = ("X-Rate-Limit-Reset", "X-RateLimit-Reset")


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds until a retry may succeed: Retry-After, else either reset header."""
    value = response.headers.get("Retry-After")
    if value is not None:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - time.time())
    for name in _RESET_HEADERS:
        reset = response.headers.get(name)
        if reset is not None and reset.strip().isdigit():
            seconds = int(reset.strip())
            # Either an epoch time (the documented "reset time") or a delay.
            return float(max(0, seconds - int(time.time()))) if seconds > 10**9 else float(seconds)
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
