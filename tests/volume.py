"""A small real filesystem for disk-fault tests: an ext4 image of a few hundred KiB,
loop-mounted (needs root). Unmounted and removed at the end, also when the test fails.
Where it cannot be mounted the test skips with the reason, or fails under CI (CI=true)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

VOLUME_KIB = 512


def _cannot(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"cannot mount the test volume under CI: {message}")
    pytest.skip(f"needs a loop-mounted test volume (root, mkfs.ext4, mount): {message}")


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)


class Volume:
    def __init__(self, mountpoint: Path) -> None:
        self.mountpoint = mountpoint
        self._filler = mountpoint / "filler"

    def fill(self) -> int:
        """Write a file until the volume has no room left; returns the bytes written."""
        written = 0
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for chunk in (64 * 1024, 4096, 1024, 1):
                while True:
                    try:
                        written += os.write(fd, b"\0" * chunk)
                    except OSError as error:
                        if error.errno != errno.ENOSPC:
                            raise
                        break
            os.fsync(fd)
        finally:
            os.close(fd)
        return written

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)
        os.sync()

    def remount(self, *, read_only: bool) -> None:
        mode = "ro" if read_only else "rw"
        result = _run("mount", "-o", f"remount,{mode}", str(self.mountpoint))
        assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def small_volume(workdir: Path, kib: int = VOLUME_KIB) -> Iterator[Volume]:
    """An ext4 volume of `kib` KiB mounted at `workdir/volume`."""
    if os.geteuid() != 0:
        _cannot("not running as root")
    for tool in ("mkfs.ext4", "mount", "umount"):
        if shutil.which(tool) is None:
            _cannot(f"{tool} is missing")
    image = workdir / "volume.img"
    mountpoint = workdir / "volume"
    mountpoint.mkdir(parents=True)
    with image.open("wb") as blank:
        blank.truncate(kib * 1024)
    made = _run("mkfs.ext4", "-q", "-F", "-m", "0", "-b", "1024", "-N", "64", str(image))
    if made.returncode != 0:
        image.unlink()
        _cannot(f"mkfs.ext4 failed: {made.stderr.strip()}")
    mounted = _run("mount", "-o", "loop", str(image), str(mountpoint))
    if mounted.returncode != 0:
        image.unlink()
        _cannot(f"mount -o loop failed: {mounted.stderr.strip()}")
    try:
        yield Volume(mountpoint)
    finally:
        _unmount(mountpoint)
        image.unlink(missing_ok=True)


def _unmount(mountpoint: Path) -> None:
    for _attempt in range(20):
        if _run("umount", str(mountpoint)).returncode == 0:
            return
        time.sleep(0.25)  # a file may still be open for a moment
    # Last resort: detach now, the kernel finishes when the last file closes.
    result = _run("umount", "-l", str(mountpoint))
    assert result.returncode == 0, f"cannot unmount {mountpoint}: {result.stderr}"
