"""Input limits and the login rate limit, over a real socket, before anything goes upstream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.emulator.faults import FaultPolicy
from sidecar.emulator.state import RouteId
from tests.integration.conftest import AppClient, fails
from tests.stack import live_stack

LOGIN = "/cometchat_sidecar.auth.v1.AuthService/Login"


async def test_requests_and_metadata_over_the_configured_sizes_are_refused(tmp_path: Path) -> None:
    async with live_stack(tmp_path, max_message_bytes=2048, max_metadata_bytes=2048) as stack:
        async with grpc.aio.insecure_channel(stack.address) as channel:
            app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
            padded = AppClient(app_a.stub, (*stack.metadata("app-a"), ("x-padding", "p" * 4000)))

            with pytest.raises(grpc.aio.AioRpcError) as too_big:
                await app_a.login("u" * 3000)
            with pytest.raises(grpc.aio.AioRpcError) as too_much_metadata:
                await padded.whoami()
            under_both = await fails(app_a.login("u" * 1500))

            assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert "larger than max" in (too_big.value.details() or "")
            assert too_much_metadata.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            assert under_both.reason == "ERROR_UID_TOO_LONG"
            assert await app_a.whoami() is None  # the sidecar serves on
        assert stack.emulator.request_count() == 0


async def test_the_default_limits_refuse_a_megabyte(tmp_path: Path) -> None:
    async with live_stack(tmp_path) as stack:
        async with grpc.aio.insecure_channel(stack.address) as channel:
            app_a = AppClient(auth_pb2_grpc.AuthServiceStub(channel), stack.metadata("app-a"))
            with pytest.raises(grpc.aio.AioRpcError) as too_big:
                await app_a.login_with_token("t" * 1_000_000)
            too_long_token = await fails(app_a.login_with_token("t" * 513))

        assert too_big.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert too_long_token.reason == "ERROR_INVALID_AUTHTOKEN"
        assert stack.emulator.request_count() == 0


async def test_a_request_that_does_not_decode_gets_a_documented_reason(tmp_path: Path) -> None:
    async with live_stack(tmp_path) as stack:
        async with grpc.aio.insecure_channel(stack.address) as channel:
            raw: grpc.aio.UnaryUnaryMultiCallable[bytes, bytes] = channel.unary_unary(LOGIN)
            # Field 1 (uid) with bytes that are not UTF-8; then a truncated field.
            bad_utf8 = await fails(raw(b"\x0a\x02\xff\xfe", metadata=stack.metadata("app-a")))
            truncated = await fails(raw(b"\x0a\x7f", metadata=stack.metadata("app-a")))
            unauthenticated = await fails(raw(b"\x0a\x02\xff\xfe"))

        assert (bad_utf8.code, bad_utf8.reason) == (
            grpc.StatusCode.INVALID_ARGUMENT,
            "ERROR_MALFORMED_REQUEST",
        )
        assert truncated.reason == "ERROR_MALFORMED_REQUEST"
        assert unauthenticated.reason == "ERROR_MISSING_APP_CREDENTIAL"
        assert stack.emulator.request_count() == 0


async def test_a_noisy_app_is_rate_limited_and_the_others_are_not(tmp_path: Path) -> None:
    async with (
        live_stack(tmp_path, login_rate_per_second=0.05, login_burst=2) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        noisy = AppClient(stub, stack.metadata("app-a"))
        quiet = AppClient(stub, stack.metadata("app-b"))

        await noisy.login("cometchat-uid-1")
        await noisy.login("cometchat-uid-1")  # answered from the session: free
        await noisy.login("cometchat-uid-2")
        limited = await fails(noisy.login("cometchat-uid-3"))
        counted = stack.emulator.request_count("R3")

        assert (limited.code, limited.reason) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "ERROR_LOGIN_RATE_LIMITED",
        )
        assert limited.retry_delay is not None
        assert 0 < limited.retry_delay <= 20.0
        assert counted == 2
        assert (await quiet.login("cometchat-uid-3")).uid == "cometchat-uid-3"
        user = await noisy.whoami()
        assert user is not None
        assert user.uid == "cometchat-uid-2"


async def test_an_app_over_its_in_flight_limit_is_refused_at_once_and_others_are_not(
    tmp_path: Path,
) -> None:
    async with live_stack(tmp_path, max_calls_in_flight_per_app=2) as stack:
        # Every login takes 300 ms upstream, so two of app-a's stay in flight.
        stack.emulator.set_fault_policy(FaultPolicy(latency_ms=300, routes=frozenset({RouteId.R3})))
        async with grpc.aio.insecure_channel(stack.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            app_a = AppClient(stub, stack.metadata("app-a"))
            app_b = AppClient(stub, stack.metadata("app-b"))
            first = asyncio.ensure_future(app_a.login("cometchat-uid-1"))
            second = asyncio.ensure_future(app_a.login("cometchat-uid-1"))  # joins the first
            await asyncio.sleep(0.1)

            refused = await fails(app_a.whoami())
            other_app = await app_b.whoami()
            joined = await asyncio.gather(first, second)
            after = await app_a.whoami()

        assert (refused.code, refused.reason) == (
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "ERROR_TOO_MANY_CALLS_IN_FLIGHT",
        )
        assert refused.retry_delay is not None
        assert 0 < refused.retry_delay <= 1
        assert other_app is None
        assert [user.uid for user in joined] == ["cometchat-uid-1", "cometchat-uid-1"]
        assert after is not None
        assert after.uid == "cometchat-uid-1"
        assert stack.emulator.request_count("R3") == 1
