"""Fault injection, request counting and the admin endpoints, over real loopback sockets."""

import time
from typing import Any

import httpx
import pytest

from sidecar.emulator import Emulator

UID = "cometchat-uid-1"
DEVICE = {"platform": "python", "deviceId": "device-1"}


def data(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()["data"]


def error_code(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["source"] == "chat-api"
    assert isinstance(error["message"], str)
    assert isinstance(error["devMessage"], str)
    return str(error["code"])


# --- faults ---------------------------------------------------------------------------------


async def test_queued_error_answers_the_next_n_requests(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    emulator.inject_fault("R3", "ERR_UID_NOT_FOUND", times=2)
    path = f"/v3/users/{UID}/auth_tokens"
    assert error_code(await api.post(path), 404) == "ERR_UID_NOT_FOUND"
    assert error_code(await api.post(path), 404) == "ERR_UID_NOT_FOUND"
    assert data(await api.post(path))["uid"] == UID


async def test_faults_are_per_route(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.inject_fault("R5", "ERR_AUTH_TOKEN_NOT_FOUND")
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID
    token = data(await api.post(f"/v3/users/{UID}/auth_tokens"))["authToken"]
    response = await api.get(f"/v3/users/{UID}/auth_tokens/{token}")
    assert error_code(response, 404) == "ERR_AUTH_TOKEN_NOT_FOUND"


async def test_rate_limit_fault_carries_both_header_spellings(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    emulator.inject_fault("R1", "ERR_TOO_MANY_REQUESTS", retry_after=7)
    before = int(time.time())
    response = await api.get(f"/v3/users/{UID}")
    after = int(time.time())
    assert error_code(response, 429) == "ERR_TOO_MANY_REQUESTS"
    assert response.headers["Retry-After"] == "7"
    reset = int(response.headers["X-Rate-Limit-Reset"])
    assert before + 7 <= reset <= after + 7
    assert response.headers["X-RateLimit-Reset"] == str(reset)
    assert response.headers["X-Rate-Limit-Remaining"] == "0"
    assert response.headers["X-RateLimit-Remaining"] == "0"


async def test_other_errors_carry_no_rate_limit_headers(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    emulator.inject_fault("R1", "AUTH_ERR_NO_ACCESS")
    response = await api.get(f"/v3/users/{UID}")
    assert error_code(response, 403) == "AUTH_ERR_NO_ACCESS"
    assert "Retry-After" not in response.headers
    assert "X-RateLimit-Reset" not in response.headers


async def test_faults_reach_the_client_listener(
    emulator: Emulator, client: httpx.AsyncClient
) -> None:
    token = emulator.mint_token(UID)
    emulator.inject_fault("M1", "ERR_TOO_MANY_REQUESTS", retry_after=2)
    response = await client.put("/v3.0/me", headers={"authToken": token}, json=DEVICE)
    assert error_code(response, 429) == "ERR_TOO_MANY_REQUESTS"
    assert response.headers["Retry-After"] == "2"
    assert emulator.active_device_sessions(UID) == 0
    emulator.inject_fault("M2", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    response = await client.delete("/v3.0/me", headers={"authToken": token})
    assert error_code(response, 401) == "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


async def test_clear_faults(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.inject_fault("R1", "ERR_TOO_MANY_REQUESTS", times=5)
    emulator.clear_faults()
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID


async def test_close_connection_fault(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.inject_connection_close("R1")
    with pytest.raises(httpx.RemoteProtocolError):
        await api.get(f"/v3/users/{UID}")
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID
    assert emulator.request_count("R1") == 2


@pytest.mark.parametrize(
    ("route", "code", "times"),
    [
        ("R4", "ERR_TOO_MANY_REQUESTS", 1),
        ("r1", "ERR_TOO_MANY_REQUESTS", 1),
        ("other", "ERR_TOO_MANY_REQUESTS", 1),
        ("R1", "ERR_MADE_UP", 1),
        ("R1", "ERR_TOO_MANY_REQUESTS", 0),
    ],
)
def test_inject_fault_rejects_bad_input(route: str, code: str, times: int) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        Emulator().inject_fault(route, code, times)


# --- counting -------------------------------------------------------------------------------


async def test_every_served_request_is_counted_by_route(
    emulator: Emulator, api: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    assert emulator.request_count() == 0
    token = data(await api.post(f"/v3/users/{UID}/auth_tokens"))["authToken"]
    await api.get(f"/v3/users/{UID}")
    await api.get(f"/v3/users/{UID}/auth_tokens/{token}")
    await client.put("/v3.0/me", headers={"authToken": token}, json=DEVICE)
    await client.delete("/v3.0/me", headers={"authToken": token})
    await api.delete(f"/v3/users/{UID}/auth_tokens/{token}")
    await api.delete(f"/v3/users/{UID}/auth_tokens")
    await api.get("/v3/no/such/route")
    expected = {"R1": 1, "R3": 1, "R5": 1, "R7": 1, "R8": 1, "M1": 1, "M2": 1, "other": 1}
    assert {route: emulator.request_count(route) for route in expected} == expected
    assert emulator.request_count() == 8


async def test_failed_and_faulted_requests_are_counted(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        await keyless.get(f"/v3/users/{UID}")
    emulator.inject_fault("R1", "ERR_TOO_MANY_REQUESTS")
    await api.get(f"/v3/users/{UID}")
    await api.get("/v3/users/nobody")
    assert emulator.request_count("R1") == 3


async def test_python_api_calls_are_not_requests(emulator: Emulator) -> None:
    token = emulator.mint_token(UID)
    emulator.revoke_token(UID, token)
    emulator.revoke_all_tokens(UID)
    emulator.active_device_sessions(UID)
    assert emulator.request_count() == 0


async def test_reset_counts(emulator: Emulator, api: httpx.AsyncClient) -> None:
    await api.get(f"/v3/users/{UID}")
    emulator.reset_counts()
    assert emulator.request_count() == 0
    assert emulator.request_count("R1") == 0


def test_request_count_rejects_unknown_routes() -> None:
    with pytest.raises(ValueError, match="R9"):
        Emulator().request_count("R9")


# --- admin endpoints ------------------------------------------------------------------------


async def test_admin_stats_and_reset_are_not_counted(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    await api.get(f"/v3/users/{UID}")
    await api.get("/v3/nowhere")
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        stats = data(await keyless.get("/_emulator/stats"))
        assert stats == {
            "total": 2,
            "R1": 1,
            "R2": 0,
            "R3": 0,
            "R5": 0,
            "R7": 0,
            "R8": 0,
            "M1": 0,
            "M2": 0,
            "C1": 0,
            "other": 1,
        }
        assert data(await keyless.post("/_emulator/stats/reset")) == {"success": True}
        assert data(await keyless.get("/_emulator/stats"))["total"] == 0
    assert emulator.request_count() == 0


async def test_admin_injects_and_clears_faults(emulator: Emulator, api: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        fault = {"route": "R1", "code": "ERR_TOO_MANY_REQUESTS", "times": 2, "retryAfter": 9}
        assert data(await keyless.post("/_emulator/faults", json=fault)) == {"success": True}
        response = await api.get(f"/v3/users/{UID}")
        assert error_code(response, 429) == "ERR_TOO_MANY_REQUESTS"
        assert response.headers["Retry-After"] == "9"
        data(await keyless.delete("/_emulator/faults"))
        assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID

        close = {"route": "R1", "kind": "close_connection"}
        data(await keyless.post("/_emulator/faults", json=close))
        with pytest.raises(httpx.RemoteProtocolError):
            await api.get(f"/v3/users/{UID}")


async def test_admin_default_fault_is_one_error(emulator: Emulator, api: httpx.AsyncClient) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        data(
            await keyless.post("/_emulator/faults", json={"route": "R1", "code": "ERR_BAD_REQUEST"})
        )
    assert error_code(await api.get(f"/v3/users/{UID}"), 400) == "ERR_BAD_REQUEST"
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID


@pytest.mark.parametrize(
    "fault",
    [
        {"code": "ERR_TOO_MANY_REQUESTS"},
        {"route": "R9", "code": "ERR_TOO_MANY_REQUESTS"},
        {"route": "R1", "code": "ERR_MADE_UP"},
        {"route": "R1"},
        {"route": "R1", "code": "ERR_TOO_MANY_REQUESTS", "times": "2"},
        {"route": "R1", "code": "ERR_TOO_MANY_REQUESTS", "times": 0},
        {"route": "R1", "code": "ERR_TOO_MANY_REQUESTS", "retryAfter": True},
        {"route": "R1", "kind": "sleep"},
        {"route": "R1", "kind": "gateway", "status": 418},
    ],
)
async def test_admin_rejects_bad_faults(
    emulator: Emulator, api: httpx.AsyncClient, fault: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        response = await keyless.post("/_emulator/faults", json=fault)
    assert error_code(response, 400) == "ERR_BAD_REQUEST"
    assert response.json()["error"]["details"]["fault"]
    assert data(await api.get(f"/v3/users/{UID}"))["uid"] == UID


async def test_admin_malformed_json(emulator: Emulator) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        response = await keyless.post("/_emulator/faults", content=b"{oops")
    assert error_code(response, 400) == "ERR_BAD_REQUEST"
    assert response.json()["error"]["details"]["body"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("PATCH", "/_emulator/faults"), ("POST", "/_emulator/stats"), ("GET", "/_emulator/nope")],
)
async def test_admin_unknown_endpoints(emulator: Emulator, method: str, path: str) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as keyless:
        response = await keyless.request(method, path)
    assert error_code(response, 404) == "ERR_API_NOT_FOUND"
    assert emulator.request_count() == 0
