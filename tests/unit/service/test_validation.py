from __future__ import annotations

import pytest

from sidecar.domain.errors import SidecarError
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
