"""The access log: one line per call; changes and errors at info, successful reads at debug."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
import structlog
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.logs import configure_logging
from tests.integration.conftest import AppClient, fails
from tests.integration.test_resilience import metric
from tests.stack import live_stack


def rpc_lines(stream: io.StringIO) -> list[dict[str, object]]:
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    return [r for r in records if r.get("event") == "rpc"]


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    yield io.StringIO()
    structlog.reset_defaults()


@pytest.mark.parametrize("level", ["debug", "info"])
async def test_changes_and_errors_are_logged_at_info_and_reads_at_debug(
    tmp_path: Path, logs: io.StringIO, level: str
) -> None:
    configure_logging(level, "json", stream=logs)
    async with live_stack(tmp_path) as stack:
        async with grpc.aio.insecure_channel(stack.address) as channel:
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            app_a = AppClient(stub, stack.metadata("app-a"))
            stranger = AppClient(stub, (("authorization", "Bearer not-a-credential"),))
            await app_a.login("cometchat-uid-1")
            await app_a.whoami()
            await app_a.whoami()
            await fails(stranger.whoami())
            await app_a.logout()
        async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
            metrics = (await ops.get("/metrics")).text

    lines = [(r["method"], r["reason"], r["level"]) for r in rpc_lines(logs)]
    reads = [("GetLoggedInUser", "OK", "debug")] * 2 if level == "debug" else []
    assert lines == [
        ("Login", "OK", "info"),
        *reads,
        ("GetLoggedInUser", "ERROR_UNKNOWN_APP_CREDENTIAL", "info"),
        ("Logout", "OK", "info"),
    ]
    # Whatever the level, every call is counted.
    labels = {"method": "GetLoggedInUser", "reason": "OK", "code": "OK"}
    assert metric(metrics, "cometchat_sidecar_rpcs_total", **labels) == 2


async def test_each_call_token_and_token_rpc_logs_one_line_and_is_counted(
    tmp_path: Path, logs: io.StringIO
) -> None:
    from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc
    from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc

    configure_logging("info", "json", stream=logs)
    async with (
        live_stack(tmp_path) as stack,
        grpc.aio.insecure_channel(stack.address) as channel,
    ):
        metadata = stack.metadata("app-a")
        calls = calls_pb2_grpc.CallsServiceStub(channel)
        tokens = tokens_pb2_grpc.AuthTokenServiceStub(channel)
        issued = await tokens.IssueAuthToken(
            tokens_pb2.IssueAuthTokenRequest(uid="cometchat-uid-2"), metadata=metadata
        )
        await AppClient(auth_pb2_grpc.AuthServiceStub(channel), metadata).login_with_token(
            issued.auth_token
        )
        await calls.GenerateCallToken(
            calls_pb2.GenerateCallTokenRequest(session_id="standup"), metadata=metadata
        )
        await fails(
            calls.GenerateCallToken(calls_pb2.GenerateCallTokenRequest(), metadata=metadata)
        )
        await tokens.RevokeAuthToken(
            tokens_pb2.RevokeAuthTokenRequest(uid="cometchat-uid-2", auth_token=issued.auth_token),
            metadata=metadata,
        )
        await tokens.RevokeAllAuthTokens(
            tokens_pb2.RevokeAllAuthTokensRequest(uid="cometchat-uid-2"), metadata=metadata
        )
        async with httpx.AsyncClient(base_url=f"http://{stack.sidecar.http_address}") as ops:
            metrics = (await ops.get("/metrics")).text

    lines = [(r["method"], r["reason"], r["uid"], r["level"]) for r in rpc_lines(logs)]
    assert lines == [
        ("IssueAuthToken", "OK", "cometchat-uid-2", "info"),
        ("LoginWithToken", "OK", "cometchat-uid-2", "info"),
        ("GenerateCallToken", "OK", "cometchat-uid-2", "info"),
        ("GenerateCallToken", "ERROR_SESSION_ID_MISSING", None, "info"),
        ("RevokeAuthToken", "OK", "cometchat-uid-2", "info"),
        ("RevokeAllAuthTokens", "OK", "cometchat-uid-2", "info"),
    ]
    for method in ("IssueAuthToken", "GenerateCallToken", "RevokeAuthToken"):
        assert (
            metric(metrics, "cometchat_sidecar_rpcs_total", method=method, reason="OK", code="OK")
            == 1
        )
    assert "standup" not in metrics
