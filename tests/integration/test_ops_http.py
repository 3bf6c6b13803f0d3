"""The operations port: probes and metrics over a real HTTP connection."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import grpc
import httpx
import pytest
import redis.asyncio as aioredis
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.domain.secret import Secret
from tests.integration.conftest import AppClient, fails
from tests.integration.test_resilience import metric
from tests.redis_server import redis_server
from tests.stack import Stack, live_stack, new_state_key


@pytest.fixture
async def ops(stack: Stack) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}")


async def test_probes_answer_ok_once_started(ops: httpx.AsyncClient) -> None:
    async with ops:
        for path in ("/livez", "/readyz", "/startupz"):
            response = await ops.get(path)
            assert response.status_code == 200, path
        assert (await ops.get("/nope")).status_code == 404
        assert (await ops.post("/livez")).status_code == 405


async def test_readiness_flips_when_draining_but_liveness_stays(
    stack: Stack, ops: httpx.AsyncClient
) -> None:
    stack.sidecar.probes.ready = False  # what the start of a shutdown does
    async with ops:
        assert (await ops.get("/readyz")).status_code == 503
        assert (await ops.get("/livez")).status_code == 200
        assert (await ops.get("/startupz")).status_code == 200


async def test_metrics_count_rpcs_upstream_calls_and_sessions(
    stack: Stack, app_a: AppClient, app_b: AppClient, ops: httpx.AsyncClient
) -> None:
    await app_a.login("cometchat-uid-1")
    await app_b.login("cometchat-uid-2")
    await app_b.logout()
    await fails(app_b.logout())
    async with ops:
        response = await ops.get("/metrics")
    text = response.text

    assert response.headers["Content-Type"].startswith("text/plain")
    assert metric(text, "cometchat_sidecar_rpcs_total", method="Login", reason="OK", code="OK") == 2
    failed = metric(
        text,
        "cometchat_sidecar_rpcs_total",
        method="Logout",
        reason="ERROR_NO_USER_LOGGED_IN",
        code="FAILED_PRECONDITION",
    )
    assert failed == 1
    assert metric(text, "cometchat_sidecar_rpc_duration_seconds_count", method="Login") == 2
    assert (
        metric(text, "cometchat_sidecar_upstream_requests_total", endpoint="R3", status="200") == 2
    )
    assert (
        metric(text, "cometchat_sidecar_upstream_requests_total", endpoint="M2", status="200") == 1
    )
    assert (
        metric(text, "cometchat_sidecar_upstream_request_duration_seconds_count", endpoint="M1")
        == 2
    )
    assert metric(text, "cometchat_sidecar_live_sessions") == 1
    assert metric(text, "cometchat_sidecar_upstream_breaker_state") == 0
    assert metric(text, "cometchat_sidecar_upstream_up") == 1


async def test_refused_callers_are_counted_by_reason(stack: Stack, ops: httpx.AsyncClient) -> None:
    async with grpc.aio.insecure_channel(stack.address) as channel:
        stranger = AppClient(auth_pb2_grpc.AuthServiceStub(channel), ())
        await fails(stranger.whoami())
    async with ops:
        text = (await ops.get("/metrics")).text
    refused = metric(
        text,
        "cometchat_sidecar_rpcs_total",
        method="GetLoggedInUser",
        reason="ERROR_MISSING_APP_CREDENTIAL",
        code="UNAUTHENTICATED",
    )
    assert refused == 1


async def scrape(stack: Stack) -> str:
    async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
        response = await ops.get("/metrics")
    assert response.status_code == 200
    return response.text


async def test_readiness_and_start_time_are_exported(stack: Stack) -> None:
    before = time.time()
    text = await scrape(stack)
    assert metric(text, "cometchat_sidecar_ready") == 1
    started = metric(text, "cometchat_sidecar_start_time_seconds")
    assert before - 60 < started <= before

    stack.sidecar.probes.ready = False  # what the start of a shutdown does
    assert metric(await scrape(stack), "cometchat_sidecar_ready") == 0


async def test_session_changes_count_each_change_once_not_each_rpc(stack: Stack) -> None:
    text = await scrape(stack)
    for change in ("logged_in", "logged_out", "revoked"):  # there from the start, at 0
        assert f'cometchat_sidecar_session_changes_total{{change="{change}"}} 0.0' in text

    async with grpc.aio.insecure_channel(stack.address) as channel:
        app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
        # Ten identical logins share one flight: one change.
        await asyncio.gather(*(app_a.login("cometchat-uid-1") for _ in range(10)))
        await app_a.login("cometchat-uid-2")  # logs uid-1 out first: two changes
        await app_a.logout()
        token = stack.emulator.mint_token("cometchat-uid-3")
        await app_a.login_with_token(token)
        # Revoked on CometChat's side (R7), then found by the revocation check (R5).
        async with httpx.AsyncClient() as http:
            response = await http.delete(
                f"{stack.emulator.api_url}/v3/users/cometchat-uid-3/auth_tokens/{token}",
                headers={"apikey": stack.emulator.config.full_access_key},
            )
        assert response.status_code == 200
        assert await stack.sidecar.service.check_revocation("app-a")

    text = await scrape(stack)
    changes = {
        change: metric(text, "cometchat_sidecar_session_changes_total", change=change)
        for change in ("logged_in", "logged_out", "revoked")
    }
    assert changes == {"logged_in": 3, "logged_out": 2, "revoked": 1}
    logins = metric(text, "cometchat_sidecar_rpcs_total", method="Login", reason="OK", code="OK")
    assert logins == 11


async def test_a_store_that_fails_is_counted_by_operation(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as url:
        async with live_stack(
            tmp_path,
            state_backend="redis",
            redis_url=Secret(url),
            state_key=Secret(new_state_key()),
        ) as stack:
            async with grpc.aio.insecure_channel(stack.address) as channel:
                app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
                await app_a.login("cometchat-uid-1")
                text = await scrape(stack)
                assert metric(text, "cometchat_sidecar_state_errors_total", operation="get") == 0

                admin = aioredis.Redis.from_url(url)
                await admin.shutdown(nosave=True)  # the Redis server goes away
                await admin.aclose()
                failure = await fails(app_a.whoami())
                assert failure.reason == "STATE_UNAVAILABLE"

            text = await scrape(stack)
            assert metric(text, "cometchat_sidecar_state_errors_total", operation="get") == 1
            assert metric(text, "cometchat_sidecar_state_errors_total", operation="put") == 0
            unavailable = metric(
                text,
                "cometchat_sidecar_rpcs_total",
                method="GetLoggedInUser",
                reason="STATE_UNAVAILABLE",
                code="UNAVAILABLE",
            )
            assert unavailable == 1
