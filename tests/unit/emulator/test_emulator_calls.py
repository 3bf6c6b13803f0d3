"""The emulator's call host (C1) and user creation (R2), over HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sidecar.emulator import Emulator

UID = "cometchat-uid-1"


@pytest.fixture
async def call(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=emulator.call_url) as http:
        yield http


def _part(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def _error(response: httpx.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


async def test_a_call_token_is_a_jwt_naming_the_session_and_the_user(
    emulator: Emulator, call: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    headers = {"authToken": token, "appId": emulator.config.app_id}

    response = await call.post("/v3.0/call_tokens", headers=headers, json={"sessionId": "s-1"})

    assert response.status_code == 200
    jwt = response.json()["data"]["token"]
    header, payload, signature = jwt.split(".")
    assert _part(header) == {"alg": "HS256", "typ": "JWT"}
    data = _part(payload)["data"]
    assert data["sessionId"] == "s-1"
    assert data["user"]["uid"] == UID
    assert data["authToken"] == token
    assert data["appId"] == emulator.config.app_id
    assert _part(payload)["exp"] > _part(payload)["iat"]
    assert len(base64.urlsafe_b64decode(signature + "==")) == hashlib.sha256().digest_size
    [received] = emulator.received("C1")
    assert received.json() == {"sessionId": "s-1"}
    assert received.headers["authtoken"] == token


@pytest.mark.parametrize(
    ("headers", "body", "code"),
    [
        ({}, {"sessionId": "s"}, "AUTH_ERR_EMPTY_AUTH_TOKEN"),
        ({"authToken": "nope"}, {"sessionId": "s"}, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
        ({"appId": "other-app", "authToken": "x"}, {"sessionId": "s"}, "AUTH_ERR_INVALID_APPID"),
        ({"authToken": "VALID"}, {}, "ERR_EMPTY_CALL_SESSION_ID"),
        ({"authToken": "VALID"}, {"sessionId": ""}, "ERR_EMPTY_CALL_SESSION_ID"),
        ({"authToken": "VALID"}, {"sessionId": 7}, "ERR_BAD_REQUEST"),
    ],
)
async def test_c1_refusals(
    emulator: Emulator,
    call: httpx.AsyncClient,
    headers: dict[str, str],
    body: dict[str, Any],
    code: str,
) -> None:
    if headers.get("authToken") == "VALID":
        headers = {"authToken": emulator.mint_token(UID)}
    response = await call.post("/v3.0/call_tokens", headers=headers, json=body)
    assert _error(response) == code


async def test_a_revoked_token_makes_no_call_token(
    emulator: Emulator, call: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    emulator.revoke_all_tokens(UID)
    response = await call.post(
        "/v3.0/call_tokens", headers={"authToken": token}, json={"sessionId": "s"}
    )
    assert _error(response) == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


async def test_faults_apply_to_the_call_route(emulator: Emulator, call: httpx.AsyncClient) -> None:
    emulator.inject_fault("C1", "ERR_CALL_SESSION_NOT_FOUND")
    response = await call.post(
        "/v3.0/call_tokens",
        headers={"authToken": emulator.mint_token(UID)},
        json={"sessionId": "s"},
    )
    assert (response.status_code, _error(response)) == (404, "ERR_CALL_SESSION_NOT_FOUND")
    assert emulator.request_count("C1") == 1


async def test_r2_creates_a_user_once(emulator: Emulator, api: httpx.AsyncClient) -> None:
    created = await api.post("/v3/users", json={"uid": "New-User", "name": "New User"})
    again = await api.post("/v3/users", json={"uid": "new-user", "name": "Again"})
    with_token = await api.post(
        "/v3/users", json={"uid": "other-user", "name": "O", "withAuthToken": True}
    )
    auth_only = await api.post(
        "/v3/users",
        json={"uid": "third-user", "name": "T"},
        headers={"apikey": emulator.config.auth_only_key},
    )

    assert created.json()["data"]["uid"] == "new-user"  # lower-cased, as CometChat does
    assert (again.status_code, _error(again)) == (409, "ERR_UID_ALREADY_EXISTS")
    assert with_token.json()["data"]["authToken"].startswith("other-user_")
    assert auth_only.status_code == 200  # an Auth Key may create users
    assert (await api.get("/v3/users/new-user")).json()["data"]["name"] == "New User"
    assert emulator.mint_token("new-user").startswith("new-user_")


@pytest.mark.parametrize(
    "body",
    [{"name": "no uid"}, {"uid": "x"}, {"uid": "has space", "name": "n"}, {"uid": 1, "name": "n"}],
)
async def test_r2_refuses_bad_bodies(api: httpx.AsyncClient, body: dict[str, Any]) -> None:
    assert _error(await api.post("/v3/users", json=body)) == "ERR_BAD_REQUEST"
