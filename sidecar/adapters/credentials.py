"""Per-app TCP credentials: stored as hashes, re-read on change, rotated with overlap.

The credentials directory holds one file per app, as a mounted Kubernetes Secret lays
it out: the file name is the app's name, the content the SHA-256 hash of the app's
credential written as `sha256:<64 hex digits>` (`cometchat-sidecar hash-credential`
prints it). The sidecar keeps only digests and compares a presented credential's
digest against every app in constant time. A file holding anything else, the
credential itself included, is refused: credentials are never stored in clear.

`reload()` re-reads the directory. When an app's hash changes, its previous hash
stays valid for the rotation window so that callers can move to the new credential
without failing; an app whose file disappears is revoked at once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import structlog

from sidecar.domain.errors import ConfigError
from sidecar.domain.model import AppIdentity

HASH_PREFIX: Final = "sha256:"
_HASH: Final = re.compile(r"sha256:([0-9a-fA-F]{64})")
_log = structlog.get_logger(__name__)


def digest_of(credential: str) -> bytes:
    """The SHA-256 digest of a credential as the sidecar stores and compares it."""
    return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).digest()


def hash_credential(credential: str) -> str:
    """The line to store in an app's credentials file for `credential`."""
    if not credential:
        raise ValueError("an empty credential cannot be hashed")
    return HASH_PREFIX + digest_of(credential).hex()


def _parse(name: str, text: str) -> bytes:
    """The digest a file holds. Its content is never quoted: it may be a credential."""
    value = text.strip()
    match = _HASH.fullmatch(value)
    if match is not None:
        return bytes.fromhex(match.group(1))
    if not value:
        raise ConfigError(f"the credentials file of app {name!r} is empty")
    if value.lower().startswith(HASH_PREFIX):
        raise ConfigError(
            f"the credentials file of app {name!r} holds a malformed hash: "
            "expected sha256: and 64 hex digits"
        )
    raise ConfigError(
        f"the credentials file of app {name!r} does not hold a hash: credentials are never "
        "stored in clear. Store the line `cometchat-sidecar hash-credential` prints for the "
        "credential (sha256:<64 hex digits>) and give the credential itself to the app only"
    )


def read_directory(directory: Path) -> dict[str, bytes]:
    """App name -> credential digest, from one file per app. Dot files are skipped:
    a Secret volume keeps its bookkeeping in `..data` links."""
    if not directory.is_dir():
        raise ConfigError(f"app credentials directory {str(directory)!r} does not exist")
    digests: dict[str, bytes] = {}
    seen: dict[bytes, str] = {}
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                f"cannot read the credentials file of app {path.name!r}: {type(error).__name__}"
            ) from None
        digest = _parse(path.name, text)
        if digest in seen:
            raise ConfigError(f"apps {seen[digest]!r} and {path.name!r} share one credential")
        seen[digest] = path.name
        digests[path.name] = digest
    if not digests:
        raise ConfigError(f"app credentials directory {str(directory)!r} holds no app")
    return digests


@dataclass(frozen=True)
class CredentialChanges:
    """What one reload changed, by app name."""

    added: tuple[str, ...] = ()
    rotated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.rotated or self.removed)


def _index(digests: Mapping[str, bytes]) -> dict[bytes, AppIdentity]:
    return {digest: AppIdentity(name) for name, digest in digests.items()}


@dataclass(frozen=True)
class _Retiring:
    app: str
    digest: bytes
    until: float


class AppRegistry:
    """The apps this sidecar serves over TCP and the digests of their credentials."""

    def __init__(
        self,
        digests: Mapping[str, bytes],
        *,
        directory: Path | None = None,
        rotation_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not digests:
            raise ConfigError("an app registry needs at least one app")
        self._current: dict[str, bytes] = dict(digests)
        self._by_digest = _index(self._current)
        self._retiring: list[_Retiring] = []
        self._directory = directory
        self._rotation_seconds = rotation_seconds
        self._clock = clock

    @classmethod
    def from_directory(
        cls,
        directory: Path,
        *,
        rotation_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> AppRegistry:
        return cls(
            read_directory(directory),
            directory=directory,
            rotation_seconds=rotation_seconds,
            clock=clock,
        )

    @property
    def apps(self) -> tuple[str, ...]:
        return tuple(self._current)

    def identify(self, presented: str) -> AppIdentity | None:
        """The app whose credential this is, or None.

        Looked up by the SHA-256 digest of what was presented, never by the
        credential itself: how long the lookup takes depends on that digest only,
        and no caller can steer a digest toward a stored one without a preimage
        of SHA-256. Retiring credentials (a rotation's window) are compared after.
        """
        digest = digest_of(presented)
        found = self._by_digest.get(digest)
        if found is not None or not self._retiring:
            return found
        now = self._clock()
        self._retiring = [r for r in self._retiring if r.until > now]
        for retiring in self._retiring:
            if hmac.compare_digest(digest, retiring.digest):
                return AppIdentity(retiring.app)
        return None

    def replace(self, digests: Mapping[str, bytes]) -> CredentialChanges:
        """Adopt a new set of digests, keeping changed ones valid for the window."""
        if not digests:
            raise ConfigError("an app registry needs at least one app")
        now = self._clock()
        until = now + self._rotation_seconds
        added = tuple(name for name in digests if name not in self._current)
        removed = tuple(name for name in self._current if name not in digests)
        rotated = tuple(
            name
            for name, digest in digests.items()
            if name in self._current and not hmac.compare_digest(self._current[name], digest)
        )
        kept = [
            r
            for r in self._retiring
            if r.until > now
            and r.app in digests
            and not hmac.compare_digest(r.digest, digests[r.app])
        ]
        if self._rotation_seconds > 0:
            kept += [_Retiring(name, self._current[name], until) for name in rotated]
        self._retiring = kept
        self._current = dict(digests)
        self._by_digest = _index(self._current)
        return CredentialChanges(added, rotated, removed)

    def reload(self) -> CredentialChanges:
        """Re-read the credentials directory. On a bad directory the current set stays
        in force and ConfigError says what is wrong."""
        if self._directory is None:
            return CredentialChanges()
        changes = self.replace(read_directory(self._directory))
        if changes:
            _log.info(
                "credentials_reloaded",
                added=list(changes.added),
                rotated=list(changes.rotated),
                removed=list(changes.removed),
                rotation_window_seconds=self._rotation_seconds,
            )
        return changes

    async def watch(self, interval: float) -> None:
        """Reload every `interval` seconds until cancelled. The files are a few bytes
        each, so they are simply re-read: no mtime granularity can hide a change."""
        while True:
            await asyncio.sleep(interval)
            try:
                self.reload()
            except ConfigError as error:
                _log.error("credentials_reload_failed", error=str(error))

    def __repr__(self) -> str:
        return f"AppRegistry(apps={list(self._current)})"
