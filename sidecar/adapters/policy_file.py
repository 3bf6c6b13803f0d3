"""The policy file: TOML, read at start, re-read on SIGHUP and when its content changes.

At start a bad file stops the sidecar (`ConfigError`, logged as `bad_config`). Later, a
bad file keeps the policy in force and logs `policy_reload_failed`; the poll tries it
again until it is good, so a file that names an app the credentials directory is about
to add is taken once the app is there.
"""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import Callable, Collection
from pathlib import Path

import structlog

from sidecar.domain.errors import ConfigError
from sidecar.domain.policy import Policy, parse_policy
from sidecar.service.policy import PolicyHolder

_log = structlog.get_logger(__name__)


def read_policy(path: Path, known_apps: Collection[str]) -> tuple[Policy, bytes]:
    """The file's policy and the bytes it was read from; ConfigError says what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"cannot read the policy file {str(path)!r}: {error.strerror}") from None
    try:
        document = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"policy file {str(path)!r} is not valid TOML: {error}") from None
    return parse_policy(document, repr(str(path)), known_apps), raw


class PolicyFile:
    """Keeps `holder` in step with the file at `path` (no file: the default policy)."""

    def __init__(
        self,
        path: Path | None,
        holder: PolicyHolder,
        known_apps: Callable[[], Collection[str]],
    ) -> None:
        self._path = path
        self._holder = holder
        self._known_apps = known_apps
        self._raw: bytes | None = None
        self._failed: str | None = None

    def load(self) -> None:
        """Read the file now and put its policy in force; raises ConfigError when bad."""
        if self._path is None:
            self._holder.replace(Policy())
            self._raw = None
            return
        policy, raw = read_policy(self._path, self._known_apps())
        self._holder.replace(policy)
        self._raw = raw
        self._failed = None

    def reload(self, path: Path | None) -> None:
        """Re-read (SIGHUP), from `path` as the settings now name it. On a bad file the
        policy in force stays, `policy_reload_failed` is logged and ConfigError raised."""
        previous = self._path
        self._path = path
        try:
            self.load()
        except ConfigError as error:
            self._path = previous
            self._failed = str(error)
            _log.error("policy_reload_failed", error=str(error))
            raise
        _log.info("policy_reloaded", policy_file=str(path) if path else None)

    async def watch(self, interval: float) -> None:
        """Re-read the file every `interval` seconds until cancelled; take it when its
        content changed, or when the last try failed (it may be good now)."""
        while True:
            await asyncio.sleep(interval)
            if self._path is None:
                continue
            try:
                raw = self._path.read_bytes()
            except OSError:
                raw = None
            if raw is not None and raw == self._raw and self._failed is None:
                continue
            try:
                self.load()
            except ConfigError as error:
                if str(error) != self._failed:  # once per distinct problem, not every poll
                    _log.error("policy_reload_failed", error=str(error))
                self._failed = str(error)
                continue
            _log.info("policy_reloaded", policy_file=str(self._path))
