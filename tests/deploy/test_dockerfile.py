"""The image's Dockerfile: hadolint-clean and shaped the way the README promises.

tests/deploy/test_image.py builds it for real (on a base made from Debian's packages);
these checks hold for the public base users build on, which CI cannot pull.
"""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.deploy.render import DEPLOY, ROOT

pytestmark = pytest.mark.deploy

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


def hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("hadolint") or str(Path(__file__).parents[2] / ".venv/bin/hadolint")
    return subprocess.run(
        [binary, "--no-color", "--failure-threshold", "style", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = path.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    pairs = []
    for line in lines:
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = hadolint(DOCKERFILE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_on_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python\nUSER root\nCMD python -m sidecar serve\n", encoding="utf-8")

    result = hadolint(bad)

    assert result.returncode != 0
    assert "DL3006" in result.stdout  # untagged base image
    assert "DL3025" in result.stdout  # shell-form CMD


def _stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage; what comes before the first FROM is left out."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in instructions(DOCKERFILE):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, args))
    return stages


def test_two_stages_on_one_base_whose_default_is_the_public_slim_python_3_11() -> None:
    steps = instructions(DOCKERFILE)
    base_args = [args for keyword, args in steps[:1] if keyword == "ARG"]
    assert base_args == ["BASE=python:3.11-slim-bookworm"]
    bases = [stage[0][1].split()[0] for stage in _stages()]
    assert bases == ["${BASE}", "${BASE}"]


def test_the_runtime_stage_is_non_root_read_only_friendly_and_exec_form() -> None:
    runtime = _stages()[-1]

    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0

    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    # One RUN only: it removes the pip (and setuptools, wheel) a public base ships.
    runs = [args for keyword, args in runtime if keyword == "RUN"]
    assert len(runs) == 1
    assert "pip uninstall" in runs[0]
    assert not [args for keyword, args in runtime if keyword == "VOLUME"]

    entrypoints = [args for keyword, args in runtime if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoints[-1]) == ["python", "-m", "sidecar", "serve"]
    copies = [args for keyword, args in runtime if keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]


def test_the_builder_installs_the_lock_with_hashes_then_the_local_packages() -> None:
    builder = _stages()[0]
    sources = [
        source
        for keyword, args in builder
        if keyword == "COPY"
        for source in shlex.split(args)[:-1]
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY source {source} is not in the repository"

    installs = [args for keyword, args in builder if keyword == "RUN" and "pip install" in args]
    assert len(installs) == 2
    locked = shlex.split(installs[0])
    assert "--require-hashes" in locked
    assert "--only-binary=:all:" in locked
    assert "requirements/runtime.txt" in locked
    assert "requirements/build.txt" in locked
    local = shlex.split(installs[1])
    assert "--no-index" in local
    assert "--no-build-isolation" in local
    assert "./clients/python" in local
    assert "." in local
    assert "uninstall" in local  # pip and setuptools leave the venv before it is copied


def test_the_build_backend_is_new_enough_for_the_spdx_license_string() -> None:
    # `license = "Apache-2.0"` (PEP 639) needs setuptools 77 or newer.
    for pyproject in (ROOT / "pyproject.toml", ROOT / "clients/python/pyproject.toml"):
        text = pyproject.read_text(encoding="utf-8")
        assert 'license = "Apache-2.0"' in text
        assert 'requires = ["setuptools>=77"]' in text
    locked = (ROOT / "requirements/build.txt").read_text(encoding="utf-8")
    version = locked.split("setuptools==")[1].split()[0]
    assert int(version.split(".")[0]) >= 77
