"""Every validation reason, in the SDK's order, answered before any upstream call."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from tests.integration.conftest import AppClient, fails
from tests.stack import Stack, live_stack

INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("uid", "api_key", "code", "reason"),
    [
        ("", "", INVALID, "ERROR_INVALID_UID"),
        ("   ", "", INVALID, "ERROR_INVALID_UID"),
        ("\t\n", "", INVALID, "ERROR_INVALID_UID"),
        ("a b", "", INVALID, "ERROR_UID_WITH_SPACE"),
        (" cometchat-uid-1", "", INVALID, "ERROR_UID_WITH_SPACE"),
        ("a\u00a0b", "", INVALID, "ERROR_UID_WITH_SPACE"),
        ("x" * 101, "", INVALID, "ERROR_UID_TOO_LONG"),
        ("a/b", "", INVALID, "ERROR_UID_INVALID_CHARACTERS"),
        ("../../users", "", INVALID, "ERROR_UID_INVALID_CHARACTERS"),
        ("ünïcödé", "", INVALID, "ERROR_UID_INVALID_CHARACTERS"),
        ("a\x00b", "", INVALID, "ERROR_UID_INVALID_CHARACTERS"),
        ("cometchat-uid-1", "key\u00e9", INVALID, "ERROR_INVALID_API_KEY"),
        ("cometchat-uid-1", "k" * 257, INVALID, "ERROR_INVALID_API_KEY"),
    ],
)
async def test_login_validation(
    stack: Stack, app_a: AppClient, uid: str, api_key: str, code: grpc.StatusCode, reason: str
) -> None:
    failure = await fails(app_a.login(uid, api_key))

    assert (failure.code, failure.reason, failure.domain) == (code, reason, "cometchat-sidecar")
    assert failure.retry_delay is None
    assert stack.emulator.request_count() == 0


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "ERROR_BLANK_AUTHTOKEN"),
        ("   ", "ERROR_BLANK_AUTHTOKEN"),
        ("abc def", "ERROR_AUTHTOKEN_WITH_SPACE"),
        ("abc\ndef", "ERROR_AUTHTOKEN_WITH_SPACE"),
        ("tökén", "ERROR_INVALID_AUTHTOKEN"),
        ("t" * 513, "ERROR_INVALID_AUTHTOKEN"),
        ("a\x00b", "ERROR_INVALID_AUTHTOKEN"),
    ],
)
async def test_login_with_token_validation(
    stack: Stack, app_a: AppClient, token: str, reason: str
) -> None:
    failure = await fails(app_a.login_with_token(token))

    assert failure.code == INVALID
    assert failure.reason == reason
    assert stack.emulator.request_count() == 0


@pytest.fixture
async def keyless(tmp_path: Path) -> AsyncIterator[tuple[Stack, AppClient]]:
    async with (
        live_stack(tmp_path, held_key=None) as running,
        grpc.aio.insecure_channel(running.address) as channel,
    ):
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        yield running, AppClient(stub, running.metadata("app-a"))


async def test_no_key_in_the_request_nor_held_is_api_key_not_found(
    keyless: tuple[Stack, AppClient],
) -> None:
    stack, app = keyless
    failure = await fails(app.login("cometchat-uid-1"))

    assert failure.code == grpc.StatusCode.FAILED_PRECONDITION
    assert failure.reason == "ERROR_API_KEY_NOT_FOUND"
    assert stack.emulator.request_count() == 0
    # The request's own key is enough when the sidecar holds none.
    user = await app.login("cometchat-uid-1", stack.emulator.config.full_access_key)
    assert user.uid == "cometchat-uid-1"


@pytest.mark.parametrize(
    ("uid", "reason"),
    [
        ("", "ERROR_INVALID_UID"),
        ("a b", "ERROR_UID_WITH_SPACE"),
        ("a/b", "ERROR_API_KEY_NOT_FOUND"),
    ],
)
async def test_checks_run_in_the_sdk_order(
    keyless: tuple[Stack, AppClient], uid: str, reason: str
) -> None:
    # Without a key: the UID's SDK checks win over the key check, which wins over the
    # sidecar's own UID rules.
    _, app = keyless
    assert (await fails(app.login(uid))).reason == reason
