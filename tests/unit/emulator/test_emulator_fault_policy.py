"""Standing faults (latency, error rate, resets, hangs) and the new queued kinds, over loopback."""

import random
import time
from typing import Any

import httpx
import pytest

from sidecar.emulator import Emulator
from sidecar.emulator.faults import Fault, FaultKind, FaultPlan, FaultPolicy
from sidecar.emulator.state import RouteId

UID = "cometchat-uid-1"
PATH = f"/v3/users/{UID}"


async def test_latency_delays_every_answer_of_the_chosen_routes(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    emulator.set_fault_policy(FaultPolicy(latency_ms=300, routes=frozenset({RouteId.R1})))
    started = time.monotonic()
    assert (await api.get(PATH)).status_code == 200
    delayed = time.monotonic() - started
    started = time.monotonic()
    assert (await api.post(f"{PATH}/auth_tokens")).status_code == 200
    undelayed = time.monotonic() - started

    assert delayed >= 0.3
    assert undelayed < delayed


async def test_error_rate_one_answers_only_errors_until_cleared(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    emulator.set_fault_policy(FaultPolicy(error_rate=1.0, error_code="ERR_TOO_MANY_REQUESTS"))
    for _ in range(3):
        response = await api.get(PATH)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-RateLimit-Reset"] == response.headers["X-Rate-Limit-Reset"]
    emulator.clear_faults()
    assert (await api.get(PATH)).status_code == 200


async def test_gateway_errors_have_no_envelope(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.set_fault_policy(FaultPolicy(error_rate=1.0, error_status=502))
    response = await api.get(PATH)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "text/html"
    assert "<html>" in response.text


async def test_reset_is_a_connection_error(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.inject("R1", "reset")
    with pytest.raises(httpx.TransportError):
        await api.get(PATH)
    assert (await api.get(PATH)).status_code == 200


async def test_hang_never_answers(emulator: Emulator, api: httpx.AsyncClient) -> None:
    emulator.set_fault_policy(FaultPolicy(hang_rate=1.0))
    with pytest.raises(httpx.ReadTimeout):
        await api.get(PATH, timeout=0.3)
    emulator.clear_faults()
    assert (await api.get(PATH)).status_code == 200
    assert emulator.request_count("R1") == 2


def test_rates_mix_in_the_stated_shares() -> None:
    plan = FaultPlan(random.Random(7))  # noqa: S311 - a seeded draw for a stable test
    plan.set_policy(FaultPolicy(error_rate=0.2, reset_rate=0.1, hang_rate=0.1))
    kinds = [plan.take(RouteId.M1) for _ in range(4000)]
    shares = {
        kind: sum(1 for f in kinds if f is not None and f.kind is kind) / len(kinds)
        for kind in (FaultKind.GATEWAY, FaultKind.RESET, FaultKind.HANG)
    }
    assert shares[FaultKind.GATEWAY] == pytest.approx(0.2, abs=0.03)
    assert shares[FaultKind.RESET] == pytest.approx(0.1, abs=0.03)
    assert shares[FaultKind.HANG] == pytest.approx(0.1, abs=0.03)


def test_queued_faults_come_before_the_policy() -> None:
    plan = FaultPlan()
    plan.set_policy(FaultPolicy(error_rate=1.0, error_code="ERR_BAD_REQUEST"))
    hang = Fault(FaultKind.HANG)
    plan.add(RouteId.R3, hang)
    assert plan.take(RouteId.R3) is hang
    taken = plan.take(RouteId.R3)
    assert taken is not None
    assert taken.code == "ERR_BAD_REQUEST"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"errorRate": 1.5}, "error_rate must be between 0 and 1"),
        ({"errorRate": 0.6, "hangRate": 0.6}, "must not exceed 1"),
        ({"latencyMs": -1}, "latency_ms must not be negative"),
        ({"errorCode": "ERR_MADE_UP", "errorRate": 0.1}, "unknown error code"),
        ({"errorStatus": 404}, "status must be one of"),
        ({"routes": ["R9"]}, "unknown route"),
        ({"routes": "R1"}, "routes must be a list"),
        ({"latency": 5}, "unknown fields: latency"),
        ({"hangRate": "half"}, "hangRate must be a number"),
    ],
)
async def test_admin_refuses_bad_policies(
    emulator: Emulator, fields: dict[str, Any], problem: str
) -> None:
    async with httpx.AsyncClient(base_url=emulator.api_url) as admin:
        response = await admin.put("/_emulator/faults", json=fields)
    assert response.status_code == 400
    assert problem in response.json()["error"]["details"]["policy"][0]
    assert emulator.fault_policy == FaultPolicy()


async def test_admin_switches_the_policy_at_run_time(
    emulator: Emulator, api: httpx.AsyncClient
) -> None:
    policy = {"errorRate": 1.0, "errorCode": "ERR_TOO_MANY_REQUESTS", "retryAfter": 4}
    async with httpx.AsyncClient(base_url=emulator.api_url) as admin:
        assert (await admin.put("/_emulator/faults", json=policy)).status_code == 200
        await admin.post("/_emulator/faults", json={"route": "M2", "kind": "hang", "times": 2})
        shown = (await admin.get("/_emulator/faults")).json()["data"]
        response = await api.get(PATH)
        assert (await admin.delete("/_emulator/faults")).status_code == 200
        cleared = (await admin.get("/_emulator/faults")).json()["data"]

    assert shown["policy"]["errorRate"] == 1.0
    assert shown["policy"]["retryAfter"] == 4
    assert shown["queued"] == {"M2": 2}
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "4"
    assert cleared == {"policy": FaultPolicy().to_json(), "queued": {}}
    assert (await api.get(PATH)).status_code == 200
