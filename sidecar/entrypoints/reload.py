"""Reload on SIGHUP: settings are read again and handed to each registered hook.

A hook applies the part of the settings it owns (the log level, the app credentials, ...)
and raises `ConfigError` when it cannot; the others still run, and what was in force stays
in force for the one that failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import structlog

from sidecar.domain.errors import ConfigError

_log = structlog.get_logger(__name__)

_Settings = TypeVar("_Settings")


class ReloadHooks(Generic[_Settings]):
    """The named hooks run, in order, on every reload, each given the settings read anew."""

    def __init__(self) -> None:
        self._hooks: list[tuple[str, Callable[[_Settings], object]]] = []

    def add(self, name: str, hook: Callable[[_Settings], object]) -> None:
        self._hooks.append((name, hook))

    def run(self, load: Callable[[], _Settings]) -> bool:
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
