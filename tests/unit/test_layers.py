"""The layer contracts (import-linter, in pyproject.toml) hold, and they can fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on the `sidecar` package found first on the path in `tree`."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sidecar", tmp_path / "sidecar", ignore=shutil.ignore_patterns("*.pyc"))
    return tmp_path


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("service/ports.py", "import httpx", "The service and the domain do no I/O"),
        ("domain/model.py", "import sqlite3", "The service and the domain do no I/O"),
        ("service/sessions.py", "from sidecar.adapters import metrics", "Layers"),
        ("adapters/metrics.py", "from sidecar.entrypoints.rpc import server", "Layers"),
        ("entrypoints/rpc/listeners.py", "from sidecar import config", "Layers"),
        ("emulator/state.py", "from sidecar.domain import errors", "The emulator stands alone"),
    ],
)
def test_an_import_against_the_layers_breaks_a_contract(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    tree = copy_of_the_package(tmp_path)
    with (tree / "sidecar" / module).open("a", encoding="utf-8") as source:
        source.write(f"\n{line}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if row.endswith("BROKEN")]
    assert any(row.startswith(contract) for row in broken), result.stdout
