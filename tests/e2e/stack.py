"""Run a live emulator + sidecar and print the environment the client test suites read.

    .venv/bin/python -m tests.e2e.stack

prints `export NAME=value` lines, then serves until interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import tempfile
from pathlib import Path

from sidecar.logs import configure_logging
from tests.stack import Stack, live_stack


def client_environment(stack: Stack, app: str = "app-a") -> dict[str, str]:
    """The variables every client's live test reads."""
    return {
        "SIDECAR_ADDRESS": stack.address,
        "SIDECAR_APP_CREDENTIAL": stack.credentials[app],
        "EMULATOR_API_URL": stack.emulator.api_url,
        "EMULATOR_APP_ID": stack.emulator.config.app_id,
        "EMULATOR_API_KEY": stack.emulator.config.full_access_key,
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
