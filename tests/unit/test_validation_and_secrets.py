from __future__ import annotations

import pickle

import pytest

from sidecar.domain.errors import REASONS, SidecarError
from sidecar.domain.secret import Secret
from sidecar.service.validation import check_auth_token, check_login


@pytest.mark.parametrize(
    ("uid", "key", "reason"),
    [
        ("", "", "ERROR_INVALID_UID"),
        ("a b", "", "ERROR_UID_WITH_SPACE"),
        ("ok", "", "ERROR_API_KEY_NOT_FOUND"),
        ("a/b", "", "ERROR_API_KEY_NOT_FOUND"),
        ("a/b", "k", "ERROR_UID_INVALID_CHARACTERS"),
        ("x" * 101, "k", "ERROR_UID_TOO_LONG"),
        ("ok", "k y", "ERROR_INVALID_API_KEY"),
    ],
)
def test_login_checks_follow_the_sdk_order(uid: str, key: str, reason: str) -> None:
    with pytest.raises(SidecarError) as caught:
        check_login(uid, key)
    assert caught.value.reason == reason


def test_valid_input_passes() -> None:
    check_login("Cometchat-UID_1", "k" * 256)
    check_login("x" * 100, "k")
    check_auth_token("cometchat-uid-1_1700000000abcdef")


def test_every_reason_is_in_the_table_with_a_grpc_code() -> None:
    codes = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    }
    for spec in REASONS.values():
        assert spec.code in codes - {"OK"}


def test_a_secret_never_shows() -> None:
    secret = Secret("s3cr3t-value")
    assert "s3cr3t" not in repr(secret)
    assert "s3cr3t" not in str(secret)
    assert "s3cr3t" not in f"{secret}"
    assert secret.reveal() == "s3cr3t-value"
    assert secret == Secret("s3cr3t-value")
    assert secret != Secret("other")
    with pytest.raises(TypeError):
        pickle.dumps(secret)
