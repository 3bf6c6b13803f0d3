"""Sessions at rest: encoded, then sealed with AES-GCM under the state key.

A sealed session is `version (1 byte) | key id (8) | nonce (12) | ciphertext+tag`.
The whole session is sealed, not only its auth token, and the app's name is the
associated data, so a record cannot be read under another app's name. The key id
is derived from the key with HMAC, so it names the key without revealing it; it is
how rotation knows which records still carry the previous key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import structlog

from sidecar.domain.errors import ConfigError, fail
from sidecar.domain.model import CallsUser, Session, UserStatus
from sidecar.domain.secret import Secret

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_VERSION: Final = 1
_KEY_ID_BYTES: Final = 8
_NONCE_BYTES: Final = 12
_HEADER: Final = 1 + _KEY_ID_BYTES + _NONCE_BYTES
_AAD_PREFIX: Final = b"cometchat-sidecar/session/v1\x00"
KEY_BYTES: Final = 32
_log = structlog.get_logger(__name__)


class StateKeyError(ConfigError):
    """The state cannot be read with the configured keys; nothing was changed."""


class SealedRecordError(Exception):
    """A stored record is not one this sidecar can read (damaged, or another key)."""


def parse_state_key(value: Secret, source: str) -> bytes:
    """A 32-byte AES-256 key from its base64 text (e.g. `openssl rand -base64 32`)."""
    text = value.reveal().strip()
    try:
        key = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigError(
            f"the state key from {source} must be {KEY_BYTES} bytes, base64-encoded "
            "(for example the output of `openssl rand -base64 32`)"
        )
    return key


def key_id(key: bytes) -> bytes:
    return hmac.new(key, b"cometchat-sidecar state key id", hashlib.sha256).digest()[:_KEY_ID_BYTES]


@dataclass(frozen=True, slots=True)
class Unsealed:
    session: Session
    with_previous_key: bool


class SessionSealer:
    """Seals with the current key; opens with the current or the previous one."""

    def __init__(self, key: bytes, previous: bytes | None = None) -> None:
        # Imported here: the memory backend never seals, and cryptography's bindings
        # cost about 6 MB of resident memory and 20 ms of start-up.
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        self._current_id = key_id(key)
        self._current = AESGCM(key)
        self._keys: dict[bytes, AESGCM] = {self._current_id: self._current}
        self._previous_id = key_id(previous) if previous is not None else None
        if previous is not None and self._previous_id is not None:
            self._keys.setdefault(self._previous_id, AESGCM(previous))

    def seal(self, session: Session) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        body = self._current.encrypt(nonce, _encode(session), _aad(session.app))
        return bytes([_VERSION]) + self._current_id + nonce + body

    def open(self, app: str, record: bytes) -> Unsealed:
        """The session in `record`; raises SealedRecordError when it cannot be read."""
        if len(record) <= _HEADER or record[0] != _VERSION:
            raise SealedRecordError("not a sealed session of a known version")
        kid = record[1 : 1 + _KEY_ID_BYTES]
        cipher = self._keys.get(kid)
        if cipher is None:
            raise SealedRecordError(
                "sealed with a key that is neither the state key nor the previous one"
            )
        nonce = record[1 + _KEY_ID_BYTES : _HEADER]
        from cryptography.exceptions import InvalidTag

        try:
            plain = cipher.decrypt(nonce, record[_HEADER:], _aad(app))
        except InvalidTag:
            raise SealedRecordError(
                "does not decrypt (damaged, or sealed for another app)"
            ) from None
        return Unsealed(_decode(app, plain), kid != self._current_id)

    def __repr__(self) -> str:
        return f"SessionSealer(rotating={self._previous_id is not None})"


def open_stored(sealer: SessionSealer, app: str, record: bytes, *, backend: str) -> Session:
    """The session a store read back. Every record was checked at start, so one that does
    not open now was damaged since: logged, and answered as STATE_UNAVAILABLE."""
    try:
        return sealer.open(app, record).session
    except SealedRecordError:
        _log.error("state_record_unreadable", backend=backend, app=app)
        raise fail("STATE_UNAVAILABLE") from None


def resealed(
    sealer: SessionSealer,
    records: Iterable[tuple[str, bytes]],
    *,
    holder: str,
    unchanged: str,
) -> list[tuple[str, bytes, bytes]]:
    """(app, record, the record sealed anew) for each of `records` (app, record) that is
    sealed with the previous key: what key rotation rewrites. Every record must open with
    the configured keys, else StateKeyError says which (`holder` names the store,
    `unchanged` says that nothing in it was changed) and nothing is rewritten."""
    stale: list[tuple[str, bytes, bytes]] = []
    for app, record in records:
        try:
            opened = sealer.open(app, record)
        except SealedRecordError as error:
            raise StateKeyError(
                f"{holder} holds a session (app {app!r}) that cannot be read: {error}. Start "
                "with the key it was written with (as the state key, or as the previous key to "
                f"rotate); {unchanged}"
            ) from None
        if opened.with_previous_key:
            stale.append((app, record, sealer.seal(opened.session)))
    return stale


def _aad(app: str) -> bytes:
    return _AAD_PREFIX + app.encode("utf-8", "surrogatepass")


def _encode(session: Session) -> bytes:
    return json.dumps(
        {
            "uid": session.user.uid,
            "name": session.user.name,
            "avatar": session.user.avatar,
            "status": session.user.status.value,
            "auth_token": session.auth_token,
            "device_id": session.device_id,
            "created_at": session.created_at,
        },
        separators=(",", ":"),
    ).encode("utf-8")


def _decode(app: str, plain: bytes) -> Session:
    try:
        data = json.loads(plain)
        user = CallsUser(
            uid=str(data["uid"]),
            name=str(data["name"]),
            avatar=str(data["avatar"]),
            status=UserStatus(data["status"]),
        )
        return Session(
            app, user, str(data["auth_token"]), str(data["device_id"]), float(data["created_at"])
        )
    except (ValueError, KeyError, TypeError):
        raise SealedRecordError("decrypts, but is not a session") from None
