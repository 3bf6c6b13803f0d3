"""Request handling without I/O: routing, auth, handlers, envelopes, counting and faults.

The server turns bytes into a `Request`, calls `Application.dispatch`, and writes back the
`Reply` (or closes the socket for `DropConnection`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from enum import Enum, StrEnum
from typing import Any, Final
from urllib.parse import unquote

from sidecar.emulator.codes import ERRORS, ApiError
from sidecar.emulator.config import EmulatorConfig
from sidecar.emulator.faults import Fault, FaultKind, FaultPlan, FaultPolicy
from sidecar.emulator.state import EmulatorState, RequestCounter, RouteId, parse_route

_VERSION_PREFIXES: Final = frozenset({"v3", "v3.0"})
_ADMIN_PREFIX: Final = "/_emulator/"
# Requests kept per route for `Emulator.received` (what the sidecar really sent).
_RECEIVED_KEPT: Final = 64
# The emulator's call tokens live this long (CometChat does not document theirs).
CALL_TOKEN_SECONDS: Final = 3600


class Listener(StrEnum):
    """The three hosts of the real service."""

    API = "api"
    CLIENT = "client"
    CALL = "call"


class _Scope(Enum):
    FULL_ACCESS = "fullAccess"
    AUTH_ONLY = "authOnly"


@dataclass(frozen=True)
class Request:
    method: str
    target: str
    """The raw request target: path still percent-encoded, query string included."""
    headers: Mapping[str, str]
    """Header names lower-cased, since HTTP header names are case-insensitive."""
    body: bytes


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    """Seconds to wait before sending (injected latency)."""


@dataclass(frozen=True)
class DropConnection:
    """Close the socket without answering; `reset` makes it a TCP reset."""

    reset: bool = False
    delay: float = 0.0


@dataclass(frozen=True)
class Hang:
    """Never answer; keep the socket open until the client closes it."""

    delay: float = 0.0


@dataclass(frozen=True)
class Received:
    """One request as the emulator received it: its headers (names lower-cased) and body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


class RequestLog:
    """The last requests of each route, thread-safe like the counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[RouteId, deque[Received]] = {}

    def add(self, route: RouteId, request: Received) -> None:
        with self._lock:
            self._requests.setdefault(route, deque(maxlen=_RECEIVED_KEPT)).append(request)

    def of(self, route: RouteId) -> list[Received]:
        with self._lock:
            return list(self._requests.get(route, ()))

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()


Outcome = Reply | DropConnection | Hang
JsonObject = dict[str, Any]
_Handler = Callable[[Request, Mapping[str, str]], JsonObject]


@dataclass(frozen=True)
class _Route:
    route_id: RouteId
    listener: Listener
    method: str
    pattern: tuple[str, ...]
    """Path segments after the version; `{name}` segments are captured as parameters."""
    handler: _Handler
    auth_only_allowed: bool = False


class Application:
    """The CometChat API as the emulator answers it."""

    def __init__(
        self,
        config: EmulatorConfig,
        state: EmulatorState,
        counter: RequestCounter,
        faults: FaultPlan,
    ) -> None:
        self._config = config
        self._state = state
        self._counter = counter
        self._faults = faults
        self.received = RequestLog()
        self._call_token_key = secrets.token_bytes(32)
        self._scopes = {
            config.full_access_key: _Scope.FULL_ACCESS,
            config.auth_only_key: _Scope.AUTH_ONLY,
        }
        api, client, call = Listener.API, Listener.CLIENT, Listener.CALL
        self._routes = (
            _Route(RouteId.R1, api, "GET", ("users", "{uid}"), self._get_user),
            _Route(RouteId.R2, api, "POST", ("users",), self._create_user, auth_only_allowed=True),
            _Route(
                RouteId.R3,
                api,
                "POST",
                ("users", "{uid}", "auth_tokens"),
                self._create_auth_token,
                auth_only_allowed=True,
            ),
            _Route(
                RouteId.R5,
                api,
                "GET",
                ("users", "{uid}", "auth_tokens", "{token}"),
                self._get_auth_token,
            ),
            _Route(
                RouteId.R7,
                api,
                "DELETE",
                ("users", "{uid}", "auth_tokens", "{token}"),
                self._revoke_auth_token,
            ),
            _Route(
                RouteId.R8,
                api,
                "DELETE",
                ("users", "{uid}", "auth_tokens"),
                self._revoke_all_auth_tokens,
            ),
            _Route(RouteId.M1, client, "PUT", ("me",), self._login),
            _Route(RouteId.M2, client, "DELETE", ("me",), self._logout),
            _Route(RouteId.C1, call, "POST", ("call_tokens",), self._create_call_token),
        )

    def dispatch(self, listener: Listener, request: Request) -> Outcome:
        path = request.target.partition("?")[0]
        if listener is Listener.API and path.startswith(_ADMIN_PREFIX):
            return self._admin(request.method, path[len(_ADMIN_PREFIX) :], request.body)
        match = self._match(listener, request.method, path)
        if match is None:
            self._counter.add(RouteId.OTHER)
            return error_reply(ApiError("ERR_API_NOT_FOUND"))
        route, params = match
        self._counter.add(route.route_id, request.headers.get("traceparent"))
        self.received.add(
            route.route_id, Received(request.method, path, dict(request.headers), request.body)
        )
        delay = self._faults.latency(route.route_id)
        fault = self._faults.take(route.route_id)
        if fault is not None:
            return replace(_fault_outcome(fault), delay=delay)
        try:
            if route.listener is Listener.API:
                self._authenticate_api(route, request.headers)
            elif route.listener is Listener.CLIENT:
                self._authenticate_client(request.headers)
            else:
                self._authenticate_call(request.headers)
            data = route.handler(request, params)
        except ApiError as error:
            return replace(error_reply(error), delay=delay)
        return replace(_json_reply(200, {"data": data}), delay=delay)

    def _match(
        self, listener: Listener, method: str, path: str
    ) -> tuple[_Route, dict[str, str]] | None:
        # Split before decoding, so an encoded "/" stays inside its segment.
        raw = path.split("/")
        if len(raw) < 3 or raw[0] != "" or raw[1] not in _VERSION_PREFIXES:
            return None
        segments = [unquote(s) for s in raw[2:]]
        for route in self._routes:
            if route.listener is not listener or route.method != method:
                continue
            params = _bind(route.pattern, segments)
            if params is not None:
                return route, params
        return None

    def _authenticate_api(self, route: _Route, headers: Mapping[str, str]) -> None:
        key = headers.get("apikey")
        if not key:
            raise ApiError("AUTH_ERR_EMPTY_APIKEY")
        scope = self._scopes.get(key)
        if scope is None:
            raise ApiError("AUTH_ERR_APIKEY_NOT_FOUND")
        app_id = headers.get("appid")
        if app_id and app_id != self._config.app_id:
            raise ApiError("AUTH_ERR_INVALID_APPID")
        if scope is _Scope.AUTH_ONLY and not route.auth_only_allowed:
            raise ApiError("AUTH_ERR_NO_ACCESS")

    def _authenticate_client(self, headers: Mapping[str, str]) -> None:
        app_id = headers.get("appid")
        if not app_id:
            raise ApiError("AUTH_ERR_EMPTY_APPID")
        if app_id != self._config.app_id:
            raise ApiError("AUTH_ERR_INVALID_APPID")
        token = headers.get("authtoken")
        if not token:
            raise ApiError("AUTH_ERR_EMPTY_AUTH_TOKEN")
        self._state.check_token(token)

    def _authenticate_call(self, headers: Mapping[str, str]) -> None:
        # The v4 Calls SDK sends no appId to the call host; a wrong one is still refused.
        app_id = headers.get("appid")
        if app_id and app_id != self._config.app_id:
            raise ApiError("AUTH_ERR_INVALID_APPID")
        if not headers.get("authtoken"):
            raise ApiError("AUTH_ERR_EMPTY_AUTH_TOKEN")
        self._state.check_token(headers["authtoken"])

    def _create_call_token(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        body = _json_object(request.body)
        session_id = body.get("sessionId")
        if session_id is None or session_id == "":
            raise ApiError("ERR_EMPTY_CALL_SESSION_ID")
        if not isinstance(session_id, str):
            raise ApiError("ERR_BAD_REQUEST", {"sessionId": ["sessionId must be a string"]})
        token = request.headers["authtoken"]
        user = self._state.token_owner(token)
        now = int(time.time())
        payload = {
            "iat": now,
            "exp": now + CALL_TOKEN_SECONDS,
            "jti": secrets.token_hex(8),
            "data": {
                "appId": self._config.app_id,
                "region": self._config.region,
                # As the Calls SDK's types describe CometChat's: the auth token in the clear.
                "authToken": token,
                "user": {"uid": user["uid"], "name": user["name"], "avatar": user["avatar"]},
                "sessionId": session_id,
            },
        }
        return {"token": _jwt(payload, self._call_token_key)}

    def _create_user(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        body = _json_object(request.body)
        problems = _string_problems(body, ("uid", "name"), required=True)
        problems |= _string_problems(body, ("avatar", "link", "role"), required=False)
        with_token = body.get("withAuthToken", False)
        if not isinstance(with_token, bool):
            problems["withAuthToken"] = ["withAuthToken must be a boolean"]
        if problems:
            raise ApiError("ERR_BAD_REQUEST", problems)
        user = self._state.create_user(body["uid"], body["name"], body.get("avatar", ""))
        if with_token:
            user["authToken"] = self._state.issue_token(user["uid"], force=True).token
        return user

    def _get_user(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        return self._state.get_user(params["uid"])

    def _create_auth_token(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        body = _json_object(request.body)
        force = body.get("force", False)
        problems = _string_problems(body, ("platform", "deviceId"), required=False)
        if not isinstance(force, bool):
            problems["force"] = ["force must be a boolean"]
        if problems:
            raise ApiError("ERR_BAD_REQUEST", problems)
        return self._state.issue_token(params["uid"], force=force).to_json()

    def _get_auth_token(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        return self._state.get_token(params["uid"], params["token"]).to_json()

    def _revoke_auth_token(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        self._state.revoke_token(params["uid"], params["token"])
        return {"success": True, "message": "The auth token has been revoked."}

    def _revoke_all_auth_tokens(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        self._state.revoke_all_tokens(params["uid"])
        return {"success": True, "message": "All auth tokens of the user have been revoked."}

    def _login(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        body = _json_object(request.body)
        problems = _string_problems(body, ("platform", "deviceId"), required=True)
        if problems:
            raise ApiError("ERR_BAD_REQUEST", problems)
        token = request.headers["authtoken"]
        user = self._state.start_session(token, body["platform"], body["deviceId"])
        return {
            **user,
            "authToken": token,
            "wsChannel": {
                "identity": f"{self._config.app_id}_user_{user['uid']}",
                "secret": secrets.token_hex(16),
            },
            "jwt": f"emulator.{secrets.token_urlsafe(32)}",
            "settings": {},
        }

    def _logout(self, request: Request, params: Mapping[str, str]) -> JsonObject:
        self._state.end_session(request.headers["authtoken"])
        return {"success": True, "message": "The device session has ended."}

    def _admin(self, method: str, path: str, body: bytes) -> Reply:
        """Test controls; not counted as upstream requests and not key-protected (loopback)."""
        try:
            if (method, path) == ("GET", "stats"):
                counts = self._counter.snapshot()
                return _json_reply(200, {"data": {"total": sum(counts.values()), **counts}})
            if (method, path) == ("POST", "stats/reset"):
                self._counter.reset()
            elif (method, path) == ("GET", "faults"):
                data = {"policy": self._faults.policy.to_json(), "queued": self._faults.queued()}
                return _json_reply(200, {"data": data})
            elif (method, path) == ("POST", "faults"):
                self._add_fault(_json_object(body))
            elif (method, path) == ("PUT", "faults"):
                self._faults.set_policy(policy_from_json(_json_object(body)))
            elif (method, path) == ("DELETE", "faults"):
                self._faults.clear()
            else:
                raise ApiError("ERR_API_NOT_FOUND")
        except ApiError as error:
            return error_reply(error)
        return _json_reply(200, {"data": {"success": True}})

    def _add_fault(self, body: Mapping[str, Any]) -> None:
        try:
            route = parse_route(str(body.get("route")))
            fault = Fault(
                kind=FaultKind(body.get("kind", FaultKind.ERROR)),
                code=body.get("code"),
                retry_after=_int_field(body, "retryAfter", 1),
                status=_int_field(body, "status", 503),
            )
            self._faults.add(route, fault, _int_field(body, "times", 1))
        except ValueError as error:
            raise ApiError("ERR_BAD_REQUEST", {"fault": [str(error)]}) from None


_POLICY_FIELDS: Final = frozenset(
    {"latencyMs", "errorRate", "errorCode", "errorStatus", "retryAfter", "resetRate", "hangRate"}
    | {"routes"}
)


def policy_from_json(body: Mapping[str, Any]) -> FaultPolicy:
    """The standing fault policy from the admin endpoint's JSON; bad input is ERR_BAD_REQUEST."""
    try:
        unknown = sorted(set(body) - _POLICY_FIELDS)
        if unknown:
            raise ValueError(f"unknown fields: {', '.join(unknown)}")
        routes = body.get("routes", [])
        if not isinstance(routes, list):
            raise ValueError("routes must be a list of route ids")
        code = body.get("errorCode")
        if code is not None and not isinstance(code, str):
            raise ValueError("errorCode must be a string")
        return FaultPolicy(
            latency_ms=_int_field(body, "latencyMs", 0),
            error_rate=_rate_field(body, "errorRate"),
            error_code=code,
            error_status=_int_field(body, "errorStatus", 503),
            retry_after=_int_field(body, "retryAfter", 1),
            reset_rate=_rate_field(body, "resetRate"),
            hang_rate=_rate_field(body, "hangRate"),
            routes=frozenset(parse_route(str(r)) for r in routes),
        )
    except ValueError as error:
        raise ApiError("ERR_BAD_REQUEST", {"policy": [str(error)]}) from None


def _rate_field(body: Mapping[str, Any], field: str) -> float:
    value = body.get(field, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{field} must be a number")
    return float(value)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jwt(payload: Mapping[str, Any], key: bytes) -> str:
    """An HS256 JSON Web Token (RFC 7519) of `payload`."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{header}.{body}".encode("ascii"), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(signature)}"


def _bind(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    params: dict[str, str] = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{"):
            params[expected.strip("{}")] = actual
        elif expected != actual:
            return None
    return params


def _json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object."""
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except json.JSONDecodeError as error:
        # error.msg is fixed text, so the body (which may hold a secret) is never echoed.
        where = f"line {error.lineno} column {error.colno}"
        details = {"body": [f"malformed JSON at {where}: {error.msg}"]}
        raise ApiError("ERR_BAD_REQUEST", details) from None
    except (ValueError, RecursionError):
        raise ApiError("ERR_BAD_REQUEST", {"body": ["body is not valid JSON"]}) from None
    if not isinstance(value, dict):
        raise ApiError("ERR_BAD_REQUEST", {"body": ["body must be a JSON object"]})
    return value


def _string_problems(
    body: Mapping[str, Any], fields: tuple[str, ...], *, required: bool
) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for field in fields:
        value = body.get(field)
        if value is None:
            if required:
                problems[field] = [f"{field} is required"]
        elif not isinstance(value, str) or not value:
            problems[field] = [f"{field} must be a non-empty string"]
    return problems


def _int_field(body: Mapping[str, Any], field: str, default: int) -> int:
    value = body.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be an integer")
    return value


def _fault_outcome(fault: Fault) -> Outcome:
    if fault.kind is FaultKind.CLOSE_CONNECTION:
        return DropConnection()
    if fault.kind is FaultKind.RESET:
        return DropConnection(reset=True)
    if fault.kind is FaultKind.HANG:
        return Hang()
    if fault.kind is FaultKind.GATEWAY:
        body = f"<html><body><h1>{fault.status} Gateway error</h1></body></html>".encode()
        return Reply(fault.status, body, (("Content-Type", "text/html"),))
    assert fault.code is not None  # Fault validates that error faults carry a known code
    headers: tuple[tuple[str, str], ...] = ()
    if ERRORS[fault.code].status == 429:
        reset = str(int(time.time()) + fault.retry_after)
        # The docs spell the rate-limit headers two ways; send both so clients can read either.
        headers = (
            ("Retry-After", str(fault.retry_after)),
            ("X-Rate-Limit-Reset", reset),
            ("X-RateLimit-Reset", reset),
            ("X-Rate-Limit-Remaining", "0"),
            ("X-RateLimit-Remaining", "0"),
        )
    return error_reply(ApiError(fault.code), headers)


def error_reply(error: ApiError, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    spec = ERRORS[error.code]
    payload: dict[str, Any] = {
        "message": spec.message,
        "devMessage": spec.dev_message,
        "source": "chat-api",
        "code": error.code,
    }
    if error.details is not None:
        payload["details"] = dict(error.details)
    return _json_reply(spec.status, {"error": payload}, headers)


def _json_reply(
    status: int, payload: Mapping[str, Any], headers: tuple[tuple[str, str], ...] = ()
) -> Reply:
    return Reply(status, json.dumps(payload, separators=(",", ":")).encode(), headers)
