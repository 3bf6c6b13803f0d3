"""The CometChat adapter: every call the sidecar makes to CometChat, over httpx.

Endpoint ids (R2, R3, R5, R7, R8, M1, M2, C1) are those of the wire contract. Every
failure becomes a `SidecarError` whose reason is CometChat's own code, or one of the sidecar's
`UPSTREAM_*` reasons when CometChat could not be reached or answered outside its
envelope. Nothing CometChat says in free text is passed on: its messages may echo
what was sent, and what was sent includes secrets.

Each call is bounded by the total timeout and by the caller's deadline (`sidecar.deadline`),
whichever comes first; each try by the connect and read timeouts within that. Tries are
retried (capped exponential backoff, full jitter, bounded attempts) on connection errors,
timeouts, HTTP 502/503/504 and 429 (after CometChat's own delay), never on another 4xx.
The login flow's calls are safe to repeat: R3 is sent without `force` there, so a repeat
answers an existing token; M1 with the same device id opens the same device session; M2
ends it. R2 (a repeat answers ERR_UID_ALREADY_EXISTS, taken as success), R5, R7, R8 (a
repeat answers "not found", taken as success) and C1 (a new call token nobody holds yet)
are too. R3 with `force` is not: a repeat after a lost answer would mint a second token,
so it is repeated only on 429, when CometChat said it did nothing.
A circuit breaker fails calls fast while CometChat keeps failing.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import time
from dataclasses import dataclass
from typing import Any, Final, Protocol
from urllib.parse import quote, urlsplit

import httpx

from sidecar import __version__
from sidecar.adapters.cometchat.deadline import time_remaining
from sidecar.adapters.cometchat.resilience import BreakerOpen, CircuitBreaker, RetryPolicy
from sidecar.adapters.cometchat.transport import is_timeout
from sidecar.adapters.tracing import TrySpan, UpstreamTracer
from sidecar.domain.errors import SidecarError, fail, upstream_failure
from sidecar.domain.model import CallsUser, IssuedToken, UserStatus

_CODE_SHAPE: Final = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_PLATFORM: Final = "cometchat-auth-sidecar"
_SDK_HEADER: Final = f"{_PLATFORM}@{__version__}"


class UpstreamObserver(Protocol):
    """Told about every try and every retry (metrics). Labels are endpoint ids and statuses."""

    def upstream_call(self, endpoint: str, status: str, seconds: float) -> None:
        """One HTTP try ended: `status` is the HTTP status, `timeout` or `connection_error`."""
        ...

    def upstream_retry(self, endpoint: str, cause: str) -> None:
        """A failed try of `endpoint` is about to be repeated because of `cause`."""
        ...


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Per try: `connect` and `read`; per call, all tries and waits included: `total`."""

    connect: float = 3.0
    read: float = 5.0
    total: float = 10.0


# HTTP statuses after which a repeat may succeed (and that say CometChat is unwell).
_RETRY_STATUSES: Final = frozenset({502, 503, 504})
# Answer the app in time: stop upstream work this long before the caller's deadline.
_DEADLINE_MARGIN_MIN: Final = 0.02
_DEADLINE_MARGIN_MAX: Final = 0.25


@dataclass(frozen=True, slots=True)
class Hosts:
    """Base URLs of CometChat's REST, client and call APIs (or of an emulator's)."""

    api: str
    client: str
    call: str

    @classmethod
    def for_app(cls, app_id: str, region: str) -> Hosts:
        region = region.lower()
        return cls(
            api=f"https://{app_id}.api-{region}.cometchat.io",
            client=f"https://{app_id}.apiclient-{region}.cometchat.io",
            call=f"https://{app_id}.call-{region}.cometchat.io",
        )


class CometChatClient:
    """CometChat's REST and client APIs through one pooled `httpx.AsyncClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        app_id: str,
        hosts: Hosts,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        observer: UpstreamObserver | None = None,
        tracer: UpstreamTracer | None = None,
    ) -> None:
        self._http = http
        self._app_id = app_id
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._breaker = breaker or CircuitBreaker()
        self._observer = observer
        self._api = hosts.api.rstrip("/") + "/v3.0"
        self._client = hosts.client.rstrip("/") + "/v3.0"
        self._calls = hosts.call.rstrip("/") + "/v3.0"
        self._tracer = tracer
        self._servers = {
            "api": _server_of(hosts.api),
            "client": _server_of(hosts.client),
            "call": _server_of(hosts.call),
        }

    def _common_headers(self) -> dict[str, str]:
        return {
            "appId": self._app_id,
            "sdk": _SDK_HEADER,
            "Accept": "application/json",
        }

    async def create_auth_token(self, uid: str, api_key: str) -> str:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens"
        data = await self._call("R3", "POST", url, headers, {"platform": _PLATFORM}, "api")
        return _required_text(data, "authToken", "R3")

    async def open_session(self, auth_token: str, device_id: str) -> CallsUser:
        headers = self._common_headers() | {"authToken": auth_token, "resource": device_id}
        body = {"platform": _PLATFORM, "deviceId": device_id}
        data = await self._call("M1", "PUT", f"{self._client}/me", headers, body, "client")
        uid = _required_text(data, "uid", "M1")
        return CallsUser(
            uid=uid,
            name=_text(data.get("name")),
            avatar=_text(data.get("avatar")),
            status=UserStatus.parse(data.get("status")),
        )

    async def close_session(self, auth_token: str, device_id: str) -> None:
        headers = self._common_headers() | {"authToken": auth_token, "resource": device_id}
        await self._call("M2", "DELETE", f"{self._client}/me", headers, None, "client")

    async def check_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens/{quote(auth_token, safe='')}"
        await self._call("R5", "GET", url, headers, None, "api")

    async def create_call_token(self, auth_token: str, session_id: str) -> str:
        # The Calls SDK's request exactly: these headers, and the session id alone.
        headers = {
            "authToken": auth_token,
            "appId": self._app_id,
            "Accept": "application/json",
        }
        url = f"{self._calls}/call_tokens"
        data = await self._call("C1", "POST", url, headers, {"sessionId": session_id}, "call")
        return _required_text(data, "token", "C1")

    async def issue_auth_token(self, uid: str, api_key: str) -> IssuedToken:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens"
        body = {"force": True, "platform": _PLATFORM}
        data = await self._call("R3", "POST", url, headers, body, "api", repeatable=False)
        token, owner, created_at = data.get("authToken"), data.get("uid"), data.get("createdAt")
        if (
            not isinstance(token, str)
            or not token
            or not isinstance(owner, str)
            or not owner
            or isinstance(created_at, bool)
            or not isinstance(created_at, int)
        ):
            raise fail("UPSTREAM_BAD_RESPONSE", endpoint="R3")
        return IssuedToken(owner, token, created_at)

    async def create_user(self, uid: str, name: str, api_key: str) -> None:
        headers = self._common_headers() | {"apikey": api_key}
        body = {"uid": uid, "name": name}
        await self._call("R2", "POST", f"{self._api}/users", headers, body, "api")

    async def revoke_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens/{quote(auth_token, safe='')}"
        await self._call("R7", "DELETE", url, headers, None, "api")

    async def revoke_all_auth_tokens(self, uid: str, api_key: str) -> None:
        headers = self._common_headers() | {"apikey": api_key}
        url = f"{self._api}/users/{quote(uid, safe='')}/auth_tokens"
        await self._call("R8", "DELETE", url, headers, None, "api")

    async def _call(
        self,
        endpoint: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None,
        host: str,
        *,
        repeatable: bool = True,
    ) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + self._budget(endpoint)
        attempt = 0
        tracer = self._tracer
        while True:
            attempt += 1
            refused: BreakerOpen | None = None
            try:
                self._breaker.before_call()
            except BreakerOpen as error:
                refused = error
            span = None
            if tracer is not None:
                # The breaker's state as it admitted (or refused) this try.
                span = tracer.start_try(
                    endpoint,
                    method,
                    _URL_TEMPLATES[endpoint],
                    self._servers[host],
                    attempt,
                    self._breaker.state.name.lower(),
                )
            try:
                outcome = await self._attempt(
                    endpoint,
                    method,
                    url,
                    headers,
                    body,
                    ends_at,
                    attempt,
                    refused,
                    span,
                    repeatable,
                )
            finally:
                if span is not None:
                    span.end()
            if isinstance(outcome, dict):
                return outcome
            await asyncio.sleep(outcome)

    async def _attempt(
        self,
        endpoint: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None,
        ends_at: float,
        attempt: int,
        refused: BreakerOpen | None,
        span: TrySpan | None,
        repeatable: bool,
    ) -> dict[str, Any] | float:
        """Try `attempt` (unless the breaker `refused` it): its data, or how long to wait
        before the next; raises when no retry may help."""
        loop = asyncio.get_running_loop()
        if refused is not None:
            if span is not None:
                span.refused(refused.retry_after)
            raise fail(
                "UPSTREAM_CIRCUIT_OPEN", retry_after=refused.retry_after, endpoint=endpoint
            ) from None
        remaining = ends_at - loop.time()
        if remaining <= 0:
            self._breaker.record_neutral()
            if span is not None:
                span.failed("UPSTREAM_TIMEOUT", None)
            raise fail("UPSTREAM_TIMEOUT", endpoint=endpoint)
        if span is not None:
            forwarded = span.outgoing_headers()
            if forwarded:
                headers = headers | forwarded
        outcome = await self._try(endpoint, method, url, headers, body, remaining, span)
        if not isinstance(outcome, SidecarError):
            return outcome
        error = outcome
        if span is not None:
            span.failed(error.reason, error.retry_after)
        wait = self._retry_wait(error, attempt, repeatable)
        if wait is None or wait >= ends_at - loop.time():
            raise error
        cause = _cause(error)
        if self._observer is not None:
            self._observer.upstream_retry(endpoint, cause)
        if span is not None:
            span.retrying(cause, wait)
        return wait

    def _budget(self, endpoint: str) -> float:
        """Seconds this call may take: the total timeout, cut short by the caller's deadline."""
        budget = self._timeouts.total
        left = time_remaining()
        if left is not None:
            margin = min(_DEADLINE_MARGIN_MAX, max(_DEADLINE_MARGIN_MIN, left * 0.1))
            budget = min(budget, left - margin)
        if budget <= 0:
            raise fail("UPSTREAM_TIMEOUT", endpoint=endpoint)
        return budget

    async def _try(
        self,
        endpoint: str,
        method: str,
        url: str,
        headers: dict[str, str],
        body: dict[str, Any] | None,
        remaining: float,
        span: TrySpan | None,
    ) -> SidecarError | dict[str, Any]:
        """One HTTP exchange: its data or its error. Tells the breaker and the observer."""
        timeout = httpx.Timeout(
            min(self._timeouts.read, remaining),
            connect=min(self._timeouts.connect, remaining),
        )
        started = time.perf_counter()
        status = "connection_error"
        try:
            try:
                async with asyncio.timeout(remaining):
                    response = await self._http.request(
                        method, url, headers=headers, json=body, timeout=timeout
                    )
            except (TimeoutError, httpx.HTTPError) as error:
                # The error itself is dropped here: its text can quote the request.
                self._breaker.record_failure()
                if is_timeout(error):
                    status = "timeout"
                    return fail("UPSTREAM_TIMEOUT", endpoint=endpoint)
                return fail("UPSTREAM_UNAVAILABLE", endpoint=endpoint)
            except asyncio.CancelledError:
                status = "cancelled"
                self._breaker.record_neutral()
                raise
            status = str(response.status_code)
            try:
                data = _unwrap(endpoint, response)
            except SidecarError as error:
                if response.status_code >= 500 or error.reason == "UPSTREAM_BAD_RESPONSE":
                    self._breaker.record_failure()
                else:
                    self._breaker.record_success()  # CometChat is up; it refused this request
                return error
            self._breaker.record_success()
            return data
        finally:
            if self._observer is not None:
                self._observer.upstream_call(endpoint, status, time.perf_counter() - started)
            if span is not None:
                span.answered(status)

    def _retry_wait(self, error: SidecarError, attempt: int, repeatable: bool) -> float | None:
        """How long to wait before trying again, or None when no retry may help. A call
        that is not `repeatable` is repeated only after a 429 (nothing was done)."""
        if attempt >= self._retry.max_attempts:
            return None
        http_status = int(error.metadata.get("http_status", "0"))
        if not repeatable and http_status != 429:
            return None
        if error.reason in ("UPSTREAM_UNAVAILABLE", "UPSTREAM_TIMEOUT"):
            return self._retry.backoff(attempt)
        if http_status == 429:
            # Never sooner than CometChat asked. A longer wait than the backoff cap is the
            # app's to decide: it gets RESOURCE_EXHAUSTED with the delay in RetryInfo now.
            backoff = self._retry.backoff(attempt)
            if error.retry_after is None:
                return backoff
            return error.retry_after if error.retry_after <= self._retry.cap_seconds else None
        if http_status in _RETRY_STATUSES:
            return self._retry.backoff(attempt)
        return None


# Each endpoint's path with its variables named, never filled in: a span may carry these.
_URL_TEMPLATES: Final = {
    "R2": "/v3.0/users",
    "R3": "/v3.0/users/{uid}/auth_tokens",
    "R5": "/v3.0/users/{uid}/auth_tokens/{authToken}",
    "R7": "/v3.0/users/{uid}/auth_tokens/{authToken}",
    "R8": "/v3.0/users/{uid}/auth_tokens",
    "M1": "/v3.0/me",
    "M2": "/v3.0/me",
    "C1": "/v3.0/call_tokens",
}


def _server_of(base_url: str) -> tuple[str, int]:
    parts = urlsplit(base_url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


def _cause(error: SidecarError) -> str:
    """A bounded label for why a try is repeated."""
    if error.reason == "UPSTREAM_TIMEOUT":
        return "timeout"
    if error.reason == "UPSTREAM_UNAVAILABLE":
        return "connection_error"
    return error.metadata.get("http_status", "other")


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
    return fail("UPSTREAM_BAD_RESPONSE", endpoint=endpoint, http_status=str(response.status_code))


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


def _required_text(data: dict[str, Any], key: str, endpoint: str) -> str:
    """`data[key]`, a non-empty string, or CometChat's answer is not what it should be."""
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise fail("UPSTREAM_BAD_RESPONSE", endpoint=endpoint)
    return value
