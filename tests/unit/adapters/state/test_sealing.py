"""Sealing sessions at rest: AES-GCM under the state key, bound to the app, rotatable."""

from __future__ import annotations

import base64
import os

import pytest

from sidecar.adapters.state.sealing import SealedRecordError, SessionSealer, parse_state_key
from sidecar.domain.errors import ConfigError
from sidecar.domain.model import CallsUser, Session, UserStatus
from sidecar.domain.secret import Secret

TOKEN = "cometchat-uid-1_1700000000abcdef0123456789abcdef012345"
SESSION = Session(
    "app-a",
    CallsUser("cometchat-uid-1", "Andrew Joseph", "https://a/1.webp", UserStatus.ONLINE),
    TOKEN,
    "device-1",
    1700000000.5,
)


def _key() -> bytes:
    return os.urandom(32)


def test_a_sealed_session_opens_to_the_same_session_and_hides_the_token() -> None:
    sealer = SessionSealer(_key())

    sealed = sealer.seal(SESSION)
    opened = sealer.open("app-a", sealed)

    assert opened.session == SESSION
    assert opened.session.auth_token == TOKEN
    assert not opened.with_previous_key
    assert TOKEN.encode() not in sealed
    assert b"cometchat-uid-1" not in sealed
    assert sealer.seal(SESSION) != sealed  # a fresh nonce each time


def test_a_record_cannot_be_read_under_another_apps_name() -> None:
    sealer = SessionSealer(_key())
    with pytest.raises(SealedRecordError, match="another app"):
        sealer.open("app-b", sealer.seal(SESSION))


def test_a_wrong_key_is_refused_not_misread() -> None:
    sealed = SessionSealer(_key()).seal(SESSION)
    with pytest.raises(SealedRecordError, match="neither the state key nor the previous"):
        SessionSealer(_key()).open("app-a", sealed)


def test_a_tampered_record_is_refused() -> None:
    sealer = SessionSealer(_key())
    sealed = bytearray(sealer.seal(SESSION))
    sealed[-1] ^= 1
    with pytest.raises(SealedRecordError):
        sealer.open("app-a", bytes(sealed))
    with pytest.raises(SealedRecordError):
        sealer.open("app-a", b"\x02" + bytes(sealed[1:]))


def test_rotation_reads_the_previous_key_and_seals_with_the_new_one() -> None:
    old, new = _key(), _key()
    sealed_old = SessionSealer(old).seal(SESSION)
    rotating = SessionSealer(new, previous=old)

    opened = rotating.open("app-a", sealed_old)
    resealed = rotating.seal(opened.session)

    assert opened.with_previous_key
    assert opened.session == SESSION
    assert not rotating.open("app-a", resealed).with_previous_key
    assert SessionSealer(new).open("app-a", resealed).session == SESSION
    with pytest.raises(SealedRecordError):
        SessionSealer(old).open("app-a", resealed)


def test_state_keys_are_32_bytes_of_base64_and_never_quoted_in_errors() -> None:
    key = _key()
    assert parse_state_key(Secret(base64.b64encode(key).decode() + "\n"), "env") == key
    for bad in ("not base64 at all!", base64.b64encode(os.urandom(16)).decode(), ""):
        with pytest.raises(ConfigError, match="32 bytes, base64") as caught:
            parse_state_key(Secret(bad), "env")
        assert bad not in str(caught.value) or not bad
    assert repr(SessionSealer(key, previous=_key())) == "SessionSealer(rotating=True)"
