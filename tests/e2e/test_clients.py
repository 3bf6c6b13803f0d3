"""Each language's client suite, run against a live sidecar and emulator.

Where a toolchain is missing the language is skipped with a message; under CI
(`CI` set) a missing toolchain fails instead, so no language drops out unseen.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from tests.stack import client_environment, live_stack

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
TOOLCHAINS = {
    "python": ("python3",),
    "go": ("go",),
    "node": ("node", "npm"),
    "java": ("java", "mvn"),
}
# First runs download modules or Maven artifacts; Maven on two cores is slow.
TIMEOUT_SECONDS = 1500


@pytest.mark.parametrize("language", sorted(TOOLCHAINS))
async def test_client_suite_against_a_live_sidecar(tmp_path: Path, language: str) -> None:
    missing = [tool for tool in TOOLCHAINS[language] if shutil.which(tool) is None]
    if missing:
        message = f"{language} client not tested: {', '.join(missing)} not on PATH"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    async with live_stack(tmp_path, apps=("app-a",)) as stack:
        process = await asyncio.create_subprocess_exec(
            "bash",
            str(ROOT / "clients" / language / "test.sh"),
            cwd=ROOT,
            env={**os.environ, **client_environment(stack)},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            output, _ = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            raise
        text = output.decode(errors="replace")
        print(text)  # shown by pytest on failure, and in CI logs with -s
        assert process.returncode == 0, f"{language} client suite failed:\n{text[-4000:]}"
        # The live sequence really ran against this sidecar: it logged in and out, made a
        # call token, created a user for an issued token, revoked one token and all of a user's.
        assert stack.emulator.request_count("M1") >= 2
        assert stack.emulator.request_count("M2") >= 1
        for endpoint in ("C1", "R2", "R7", "R8"):
            assert stack.emulator.request_count(endpoint) >= 1, endpoint
