"""Fixtures of the cluster tests: one real cluster for this folder's tests, the images built by
tests/deploy/images.py imported into its containerd, and the emulator in its own pod.

Not root, or a part missing: every cluster test skips with a message saying what; under
CI (`CI` set) they fail instead.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy import images
from tests.deploy.cluster import cluster as cluster_module
from tests.deploy.cluster import manifests
from tests.deploy.cluster.kube import Kube
from tests.deploy.render import tool


def _requirement() -> str | None:
    problem = cluster_module.missing()
    if problem:
        return problem
    absent = images.missing_tools()
    if absent:
        return f"the image build needs {', '.join(absent)}: tests/deploy/cluster/host-tools.sh"
    return None


# Package scope: the cluster is removed when this folder's tests are done, before the rest
# of the suite runs.
@pytest.fixture(scope="package")
def kube() -> Iterator[Kube]:
    problem = _requirement()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    tool("kustomize")
    started = time.monotonic()
    built = images.build()
    build_seconds = time.monotonic() - started
    with cluster_module.running() as cluster:
        started = time.monotonic()
        for archive in built.archives.values():
            cluster.import_image(archive)
        kube = Kube(cluster)
        kube.apply_in("cc-upstream", manifests.emulator_manifest())
        kube.wait_rollout("cc-upstream", "deployment/cometchat-emulator")
        figures = {
            "kubernetes": cluster_module.KUBERNETES_VERSION,
            "images_build_seconds": round(build_seconds, 1),
            "node_ready_seconds": round(cluster.started_seconds, 1),
            "import_and_emulator_seconds": round(time.monotonic() - started, 1),
        }
        (cluster_module.cache_dir() / "figures.json").write_text(json.dumps(figures, indent=2))
        print(f"cluster: {figures}")
        yield kube
    assert cluster.before is not None
    left = cluster_module.leftovers(cluster.run, cluster.before)
    assert not left, f"the cluster left on the host: {left}"


@pytest.fixture
def overlay_dir(tmp_path: Path) -> Path:
    return tmp_path / "overlay"
