"""Retries, the circuit breaker, deadlines and upstream health against a real emulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sidecar.emulator.faults import FaultPolicy
from sidecar.emulator.state import RouteId
from sidecar.entrypoints.rpc.server import UPSTREAM_HEALTH_SERVICE
from tests.grpc_helpers import failure_of
from tests.integration.conftest import AppClient, fails
from tests.stack import Stack, live_stack


@pytest.fixture
async def touchy(tmp_path: Path) -> AsyncIterator[Stack]:
    """A sidecar whose breaker opens after 2 failures for 0.5 s, one try per call."""
    async with live_stack(
        tmp_path, breaker_failure_threshold=2, breaker_open_seconds=0.5, upstream_max_attempts=1
    ) as running:
        yield running


def client_of(stack: Stack, channel: grpc.aio.Channel, app: str = "app-a") -> AppClient:
    return AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata(app))


async def upstream_health(channel: grpc.aio.Channel) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    answer = await stub.Check(health_pb2.HealthCheckRequest(service=UPSTREAM_HEALTH_SERVICE))
    return int(answer.status)


async def ops_get(stack: Stack, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as http:
        return await http.get(path)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text; 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        sample, _, label_text = series.partition("{")
        got = ",".join(sorted(label_text.rstrip("}").split(","))) if label_text else ""
        if sample == name and got == wanted:
            return float(value)
    return 0.0


async def test_a_dropped_connection_is_retried_transparently(
    stack: Stack, app_a: AppClient
) -> None:
    stack.emulator.inject_connection_close("M1")

    user = await app_a.login("cometchat-uid-1")

    assert user.uid == "cometchat-uid-1"
    assert stack.emulator.request_count("M1") == 2
    text = (await ops_get(stack, "/metrics")).text
    assert (
        metric(
            text,
            "cometchat_sidecar_upstream_retries_total",
            endpoint="M1",
            cause="connection_error",
        )
        == 1
    )


@pytest.mark.parametrize("kind", ["reset", "gateway"])
async def test_resets_and_gateway_errors_are_retried(
    stack: Stack, app_a: AppClient, kind: str
) -> None:
    stack.emulator.inject("R3", kind, times=2)

    user = await app_a.login("cometchat-uid-2")

    assert user.uid == "cometchat-uid-2"
    assert stack.emulator.request_count("R3") == 3


async def test_other_4xx_answers_are_never_retried(stack: Stack, app_a: AppClient) -> None:
    stack.emulator.inject_fault("R3", "ERR_BAD_REQUEST")

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.reason == "ERR_BAD_REQUEST"
    assert stack.emulator.request_count("R3") == 1


async def test_attempts_are_bounded(stack: Stack, app_a: AppClient) -> None:
    stack.emulator.inject("R3", "gateway", times=10)

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.UNAVAILABLE
    assert failure.metadata == {"endpoint": "R3", "http_status": "503"}
    assert stack.emulator.request_count("R3") == stack.settings.upstream_max_attempts == 3


async def test_a_short_retry_after_is_waited_for_then_retried(
    stack: Stack, app_a: AppClient
) -> None:
    stack.emulator.inject_fault("R3", "ERR_TOO_MANY_REQUESTS", retry_after=1)
    started = time.monotonic()

    user = await app_a.login("cometchat-uid-1")

    assert user.uid == "cometchat-uid-1"
    assert time.monotonic() - started >= 1.0
    assert stack.emulator.request_count("R3") == 2


async def test_a_long_retry_after_goes_to_the_app_at_once(stack: Stack, app_a: AppClient) -> None:
    stack.emulator.inject_fault("R3", "ERR_TOO_MANY_REQUESTS", retry_after=30)

    failure = await fails(app_a.login("cometchat-uid-1"))

    assert (failure.code, failure.reason) == (
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "ERR_TOO_MANY_REQUESTS",
    )
    assert failure.retry_delay == pytest.approx(30.0, abs=1.0)
    assert stack.emulator.request_count("R3") == 1


async def test_the_callers_deadline_bounds_the_upstream_call(stack: Stack) -> None:
    stack.emulator.set_fault_policy(FaultPolicy(hang_rate=1.0, routes=frozenset({RouteId.M1})))
    async with grpc.aio.insecure_channel(stack.address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        started = time.monotonic()
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.Login(
                auth_pb2.LoginRequest(uid="cometchat-uid-1"),
                metadata=stack.metadata("app-a"),
                # The sidecar keeps a margin of up to 0.25 s before the deadline; 3 s gives the
                # full margin, room for a loaded machine.
                timeout=3.0,
            )
        elapsed = time.monotonic() - started

    # The sidecar answers with its own reason just before the deadline, not after 10 s.
    failure = failure_of(caught.value)
    assert (failure.code, failure.reason) == (grpc.StatusCode.DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT")
    assert failure.metadata == {"endpoint": "M1"}
    assert elapsed < 3.0
    # One try: a retry could not have finished in time, so none was started.
    assert stack.emulator.request_count("M1") == 1


async def test_the_breaker_fails_fast_then_a_probe_closes_it(touchy: Stack) -> None:
    emulator = touchy.emulator
    async with grpc.aio.insecure_channel(touchy.address) as channel:
        app_a = client_of(touchy, channel)
        assert await upstream_health(channel) == health_pb2.HealthCheckResponse.UNKNOWN
        emulator.set_fault_policy(FaultPolicy(error_rate=1.0, routes=frozenset({RouteId.R3})))
        for _ in range(2):
            assert (await fails(app_a.login("cometchat-uid-1"))).reason == "UPSTREAM_BAD_RESPONSE"

        refused = await fails(app_a.login("cometchat-uid-1"))
        assert (refused.code, refused.reason) == (
            grpc.StatusCode.UNAVAILABLE,
            "UPSTREAM_CIRCUIT_OPEN",
        )
        assert refused.retry_delay is not None
        assert 0 < refused.retry_delay <= 0.5
        assert emulator.request_count("R3") == 2  # failed fast: CometChat was not asked
        assert await upstream_health(channel) == health_pb2.HealthCheckResponse.NOT_SERVING
        # Readiness stays: a CometChat outage must not take the sidecar out of its Service.
        assert (await ops_get(touchy, "/readyz")).status_code == 200
        health = health_pb2_grpc.HealthStub(channel)
        ready = await health.Check(health_pb2.HealthCheckRequest(service=""))
        assert ready.status == health_pb2.HealthCheckResponse.SERVING
        text = (await ops_get(touchy, "/metrics")).text
        assert metric(text, "cometchat_sidecar_upstream_breaker_state") == 2
        assert metric(text, "cometchat_sidecar_upstream_up") == 0

        emulator.clear_faults()
        await asyncio.sleep(0.5)
        user = await app_a.login("cometchat-uid-1")  # the probe
        assert user.uid == "cometchat-uid-1"
        assert await upstream_health(channel) == health_pb2.HealthCheckResponse.SERVING
        text = (await ops_get(touchy, "/metrics")).text
        assert metric(text, "cometchat_sidecar_upstream_breaker_state") == 0
        assert metric(text, "cometchat_sidecar_upstream_up") == 1


async def test_logout_clears_local_state_while_the_breaker_is_open(touchy: Stack) -> None:
    async with grpc.aio.insecure_channel(touchy.address) as channel:
        app_a, app_b = client_of(touchy, channel, "app-a"), client_of(touchy, channel, "app-b")
        await app_b.login("cometchat-uid-3")
        touchy.emulator.set_fault_policy(FaultPolicy(error_rate=1.0))
        for _ in range(2):
            await fails(app_a.login("cometchat-uid-4"))
        m2_before = touchy.emulator.request_count("M2")

        await app_b.logout()

        assert await app_b.whoami() is None
        assert touchy.emulator.request_count("M2") == m2_before  # failed fast, cleared locally
