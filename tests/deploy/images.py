"""Build the sidecar's image (and the cluster tests' app images) with buildah, for real.

Docker Hub is not reachable from CI, so the Dockerfile's public base cannot be pulled:
the base is made from Debian's packages (`mmdebstrap --variant=minbase bookworm` with
Python 3.11) and passed as the Dockerfile's `BASE` build argument. pip inside the build
trusts the host's CA bundle through a read-only mount for the RUN steps only, so it never
lands in a layer (the layers keep the base's own bundle). RUN steps use the host's
network (no bridge, no NAT rules left behind).

Everything lives in the cluster cache (COMETCHAT_CLUSTER_CACHE, default
<repo>/.cache/cluster): the base tarball, buildah's storage (its layer cache makes a warm
build a few seconds) and one OCI archive per image for `ctr images import`.

    python -m tests.deploy.images      # builds everything, prints the figures as JSON
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = Path(__file__).resolve().parent / "cluster"
HOST_CA = Path("/etc/ssl/certs/ca-certificates.crt")
# Mounted over the base's own bundle for the RUN steps: a path that exists in the base
# leaves no mount point behind in a layer, and the layer keeps the base's bundle.
BUILD_CA = "/etc/ssl/certs/ca-certificates.crt"

SIDECAR_IMAGE = "docker.io/library/cometchat-auth-sidecar:0.1.0"
BASE_IMAGE = "localhost/cometchat-test/debian-python:bookworm"
PYTHON_APP_IMAGE = "docker.io/library/example-app-a:1.0.0"
GO_APP_IMAGE = "docker.io/library/example-app-b:1.0.0"
REPORT_IMAGE = "docker.io/library/example-report:1.0.0"
# Python 3.11 as `python` with its venv module, and the CA roots an HTTPS client needs.
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "ca-certificates")
DEBIAN_SOURCES = (
    "deb http://deb.debian.org/debian bookworm main",
    "deb http://deb.debian.org/debian bookworm-updates main",
    "deb http://deb.debian.org/debian-security bookworm-security main",
)
DROPPED_PATHS = ("/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*", "/usr/share/locale/*")


def cache_dir() -> Path:
    return Path(os.environ.get("COMETCHAT_CLUSTER_CACHE", ROOT / ".cache" / "cluster"))


def missing_tools() -> list[str]:
    return [tool for tool in ("buildah", "mmdebstrap", "go") if shutil.which(tool) is None]


@dataclass(frozen=True)
class Built:
    """What one build gave: the archives to import and the figures for the README."""

    archives: dict[str, str]
    base_seconds: float
    sidecar_seconds: float
    sidecar_bytes: int
    apps_seconds: float


class Buildah:
    def __init__(self, cache: Path) -> None:
        self.storage = cache / "buildah"

    def __call__(self, *args: str | Path, timeout: float = 1200) -> str:
        command = [
            "buildah",
            "--root",
            str(self.storage / "root"),
            "--runroot",
            str(self.storage / "run"),
            "--storage-driver",
            "overlay",
            *[str(a) for a in args],
        ]
        result = subprocess.run(
            ["nice", "-n", "10", *command],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise BuildError(f"{' '.join(command)}\n{result.stdout[-4000:]}{result.stderr[-4000:]}")
        return result.stdout

    def has(self, image: str) -> bool:
        try:
            self("inspect", "--type", "image", image, timeout=60)
        except BuildError:
            return False
        return True

    def push(self, image: str, archive: Path) -> None:
        archive.unlink(missing_ok=True)
        self("push", "--quiet", image, f"docker-archive:{archive}:{image}")


class BuildError(Exception):
    pass


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _base(buildah: Buildah, work: Path) -> float:
    """The Debian bookworm base with Python 3.11, made once; seconds it took (0 if cached)."""
    if buildah.has(BASE_IMAGE):
        return 0.0
    start = time.monotonic()
    tarball = work / "base.tar"
    command = [
        "mmdebstrap",
        "--quiet",
        "--variant=minbase",
        f"--include={','.join(BASE_PACKAGES)}",
        *[f"--dpkgopt=path-exclude={p}" for p in DROPPED_PATHS],
        "--dpkgopt=path-include=/usr/share/doc/*/copyright",
        "bookworm",
        str(tarball),
        *DEBIAN_SOURCES,
    ]
    subprocess.run(["nice", "-n", "10", *command], check=True, capture_output=True, timeout=900)
    container = buildah("from", "scratch").strip()
    try:
        buildah("add", container, tarball, "/")
        buildah("commit", "--quiet", container, BASE_IMAGE)
    finally:
        buildah("rm", container)
        tarball.unlink(missing_ok=True)
    return time.monotonic() - start


def _bud(buildah: Buildah, dockerfile: Path, image: str, context: Path, *extra: str) -> None:
    buildah(
        "bud",
        "--quiet",
        "--layers",
        "--network",
        "host",
        "--pull-never",
        "-f",
        dockerfile,
        "-t",
        image,
        *extra,
        context,
    )


def _go_app(work: Path) -> Path:
    """The Go app's folder: the client's example and the test app, linked statically."""
    root = work / "go-app"
    shutil.rmtree(root, ignore_errors=True)
    (root / "app").mkdir(parents=True)
    env = {**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local", "GOFLAGS": "-buildvcs=false"}
    for source, package, out in (
        (ROOT / "clients" / "go", "./examples/login", "login"),
        (CLUSTER / "apps" / "goapp", ".", "app"),
    ):
        subprocess.run(
            ["nice", "-n", "10", "go", "build", "-trimpath", "-ldflags", "-s -w", "-o",
             str(root / "app" / out), package],
            cwd=source, env=env, check=True, capture_output=True, timeout=900,
        )  # fmt: skip
    return root


def build(cache: Path | None = None) -> Built:
    """Build the base (once), the sidecar's image and the test apps' images; export them."""
    cache = cache or cache_dir()
    images = cache / "images"
    images.mkdir(parents=True, exist_ok=True)
    buildah = Buildah(cache)
    with _locked(cache / "images.lock"):
        base_seconds = _base(buildah, images)

        start = time.monotonic()
        ignore = ROOT / "deploy" / "docker" / "Dockerfile.dockerignore"
        _bud(
            buildah,
            ROOT / "deploy" / "docker" / "Dockerfile",
            SIDECAR_IMAGE,
            ROOT,
            "--ignorefile",
            str(ignore),
            "--build-arg",
            f"BASE={BASE_IMAGE}",
            "--volume",
            f"{HOST_CA}:{BUILD_CA}:ro",
            "--build-arg",
            f"PIP_CERT={BUILD_CA}",
        )
        sidecar_seconds = time.monotonic() - start

        start = time.monotonic()
        apps = CLUSTER / "apps"
        for dockerfile, image in (
            ("python-app.Dockerfile", PYTHON_APP_IMAGE),
            ("report.Dockerfile", REPORT_IMAGE),
        ):
            _bud(buildah, apps / dockerfile, image, ROOT, "--ignorefile", str(ignore),
                 "--build-arg", f"SIDECAR_IMAGE={SIDECAR_IMAGE}")  # fmt: skip
        go_root = _go_app(images)
        subprocess.run(
            [sys.executable, str(CLUSTER / "oci_archive.py"), str(go_root),
             str(images / "example-app-b.tar"), GO_APP_IMAGE, "--entrypoint", "/app/app", "hold"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        shutil.rmtree(go_root)
        apps_seconds = time.monotonic() - start

        archives = {GO_APP_IMAGE: str(images / "example-app-b.tar")}
        for image, name in (
            (SIDECAR_IMAGE, "cometchat-auth-sidecar"),
            (PYTHON_APP_IMAGE, "example-app-a"),
            (REPORT_IMAGE, "example-report"),
        ):
            archive = images / f"{name}.tar"
            buildah.push(image, archive)
            archives[image] = str(archive)
        built = Built(
            archives=archives,
            base_seconds=round(base_seconds, 1),
            sidecar_seconds=round(sidecar_seconds, 1),
            # A docker archive holds the layers uncompressed: the size on a node's disk.
            sidecar_bytes=Path(archives[SIDECAR_IMAGE]).stat().st_size,
            apps_seconds=round(apps_seconds, 1),
        )
        (images / "built.json").write_text(json.dumps(asdict(built), indent=2) + "\n")
        return built


def run_in_image(cache: Path, image: str, *command: str) -> subprocess.CompletedProcess[str]:
    """Run a command in a throwaway container of the image (host network, no volumes)."""
    buildah = Buildah(cache)
    container = buildah("from", "--pull-never", image).strip()
    try:
        return subprocess.run(
            ["buildah", "--root", str(buildah.storage / "root"), "--runroot",
             str(buildah.storage / "run"), "--storage-driver", "overlay",
             "run", "--network", "host", container, "--", *command],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    finally:
        buildah("rm", container)


def main(argv: Sequence[str] | None = None) -> int:
    del argv
    print(json.dumps(asdict(build()), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
