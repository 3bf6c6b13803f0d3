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
