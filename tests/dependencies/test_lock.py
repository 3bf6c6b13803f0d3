"""The lock: uv.lock and requirements/ agree with pyproject.toml, and the check that says so
fails when they do not (run on a copy of the project, offline)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UV = ROOT / ".venv" / "bin" / "uv"
LOCK_FILES = (
    "pyproject.toml",
    "uv.lock",
    "requirements/runtime.txt",
    "requirements/bootstrap.txt",
    "requirements/build.txt",
    "scripts/lock.sh",
    "clients/python/pyproject.toml",
    "clients/python/README.md",
)


def check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["scripts/lock.sh", "--check"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", "UV": str(UV), "HOME": str(project)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The files the lock is made from, copied into a scratch folder."""
    for name in LOCK_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tmp_path / name)
    return tmp_path


def test_the_committed_lock_matches_pyproject(project: Path) -> None:
    result = check(project)
    assert result.returncode == 0, result.stderr
    assert "match pyproject.toml" in result.stdout


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("pyproject.toml", '"redis>=6.4",', '"redis>=6.4",\n    "tenacity>=9",'),
        ("pyproject.toml", '"ruff==0.17.6"', '"ruff==0.17.5"'),
        ("clients/python/pyproject.toml", '"protobuf>=7.35.1",', '"protobuf>=7.35.1", "attrs",'),
    ],
    ids=["runtime-dependency-added", "dev-pin-changed", "client-dependency-added"],
)
def test_a_dependency_changed_without_relocking_fails_the_check(
    project: Path, file: str, old: str, new: str
) -> None:
    edit(project / file, old, new)
    result = check(project)
    assert result.returncode == 1
    assert "uv.lock does not match pyproject.toml" in result.stderr
    assert "run 'make lock'" in result.stderr


def test_a_hand_edited_requirements_file_fails_the_check(project: Path) -> None:
    edit(project / "requirements/runtime.txt", "httpx==0.28.1", "httpx==0.28.0")
    result = check(project)
    assert result.returncode == 1
    assert "requirements/runtime.txt is not what uv.lock exports" in result.stderr


def test_the_runtime_requirements_pin_every_package_with_hashes() -> None:
    lines = (ROOT / "requirements/runtime.txt").read_text(encoding="utf-8").splitlines()
    pins = [line for line in lines if line and not line[0].isspace() and line[0] != "#"]
    assert pins
    for pin in pins:
        assert "==" in pin, pin
        assert pin.endswith("\\"), f"{pin} has no --hash lines"
    names = {pin.split("==")[0] for pin in pins}
    # The sidecar's own direct runtime dependencies are all there; the dev tools are not.
    assert {"grpcio", "httpx", "structlog", "prometheus-client", "redis"} <= names
    assert not names & {"pytest", "mypy", "ruff", "uv", "pip-audit"}
    # The two local packages are installed from their folders, not from an index.
    assert not names & {"cometchat-auth-sidecar", "cometchat-sidecar-client"}
