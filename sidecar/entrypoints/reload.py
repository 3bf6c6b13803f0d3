"""Reload on SIGHUP: settings are read again and handed to each registered hook.

A hook applies the part of the settings it owns (the log level, the app credentials, ...)
and raises `ConfigError` when it cannot; the others still run, and what was in force stays
in force for the one that failed.
"""

from __future__ import annotations

from collections.abc import Callable

import structlog

from sidecar.config import Settings
from sidecar.entrypoints.rpc.identity import ConfigError

_log = structlog.get_logger(__name__)

ReloadHook = Callable[[Settings], None]


class ReloadHooks:
    """The named hooks run, in order, on every reload."""

    def __init__(self) -> None:
        self._hooks: list[tuple[str, ReloadHook]] = []

    def add(self, name: str, hook: ReloadHook) -> None:
        self._hooks.append((name, hook))

    def run(self, load: Callable[[], Settings]) -> bool:
        """Load the settings and apply them; True when every hook applied them."""
        try:
            settings = load()
        except ConfigError as error:
            _log.error("reload_failed", stage="settings", error=str(error))
            return False
        applied: list[str] = []
        failed: list[str] = []
        for name, hook in self._hooks:
            try:
                hook(settings)
            except ConfigError as error:
                failed.append(name)
                _log.error("reload_failed", stage=name, error=str(error))
            else:
                applied.append(name)
        _log.info("reloaded", applied=applied, failed=failed)
        return not failed
