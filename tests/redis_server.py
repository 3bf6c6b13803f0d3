"""Real redis-server (and redis-sentinel) processes for tests: each on a free loopback port in
a temporary directory, started and stopped by PID. `make test` installs both
(scripts/ensure-redis.sh)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The append-only file is synced before each write is answered: what the README asks of a
# Redis whose acknowledged sessions must survive a crash of Redis itself.
APPENDFSYNC = "always"


def executable(name: str) -> str:
    """The path of `name`; fails under CI (where it must be installed), else skips."""
    found = shutil.which(name)
    if found is None:
        message = f"{name} is missing: scripts/ensure-redis.sh installs it (make test runs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisProcess:
    """One redis-server (or, with `sentinel`, one redis-sentinel) by PID. `start` binds
    the same port again after a `kill`, on the same directory and files."""

    def __init__(self, workdir: Path, *, sentinel: bool = False, extra: list[str] | None = None):
        self.workdir = workdir
        self.sentinel = sentinel
        self.extra = extra or []
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _command(self) -> list[str]:
        if self.sentinel:
            config = self.workdir / "sentinel.conf"
            if not config.exists():  # sentinel rewrites its file; keep what it learnt
                config.write_text("\n".join([*self.extra, ""]), encoding="utf-8")
            return [
                executable("redis-sentinel"), str(config),
                "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.workdir),
            ]  # fmt: skip
        return [
            executable("redis-server"),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", APPENDFSYNC,
            *self.extra,
        ]  # fmt: skip

    def start(self) -> None:
        """Start on a free port (the first time) or on the same port again."""
        again = self.port != 0
        for _attempt in range(3):  # a free port may be taken between probe and bind
            if not again:
                self.port = free_port()
            with (self.workdir / "server.log").open("ab") as log:
                self.process = subprocess.Popen(
                    self._command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
                )
            deadline = time.monotonic() + 20
            while self.process.poll() is None and time.monotonic() < deadline:
                if answers_ping(self.port):
                    return
                time.sleep(0.02)
            self.kill()
            if again:
                break  # a restart keeps its port
        raise RuntimeError(f"redis did not start:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL: nothing is flushed, nothing is said to the clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        path = self.workdir / "server.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@contextlib.contextmanager
def redis_server(workdir: Path) -> Iterator[str]:
    """Yields the URL of a fresh redis-server (with an append-only file, fsync always)."""
    server = RedisProcess(workdir)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def redis_process(workdir: Path) -> Iterator[RedisProcess]:
    """A fresh redis-server that the test may kill and start again; stopped at the end."""
    server = RedisProcess(workdir)
    server.start()
    try:
        yield server
    finally:
        server.kill()
