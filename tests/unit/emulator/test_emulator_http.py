"""The emulator's routes, auth and envelopes, over real loopback sockets."""

import asyncio
from typing import Any

import httpx
import pytest

from sidecar.emulator import Emulator
from sidecar.emulator.server import MAX_BODY_BYTES

UID = "cometchat-uid-1"
OTHER_UID = "cometchat-uid-2"
DEVICE = {"platform": "python", "deviceId": "device-1"}


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data"}
    return body["data"]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The contract's error envelope: all four strings, source chat-api, the expected code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) - {"details"} == {"message", "devMessage", "source", "code"}
    for field in ("message", "devMessage", "source", "code"):
        assert isinstance(error[field], str)
        assert error[field]
    assert error["source"] == "chat-api"
    assert error["code"] == code
    return error


async def login(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.put("/v3.0/me", headers={"authToken": token}, json=DEVICE)


# --- R1 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/v3", "/v3.0"])
async def test_get_user_under_both_prefixes(api: httpx.AsyncClient, prefix: str) -> None:
    user = data(await api.get(f"{prefix}/users/{UID}"))
    assert user["uid"] == UID
    assert user["name"] == "Andrew Joseph"
    assert user["avatar"] == f"https://assets.cometchat.io/sampleapp/v2/users/{UID}.webp"
    assert user["status"] == "offline"
    assert user["role"] == "default"
    assert isinstance(user["createdAt"], int)


async def test_get_user_ignores_the_query_string(api: httpx.AsyncClient) -> None:
    assert data(await api.get(f"/v3/users/{UID}?with=everything"))["uid"] == UID


async def test_uid_in_path_is_case_insensitive(api: httpx.AsyncClient) -> None:
    assert data(await api.get("/v3/users/CometChat-UID-2"))["uid"] == OTHER_UID


async def test_unknown_user(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/v3/users/nobody-here"), 404, "ERR_UID_NOT_FOUND")


# --- R3 -------------------------------------------------------------------------------------


async def test_create_token_reuses_the_newest_unless_forced(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    path = f"/v3.0/users/{UID}/auth_tokens"
    first = data(await api.post(path))
    assert first["uid"] == UID
    assert first["authToken"].startswith(f"{UID}_")
    assert isinstance(first["createdAt"], int)
    assert data(await api.post(path, json={}))["authToken"] == first["authToken"]
    forced = data(await api.post(path, json={"force": True, **DEVICE, "appInfo": {"v": "1"}}))
    assert forced["authToken"] != first["authToken"]
    assert data(await api.post(path, json={"force": False}))["authToken"] == forced["authToken"]
    minted = emulator.mint_token(UID)
    assert data(await api.post(path))["authToken"] == minted


async def test_create_token_validates_its_body(api: httpx.AsyncClient) -> None:
    response = await api.post(f"/v3/users/{UID}/auth_tokens", json={"force": "yes"})
    error = assert_error(response, 400, "ERR_BAD_REQUEST")
    assert error["details"] == {"force": ["force must be a boolean"]}


async def test_create_token_for_unknown_user(api: httpx.AsyncClient) -> None:
    response = await api.post("/v3/users/ghost/auth_tokens", json={"force": True})
    assert_error(response, 404, "ERR_UID_NOT_FOUND")


@pytest.mark.parametrize("body", [b"{not json", b'{"force": tru', b"\xff\xfe", b"[" * 100_000])
async def test_malformed_json_is_a_bad_request(api: httpx.AsyncClient, body: bytes) -> None:
    response = await api.post(f"/v3/users/{UID}/auth_tokens", content=body)
    error = assert_error(response, 400, "ERR_BAD_REQUEST")
    assert error["details"]["body"]


async def test_json_that_is_not_an_object_is_a_bad_request(api: httpx.AsyncClient) -> None:
    response = await api.post(f"/v3/users/{UID}/auth_tokens", json=[True])
    error = assert_error(response, 400, "ERR_BAD_REQUEST")
    assert error["details"] == {"body": ["body must be a JSON object"]}


# --- R5 / R7 / R8 ---------------------------------------------------------------------------


async def test_get_token(emulator: Emulator, api: httpx.AsyncClient) -> None:
    token = emulator.mint_token(UID)
    found = data(await api.get(f"/v3/users/{UID}/auth_tokens/{token}"))
    assert found["uid"] == UID
    assert found["authToken"] == token
    assert isinstance(found["createdAt"], int)


async def test_get_unknown_token(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/v3/users/{UID}/auth_tokens/{UID}_0000000000deadbeef")
    assert_error(response, 404, "ERR_AUTH_TOKEN_NOT_FOUND")


async def test_token_of_another_user_is_not_accessible(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(OTHER_UID)
    response = await api.get(f"/v3/users/{UID}/auth_tokens/{token}")
    assert_error(response, 403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE")
    response = await api.delete(f"/v3/users/{UID}/auth_tokens/{token}")
    assert_error(response, 403, "ERR_AUTHTOKEN_NOT_ACCESSIBLE")


async def test_revoked_token_is_gone_and_cannot_log_in(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    data(await login(client, token))
    revoked = data(await api.delete(f"/v3/users/{UID}/auth_tokens/{token}"))
    assert revoked["success"] is True
    assert isinstance(revoked["message"], str)
    assert token not in revoked["message"]
    response = await api.get(f"/v3/users/{UID}/auth_tokens/{token}")
    assert_error(response, 404, "ERR_AUTH_TOKEN_NOT_FOUND")
    assert_error(await login(client, token), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    assert emulator.active_device_sessions(UID) == 0


async def test_revoke_all_tokens(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    tokens = [emulator.mint_token(UID) for _ in range(3)]
    other = emulator.mint_token(OTHER_UID)
    flushed = data(await api.delete(f"/v3/users/{UID}/auth_tokens"))
    assert flushed["success"] is True
    assert isinstance(flushed["message"], str)
    for token in tokens:
        assert_error(await login(client, token), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(await login(client, other))["uid"] == OTHER_UID


async def test_python_api_revocation_is_seen_over_http(
    emulator: Emulator, client: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    emulator.revoke_token(UID, token)
    assert_error(await login(client, token), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    token = emulator.mint_token(UID)
    emulator.revoke_all_tokens(UID)
    assert_error(await login(client, token), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")


async def test_hundred_token_cap_over_http(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    path = f"/v3/users/{UID}/auth_tokens"
    tokens = [data(await api.post(path, json={"force": True}))["authToken"] for _ in range(101)]
    assert len(set(tokens)) == 101
    assert_error(await login(client, tokens[0]), 401, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(await login(client, tokens[1]))["authToken"] == tokens[1]
    assert data(await login(client, tokens[100]))["authToken"] == tokens[100]


# --- M1 / M2 --------------------------------------------------------------------------------


async def test_login_and_logout(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    me = data(await login(client, token))
    assert me["uid"] == UID
    assert me["name"] == "Andrew Joseph"
    assert me["status"] == "online"
    assert me["authToken"] == token
    assert set(me["wsChannel"]) == {"identity", "secret"}
    assert all(isinstance(v, str) and v for v in me["wsChannel"].values())
    assert isinstance(me["jwt"], str)
    assert me["jwt"]
    assert me["settings"] == {}
    assert emulator.active_device_sessions(UID) == 1
    assert data(await api.get(f"/v3/users/{UID}"))["status"] == "online"

    ended = data(await client.delete("/v3.0/me", headers={"authToken": token}))
    assert ended["success"] is True
    assert isinstance(ended["message"], str)
    assert emulator.active_device_sessions(UID) == 0
    assert data(await api.get(f"/v3/users/{UID}"))["status"] == "offline"
    # Logging out ends the device session but keeps the token valid.
    assert data(await api.get(f"/v3/users/{UID}/auth_tokens/{token}"))["authToken"] == token
    assert data(await login(client, token))["status"] == "online"


async def test_user_stays_online_while_another_device_is_logged_in(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    phone, laptop = emulator.mint_token(UID), emulator.mint_token(UID)
    data(await login(client, phone))
    data(await login(client, laptop))
    assert emulator.active_device_sessions(UID) == 2
    data(await client.delete("/v3.0/me", headers={"authToken": phone}))
    assert data(await api.get(f"/v3/users/{UID}"))["status"] == "online"


async def test_login_requires_platform_and_device_id(
    emulator: Emulator, client: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    response = await client.put("/v3.0/me", headers={"authToken": token}, json={})
    error = assert_error(response, 400, "ERR_BAD_REQUEST")
    assert set(error["details"]) == {"platform", "deviceId"}
    assert emulator.active_device_sessions(UID) == 0


async def test_login_with_malformed_json(emulator: Emulator, client: httpx.AsyncClient) -> None:
    token = emulator.mint_token(UID)
    response = await client.put("/v3.0/me", headers={"authToken": token}, content=b"{")
    assert assert_error(response, 400, "ERR_BAD_REQUEST")["details"]["body"]


# --- auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "AUTH_ERR_EMPTY_APIKEY"),
        ({"apikey": ""}, 401, "AUTH_ERR_EMPTY_APIKEY"),
        ({"apikey": "not-a-key"}, 401, "AUTH_ERR_APIKEY_NOT_FOUND"),
        ({"apikey": "FULL", "appId": "another-app"}, 401, "AUTH_ERR_INVALID_APPID"),
    ],
)
async def test_api_auth_errors(
    emulator: Emulator, headers: dict[str, str], status: int, code: str
) -> None:
    if headers.get("apikey") == "FULL":
        headers = {**headers, "apikey": emulator.config.full_access_key}
    async with httpx.AsyncClient(base_url=emulator.api_url) as bare:
        response = await bare.get(f"/v3/users/{UID}", headers=headers)
    assert_error(response, status, code)


async def test_api_accepts_the_right_app_id(emulator: Emulator, api: httpx.AsyncClient) -> None:
    response = await api.get(f"/v3/users/{UID}", headers={"appId": emulator.config.app_id})
    assert data(response)["uid"] == UID


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"authToken": "TOKEN"}, "AUTH_ERR_EMPTY_APPID"),
        ({"authToken": "TOKEN", "appId": "another-app"}, "AUTH_ERR_INVALID_APPID"),
        ({"appId": "APP"}, "AUTH_ERR_EMPTY_AUTH_TOKEN"),
        ({"appId": "APP", "authToken": ""}, "AUTH_ERR_EMPTY_AUTH_TOKEN"),
        ({"appId": "APP", "authToken": f"{UID}_1700000000abc"}, "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
    ],
)
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_client_auth_errors(
    emulator: Emulator, headers: dict[str, str], code: str, method: str
) -> None:
    token = emulator.mint_token(UID)
    filled = {
        name: {"TOKEN": token, "APP": emulator.config.app_id}.get(value, value)
        for name, value in headers.items()
    }
    async with httpx.AsyncClient(base_url=emulator.client_url) as bare:
        response = await bare.request(method, "/v3.0/me", headers=filled, json=DEVICE)
    assert_error(response, 401, code)
    assert emulator.active_device_sessions(UID) == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/v3/users/{UID}", None),
        ("GET", f"/v3/users/{UID}/auth_tokens/TOKEN", None),
        ("DELETE", f"/v3/users/{UID}/auth_tokens/TOKEN", None),
        ("DELETE", f"/v3/users/{UID}/auth_tokens", None),
    ],
)
async def test_auth_only_key_is_denied_outside_token_creation(
    emulator: Emulator, method: str, path: str, body: None
) -> None:
    token = emulator.mint_token(UID)
    headers = {"apiKey": emulator.config.auth_only_key}
    async with httpx.AsyncClient(base_url=emulator.api_url, headers=headers) as auth_only:
        response = await auth_only.request(method, path.replace("TOKEN", token), json=body)
    assert_error(response, 403, "AUTH_ERR_NO_ACCESS")
    emulator.revoke_token(UID, token)  # still valid: the denied DELETEs did nothing


async def test_auth_only_key_may_create_tokens(
    emulator: Emulator, client: httpx.AsyncClient
) -> None:
    headers = {"apiKey": emulator.config.auth_only_key, "appId": emulator.config.app_id}
    async with httpx.AsyncClient(base_url=emulator.api_url, headers=headers) as auth_only:
        created = data(await auth_only.post(f"/v3.0/users/{UID}/auth_tokens", json=DEVICE))
    assert data(await login(client, created["authToken"]))["uid"] == UID


@pytest.mark.parametrize(
    ("key_header", "token_header", "app_header"),
    [
        ("apikey", "authtoken", "appid"),
        ("apiKey", "authToken", "appId"),
        ("APIKEY", "AUTHTOKEN", "APPID"),
        ("ApiKey", "AuthToken", "AppId"),
    ],
)
async def test_header_names_are_case_insensitive(
    emulator: Emulator, key_header: str, token_header: str, app_header: str
) -> None:
    config = emulator.config
    async with (
        httpx.AsyncClient(base_url=emulator.api_url) as api,
        httpx.AsyncClient(base_url=emulator.client_url) as client,
    ):
        created = data(
            await api.post(
                f"/v3/users/{UID}/auth_tokens",
                headers={key_header: config.full_access_key, app_header: config.app_id},
            )
        )
        headers = {token_header: created["authToken"], app_header: config.app_id}
        assert data(await client.put("/v3.0/me", headers=headers, json=DEVICE))["uid"] == UID


# --- paths and unknown routes ---------------------------------------------------------------


async def test_percent_encoded_slash_stays_inside_one_segment(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    # One segment: R1 with the (invalid) uid "a/b".
    assert_error(await api.get("/v3/users/a%2Fb"), 404, "ERR_UID_NOT_FOUND")
    assert emulator.request_count("R1") == 1
    # Two segments: no such route.
    assert_error(await api.get("/v3/users/a/b"), 404, "ERR_API_NOT_FOUND")
    assert emulator.request_count("other") == 1


async def test_percent_encoded_uid_and_token_are_decoded(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    encoded_uid = UID.replace("-", "%2D")
    encoded_token = token.replace("_", "%5F")
    assert data(await api.get(f"/v3/users/{encoded_uid}"))["uid"] == UID
    found = data(await api.get(f"/v3/users/{encoded_uid}/auth_tokens/{encoded_token}"))
    assert found["authToken"] == token


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v3/nothing"),
        ("GET", f"/v2/users/{UID}"),
        ("GET", f"/users/{UID}"),
        ("GET", "/"),
        ("GET", "/v3"),
        ("PATCH", f"/v3/users/{UID}"),
        ("POST", f"/v3/users/{UID}"),
        ("PUT", f"/v3/users/{UID}/auth_tokens"),
        ("GET", f"/v3/users/{UID}/"),
        ("GET", "/v3/me"),
    ],
)
async def test_unknown_routes(
    emulator: Emulator, api: httpx.AsyncClient, method: str, path: str
) -> None:
    assert_error(await api.request(method, path), 404, "ERR_API_NOT_FOUND")
    assert emulator.request_count("other") == 1


async def test_head_request_answers_without_body(api: httpx.AsyncClient) -> None:
    response = await api.head(f"/v3/users/{UID}")
    assert response.status_code == 404
    assert response.content == b""


async def test_client_routes_are_refused_on_the_api_listener(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    headers = {"authToken": token, "appId": emulator.config.app_id}
    response = await api.put("/v3.0/me", headers=headers, json=DEVICE)
    assert_error(response, 404, "ERR_API_NOT_FOUND")
    assert_error(await api.delete("/v3.0/me", headers=headers), 404, "ERR_API_NOT_FOUND")
    assert emulator.active_device_sessions(UID) == 0


async def test_api_routes_and_admin_are_refused_on_the_client_listener(
    emulator: Emulator, client: httpx.AsyncClient
) -> None:
    headers = {"apikey": emulator.config.full_access_key}
    response = await client.get(f"/v3/users/{UID}", headers=headers)
    assert_error(response, 404, "ERR_API_NOT_FOUND")
    response = await client.post(f"/v3/users/{UID}/auth_tokens", headers=headers)
    assert_error(response, 404, "ERR_API_NOT_FOUND")
    assert_error(await client.get("/_emulator/stats"), 404, "ERR_API_NOT_FOUND")
    assert emulator.request_count() == emulator.request_count("other") == 3


# --- secrets --------------------------------------------------------------------------------


async def test_error_bodies_never_echo_keys_or_tokens(emulator: Emulator) -> None:
    config = emulator.config
    token = emulator.mint_token(UID)
    other_token = emulator.mint_token(OTHER_UID)
    revoked = emulator.mint_token(UID)
    emulator.revoke_token(UID, revoked)
    wrong_key = "sk-live-0123456789abcdef-wrong"
    secrets = [config.full_access_key, config.auth_only_key, token, other_token, revoked, wrong_key]
    full, auth_only = {"apikey": config.full_access_key}, {"apikey": config.auth_only_key}
    client_headers = {"appId": config.app_id, "authToken": revoked}
    async with (
        httpx.AsyncClient(base_url=emulator.api_url) as api,
        httpx.AsyncClient(base_url=emulator.client_url) as client,
    ):
        responses = [
            await api.get(f"/v3/users/{UID}", headers={"apikey": wrong_key}),
            await api.get(f"/v3/users/{UID}", headers={**full, "appId": token}),
            await api.get(f"/v3/users/{UID}", headers=auth_only),
            await api.get(f"/v3/users/{token}", headers=full),
            await api.get(f"/v3/users/{UID}/auth_tokens/{other_token}", headers=full),
            await api.get(f"/v3/users/{UID}/auth_tokens/{revoked}", headers=full),
            await api.delete(f"/v3/users/{UID}/auth_tokens/{revoked}", headers=full),
            await api.get(f"/v3/{token}", headers=full),
            await api.post(
                f"/v3/users/{UID}/auth_tokens", headers=full, content=f'{{"{token}'.encode()
            ),
            await api.post(f"/v3/users/{UID}/auth_tokens", headers=full, json={"force": token}),
            await client.put("/v3.0/me", headers=client_headers, json=DEVICE),
            await client.delete("/v3.0/me", headers=client_headers),
            await client.put("/v3.0/me", headers={"authToken": token, "appId": wrong_key}),
            await client.put(
                "/v3.0/me",
                headers={"authToken": token, "appId": config.app_id},
                content=f'{{"deviceId": "{token}'.encode(),
            ),
        ]
    for response in responses:
        assert response.status_code != 200
        assert response.json()["error"]["code"]
        for secret in secrets:
            assert secret not in response.text
            assert secret not in str(response.headers)


# --- connections ----------------------------------------------------------------------------


async def raw_exchange(url: str, payload: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(payload)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=5)
    finally:
        writer.close()


async def test_keep_alive_serves_several_requests_on_one_connection(
    emulator: Emulator,
) -> None:
    key = emulator.config.full_access_key
    request = f"GET /v3/users/{UID} HTTP/1.1\r\nHost: x\r\napikey: {key}\r\n\r\n".encode()
    closing = f"GET /v3/users/{OTHER_UID} HTTP/1.1\r\nHost: x\r\napikey: {key}\r\n"
    closing += "Connection: close\r\n\r\n"
    answer = await raw_exchange(emulator.api_url, request * 2 + closing.encode())
    assert answer.count(b"HTTP/1.1 200 ") == 3
    assert answer.count(b'"uid":"cometchat-uid-1"') == 2
    assert answer.count(b'"uid":"cometchat-uid-2"') == 1
    assert emulator.request_count("R1") == 3


async def test_many_concurrent_connections(emulator: Emulator) -> None:
    headers = {"apikey": emulator.config.full_access_key}
    # With no pool limit, concurrent requests each open their own connection.
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(base_url=emulator.api_url, headers=headers, limits=limits) as api:
        responses = await asyncio.gather(
            *(api.get(f"/v3/users/cometchat-uid-{n % 5 + 1}") for n in range(50))
        )
    uids = {data(response)["uid"] for response in responses}
    assert uids == {f"cometchat-uid-{n}" for n in range(1, 6)}
    assert emulator.request_count("R1") == 50


async def test_malformed_http_gets_a_bad_request(emulator: Emulator) -> None:
    answer = await raw_exchange(emulator.api_url, b"NOT HTTP AT ALL\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b'"code":"ERR_BAD_REQUEST"' in answer


async def test_oversized_body_is_refused(emulator: Emulator, api: httpx.AsyncClient) -> None:
    response = await api.post(f"/v3/users/{UID}/auth_tokens", content=b" " * (MAX_BODY_BYTES + 1))
    assert assert_error(response, 400, "ERR_BAD_REQUEST")["details"]["body"]
    # The emulator is still serving.
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID


async def test_expect_100_continue_is_honoured(emulator: Emulator) -> None:
    key = emulator.config.full_access_key
    body = b'{"force": true}'
    head = (
        f"POST /v3/users/{UID}/auth_tokens HTTP/1.1\r\nHost: x\r\napikey: {key}\r\n"
        f"Expect: 100-continue\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    host, port = emulator.api_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(head)
        interim = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        assert interim.startswith(b"HTTP/1.1 100 ")
        writer.write(body)
        answer = await asyncio.wait_for(reader.read(), timeout=5)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert f'"authToken":"{UID}_'.encode() in answer


async def test_stop_closes_idle_keep_alive_connections() -> None:
    emulator = Emulator()
    await emulator.start()
    host, port = emulator.api_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    key = emulator.config.full_access_key
    writer.write(f"GET /v3/users/{UID} HTTP/1.1\r\nHost: x\r\napikey: {key}\r\n\r\n".encode())
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
    await asyncio.wait_for(emulator.stop(), timeout=5)
    try:
        leftover = await asyncio.wait_for(reader.read(), timeout=5)
    finally:
        writer.close()
    assert b"HTTP/1.1" not in leftover  # only the rest of the first answer's body
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(host, int(port))
