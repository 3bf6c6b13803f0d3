"""Fixtures: fake sidecars (see fake_sidecar.py) on loopback, in dev mode, on a Unix socket."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_sidecar import FakeSidecar, start_fake


@pytest.fixture
def fake() -> Iterator[FakeSidecar]:
    """A fake sidecar on loopback that requires the credential `s3cret`."""
    sidecar = start_fake("127.0.0.1:0", credential="s3cret")
    yield sidecar
    sidecar.server.stop(grace=None)


@pytest.fixture
def dev_fake() -> Iterator[FakeSidecar]:
    """A fake sidecar in dev mode (no credential needed)."""
    sidecar = start_fake("127.0.0.1:0")
    yield sidecar
    sidecar.server.stop(grace=None)


@pytest.fixture
def unix_fake(tmp_path: Path) -> Iterator[FakeSidecar]:
    """A fake sidecar on a Unix domain socket."""
    sidecar = start_fake(f"unix://{tmp_path / 'sidecar.sock'}", credential="s3cret")
    yield sidecar
    sidecar.server.stop(grace=None)


@pytest.fixture
def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def late_fake(free_port: int) -> Iterator[tuple[str, threading.Event]]:
    """A target whose fake sidecar starts only 0.5 s after the test begins."""
    target = f"127.0.0.1:{free_port}"
    started: list[FakeSidecar] = []
    ready = threading.Event()

    def start_later() -> None:
        time.sleep(0.5)
        started.append(start_fake(target, credential="s3cret"))
        ready.set()

    thread = threading.Thread(target=start_later, daemon=True)
    thread.start()
    yield target, ready
    thread.join()
    for sidecar in started:
        sidecar.server.stop(grace=None)
