"""Sidecars as real processes (`python -m sidecar serve`), for crash and multi-process tests.

Their log goes to a file (a pipe nobody reads would fill up and stall the process);
the address is taken from the `serving` line.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sidecar.emulator import Emulator

ROOT = Path(__file__).resolve().parents[1]


class SidecarProcess:
    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self.address = ""

    @classmethod
    async def start(cls, log: Path, args: list[str], env: dict[str, str]) -> SidecarProcess:
        """Start one and wait (at most 30 s) for its `serving` line."""
        with log.open("ab") as sink:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "sidecar", "serve", "--listen", "127.0.0.1:0", *args,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=sink,
                env={**os.environ, **env},
            )  # fmt: skip
        running = cls(process, log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            serving = running.events("serving")
            if serving:
                running.address = str(serving[-1]["address"])
                return running
            if process.returncode is not None:
                raise AssertionError(
                    f"the sidecar exited ({process.returncode}):\n{running.text()}"
                )
            await asyncio.sleep(0.05)
        await running.kill()
        raise AssertionError(f"the sidecar did not serve in time:\n{running.text()}")

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def events(self, name: str) -> list[dict[str, object]]:
        found = []
        for line in self.text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == name:
                found.append(record)
        return found

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> int:
        """SIGTERM, and wait up to 20 s for a clean exit (then SIGKILL)."""
        if self.process.returncode is None:
            self.process.terminate()
        try:
            async with asyncio.timeout(20):
                return await self.process.wait()
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"the sidecar did not stop on SIGTERM:\n{self.text()}") from None


def emulator_args(emulator: Emulator, credentials_dir: Path) -> list[str]:
    return [
        "--app-id", emulator.config.app_id,
        "--api-host", emulator.api_url,
        "--client-host", emulator.client_url,
        "--call-host", emulator.call_url,
        "--app-credentials-dir", str(credentials_dir),
        "--log-level", "info",
        "--http-listen", "127.0.0.1:0",
    ]  # fmt: skip


def start_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`python -m sidecar ARGS` with its output piped, for tests that read it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sidecar", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
