"""The operations port: probes and metrics over a real HTTP connection."""

from __future__ import annotations

import grpc
import httpx
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from tests.integration.conftest import AppClient, fails
from tests.integration.test_resilience import metric
from tests.stack import Stack


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
