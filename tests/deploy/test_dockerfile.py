"""The image's Dockerfile: hadolint-clean and built the way the README promises.

No container engine runs in CI, so the image itself is not built here: these checks
keep the Dockerfile correct by construction.
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


def test_two_stages_on_a_slim_python_3_11_base() -> None:
    bases = [args.split()[0] for keyword, args in instructions(DOCKERFILE) if keyword == "FROM"]
    assert len(bases) == 2
    assert all(base.startswith("python:3.11-slim") for base in bases)


def test_the_runtime_stage_is_non_root_read_only_friendly_and_exec_form() -> None:
    steps = instructions(DOCKERFILE)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    runtime = steps[last_from:]

    users = [args for keyword, args in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    uid, _, gid = users[-1].partition(":")
    assert uid.isdigit()
    assert int(uid) > 0
    assert gid.isdigit()
    assert int(gid) > 0

    env = " ".join(args for keyword, args in runtime if keyword == "ENV")
    assert "PYTHONDONTWRITEBYTECODE=1" in env
    assert not [args for keyword, args in runtime if keyword == "RUN"], "runtime stage runs code"
    assert not [args for keyword, args in runtime if keyword == "VOLUME"]

    entrypoints = [args for keyword, args in runtime if keyword == "ENTRYPOINT"]
    assert json.loads(entrypoints[-1]) == ["python", "-m", "sidecar", "serve"]
    copies = [args for keyword, args in runtime if keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"]


def test_the_builder_installs_the_sidecar_and_the_client_from_paths_that_exist() -> None:
    steps = instructions(DOCKERFILE)
    first_stage = steps[: [k for k, _ in steps].index("FROM", 1)]
    sources = [
        source
        for keyword, args in first_stage
        if keyword == "COPY"
        for source in shlex.split(args)[:-1]
    ]
    assert sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY source {source} is not in the repository"

    installs = [args for keyword, args in first_stage if keyword == "RUN" and "pip install" in args]
    assert len(installs) == 1
    words = shlex.split(installs[0])
    assert "./clients/python" in words
    assert "." in words
    assert (ROOT / "clients/python/pyproject.toml").exists()
