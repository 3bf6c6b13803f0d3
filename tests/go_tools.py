"""The Go programs some tests drive (grpcurl, otlp-receiver), built by tools/go-tools.sh."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import pytest

BIN: Final = Path(__file__).resolve().parent.parent / "tools" / ".bin"


def go_tool(name: str) -> Path:
    """The built program; skips with a message (fails under CI) when it is missing."""
    path = BIN / name
    if not path.exists():
        message = f"{path} is missing: run tools/go-tools.sh (needs Go) or `make test`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
