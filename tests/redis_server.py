"""A real redis-server for tests: started on a free loopback port in a temporary
directory, stopped afterwards. `make test` installs it (scripts/ensure-redis.sh)."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Yields the URL of a fresh redis-server (with an append-only file, fsync always)."""
    executable = shutil.which("redis-server")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: scripts/ensure-redis.sh installs it")
        pytest.skip("redis-server is missing: run scripts/ensure-redis.sh (make test does)")
    workdir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):  # the free port may be taken between probe and bind
        port = _free_port()
        process = subprocess.Popen(
            [
                executable,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(workdir),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while process.poll() is None and time.monotonic() < deadline:
            if _answers_ping(port):
                break
            time.sleep(0.05)
        if process.poll() is None and _answers_ping(port):
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
