"""The sidecar's image, built for real with buildah from deploy/docker/Dockerfile.

The base is made from Debian's packages (tests/deploy/images.py says why and how); the
image built here is the one the cluster tests (tests/deploy/cluster/) run. Needs root,
buildah, mmdebstrap and Go (tests/deploy/cluster/host-tools.sh installs them as root);
elsewhere it skips with a message, and under CI it fails instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import tarfile
from typing import Any

import pytest

from tests.deploy import images

pytestmark = [pytest.mark.deploy, pytest.mark.e2e]


def _requirements() -> str | None:
    if os.geteuid() != 0:
        return "the image build runs buildah as root: run it as root"
    missing = images.missing_tools()
    if missing:
        return f"the image build needs {', '.join(missing)}: tests/deploy/cluster/host-tools.sh"
    return None


@pytest.fixture(scope="session")
def built() -> images.Built:
    problem = _requirements()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return images.build()


def _config(archive: str) -> dict[str, Any]:
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        config: dict[str, Any] = json.load(tar.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
    return config


def _run(built: images.Built, *command: str) -> tuple[int, str]:
    result = images.run_in_image(images.cache_dir(), images.SIDECAR_IMAGE, *command)
    return result.returncode, result.stdout + result.stderr


def test_the_image_runs_the_sidecar_as_a_numeric_non_root_user(built: images.Built) -> None:
    config = _config(built.archives[images.SIDECAR_IMAGE])["config"]
    assert config["User"] == "10001:10001"
    assert config["Entrypoint"] == ["python", "-m", "sidecar", "serve"]
    assert "PYTHONDONTWRITEBYTECODE=1" in config["Env"]

    code, out = _run(built, "python", "-m", "sidecar", "--help")
    assert code == 0, out
    assert "serve" in out
    code, out = _run(built, "id", "-u")
    assert (code, out.strip()) == (0, "10001")


def test_the_runtime_has_no_pip_and_no_compiler(built: images.Built) -> None:
    code, out = _run(built, "python", "-c", "import pip")
    assert code != 0
    assert "No module named 'pip'" in out
    code, out = _run(built, "python", "-c", "import setuptools")
    assert code != 0
    for tool in ("pip", "pip3", "gcc", "cc", "c++", "make"):
        code, _ = _run(built, "sh", "-c", f"command -v {tool}")
        assert code != 0, f"{tool} is in the runtime image"


def test_the_venv_holds_exactly_the_locked_versions(built: images.Built) -> None:
    code, out = _run(
        built,
        "python",
        "-c",
        "import importlib.metadata as m, json;"
        "print(json.dumps({d.metadata['Name'].lower(): d.version for d in m.distributions()}))",
    )
    assert code == 0, out
    installed = json.loads(out)
    locked = {}
    for line in (images.ROOT / "requirements" / "runtime.txt").read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            name, _, version = line.split(" ")[0].partition("==")
            locked[name.lower().replace("_", "-")] = version.split(";")[0]
    normalised = {name.replace("_", "-"): version for name, version in installed.items()}
    for name, version in locked.items():
        assert normalised.get(name) == version, name
    assert normalised["cometchat-auth-sidecar"] == "0.1.0"
    assert normalised["cometchat-sidecar-client"] == "0.1.0"
    assert set(normalised) == {*locked, "cometchat-auth-sidecar", "cometchat-sidecar-client"}


def test_the_image_stays_small(built: images.Built) -> None:
    # The base (Debian minbase + Python 3.11) is about 180 MB, the venv about 80 MB.
    assert built.sidecar_bytes < 300 * 1024 * 1024, built


def test_the_host_ca_used_by_the_build_is_in_no_layer(built: images.Built) -> None:
    # The build trusts the host's CA bundle (mounted for RUN steps only); the image keeps
    # the bundle of its own ca-certificates package, and no build setting stays in it.
    code, out = _run(built, "sha256sum", images.BUILD_CA)
    assert code == 0, out
    host = hashlib.sha256(images.HOST_CA.read_bytes()).hexdigest()
    assert out.split()[0] != host
    code, out = _run(built, "env")
    assert code == 0, out
    assert "PIP_CERT" not in out
