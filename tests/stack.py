"""A live stack for tests: a real CometChat emulator and a real sidecar on loopback.

    .venv/bin/python -m tests.stack

runs one and prints the environment the client test suites read (`export NAME=value`
lines), then serves until interrupted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import secrets
import signal
import sys
import tempfile
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sidecar.adapters.credentials import hash_credential
from sidecar.bootstrap import RunningSidecar, running_sidecar
from sidecar.config import Settings
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from sidecar.logs import configure_logging


@dataclass(frozen=True)
class Stack:
    emulator: Emulator
    sidecar: RunningSidecar
    settings: Settings
    credentials: dict[str, str]

    @property
    def address(self) -> str:
        return self.sidecar.address

    def metadata(self, app: str) -> tuple[tuple[str, str], ...]:
        return (("authorization", f"Bearer {self.credentials[app]}"),)


def write_credentials(directory: Path, apps: Sequence[str]) -> dict[str, str]:
    """A fresh credential per app; the directory gets only their hashes."""
    directory.mkdir(parents=True, exist_ok=True)
    credentials = {app: secrets.token_urlsafe(24) for app in apps}
    for app, credential in credentials.items():
        (directory / app).write_text(hash_credential(credential) + "\n", encoding="utf-8")
    return credentials


# The live stack's call-session prefix: "" grants call tokens for any session id. Client
# suites read it as EMULATOR_CALL_SESSION_PREFIX and start their session ids with it.
CALL_SESSION_PREFIX = ""


def granting_policy(apps: Sequence[str], call_tokens_per_second: float = 50) -> str:
    """A policy file's text granting each app everything: call tokens (any session id),
    token issuance for any UID, and revoke_all."""
    return "".join(
        f'[apps."{app}"]\ncall_session_prefix = "{CALL_SESSION_PREFIX}"\n'
        f"call_tokens_per_second = {call_tokens_per_second}\ncall_token_burst = 100\n"
        "issue_tokens = true\nrevoke_all = true\n\n"
        for app in apps
    )


def write_policy(workdir: Path, text: str) -> Path:
    """`workdir/policy.toml` holding `text`."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def new_state_key() -> str:
    """A fresh state key, as `openssl rand -base64 32` prints one."""
    return base64.b64encode(os.urandom(32)).decode()


def sidecar_settings(
    emulator: Emulator,
    credentials_dir: Path | None,
    *,
    held_key: str | None = "full",
    **overrides: Any,
) -> Settings:
    """Settings for a sidecar in front of `emulator` (keys as in `live_stack`)."""
    keys = {"full": emulator.config.full_access_key, "auth-only": emulator.config.auth_only_key}
    settings = Settings(
        listen="127.0.0.1:0",
        app_id=emulator.config.app_id,
        api_key=Secret(keys[held_key]) if held_key else None,
        api_host=emulator.api_url,
        client_host=emulator.client_url,
        call_host=emulator.call_url,
        app_credentials_dir=credentials_dir,
        http_listen="127.0.0.1:0",
    )
    return replace(settings, **overrides)


@contextlib.asynccontextmanager
async def live_stack(
    workdir: Path,
    apps: Sequence[str] = ("app-a", "app-b"),
    *,
    held_key: str | None = "full",
    policy: str | None = "grant-all",
    **overrides: Any,
) -> AsyncIterator[Stack]:
    """Emulator + sidecar. `held_key`: "full", "auth-only" or None (the sidecar holds none).
    `policy`: the policy file's text; "grant-all" grants every app (credential and socket
    apps) everything (`granting_policy`), None runs without a policy file (deny by default)."""
    async with Emulator() as emulator:
        credentials = write_credentials(workdir / "apps", apps) if apps else {}
        if policy is not None and "policy_file" not in overrides:
            granted = list(dict.fromkeys([*apps, *overrides.get("socket_apps", ())]))
            text = granting_policy(granted) if policy == "grant-all" else policy
            overrides["policy_file"] = write_policy(workdir, text)
        settings = sidecar_settings(
            emulator, workdir / "apps" if apps else None, held_key=held_key, **overrides
        )
        async with running_sidecar(settings, grace=1.0) as sidecar:
            yield Stack(emulator, sidecar, settings, credentials)


def client_environment(stack: Stack, app: str = "app-a") -> dict[str, str]:
    """The variables every client's live test reads."""
    return {
        "SIDECAR_ADDRESS": stack.address,
        "SIDECAR_APP_CREDENTIAL": stack.credentials[app],
        "EMULATOR_API_URL": stack.emulator.api_url,
        "EMULATOR_APP_ID": stack.emulator.config.app_id,
        "EMULATOR_API_KEY": stack.emulator.config.full_access_key,
        "EMULATOR_CALL_URL": stack.emulator.call_url,
        "EMULATOR_CALL_SESSION_PREFIX": CALL_SESSION_PREFIX,
    }


async def _main() -> None:
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as workdir:
        async with live_stack(Path(workdir), apps=("app-a",)) as stack:
            for name, value in client_environment(stack).items():
                print(f"export {name}={value}", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            await stop.wait()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_main())
    sys.exit(0)
