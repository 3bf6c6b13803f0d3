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
from typing import Any

import pytest
import redis
from redis.exceptions import RedisError

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
            # A server that wants a password answers -NOAUTH: it is up all the same.
            return connection.recv(16).startswith((b"+PONG", b"-NOAUTH"))
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


SERVICE = "sidecar"
# A new replica is synced at once, not after the default 5 s wait for more replicas.
_QUICK_SYNC = ("--repl-diskless-sync-delay", "0")


class SentinelCluster:
    """One primary, one replica and three sentinels on loopback, each by PID in its own
    folder. The sentinels fail over 2 s after the primary stops answering (not sooner: a primary
    that fsyncs every write can stall for a second on a busy disk)."""

    def __init__(
        self, workdir: Path, password: str | None = None, sentinel_password: str | None = None
    ) -> None:
        self.password = password
        self.sentinel_password = sentinel_password
        self.primary = RedisProcess(workdir / "primary")
        self.replica = RedisProcess(workdir / "replica")
        self.sentinels = [RedisProcess(workdir / f"sentinel-{n}", sentinel=True) for n in range(3)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}"

    def start(self) -> None:
        self.primary.extra = self._server_options()
        self.primary.start()
        self.replica.extra = [
            *self._server_options(),
            "--replicaof",
            "127.0.0.1",
            str(self.primary.port),
        ]
        self.replica.start()
        for sentinel in self.sentinels:
            sentinel.extra = [
                f"sentinel monitor {SERVICE} 127.0.0.1 {self.primary.port} 2",
                f"sentinel down-after-milliseconds {SERVICE} 2000",
                f"sentinel failover-timeout {SERVICE} 10000",
                f"sentinel parallel-syncs {SERVICE} 1",
            ]
            if self.password:
                sentinel.extra.append(f"sentinel auth-pass {SERVICE} {self.password}")
            if self.sentinel_password:
                sentinel.extra += [
                    f"requirepass {self.sentinel_password}",
                    f"sentinel sentinel-pass {self.sentinel_password}",
                ]
            sentinel.start()
        self.wait_until_settled(self.primary.port)

    def primary_port(self) -> int | None:
        """The primary's port, as the first sentinel that answers says."""
        for sentinel in self.sentinels:
            with contextlib.suppress(RedisError):
                client = _client(sentinel.port, self.sentinel_password)
                address: Any = client.sentinel_get_master_addr_by_name(SERVICE)
                if address:
                    return int(address[1])
        return None

    def wait_until_settled(self, primary: int, timeout: float = 60) -> None:
        """Until every sentinel names `primary`, sees the two other sentinels and a replica
        whose link to the primary is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self._settled(s.port, primary) for s in self.sentinels):
                return
            time.sleep(0.1)
        raise RuntimeError("the sentinels did not settle:\n" + self.sentinels[0].log())

    def wait_for_failover(self, old: int, timeout: float = 60) -> int:
        """The new primary's port, once the sentinels have promoted one."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            port = self.primary_port()
            if port is not None and port != old and _role(port, self.password) == "master":
                return port
            time.sleep(0.05)
        raise RuntimeError("no failover:\n" + self.sentinels[0].log())

    def restart_as_replica(self, server: RedisProcess, primary: int) -> None:
        """Start a killed server again as a replica of `primary`, as an orchestrator that
        follows the sentinels would (the sentinels would also convert it, but later)."""
        server.extra = [*self._server_options(), "--replicaof", "127.0.0.1", str(primary)]
        server.start()

    def kill_all(self) -> None:
        for process in [*self.sentinels, self.replica, self.primary]:
            process.kill()

    def _server_options(self) -> list[str]:
        if self.password is None:
            return list(_QUICK_SYNC)
        return [*_QUICK_SYNC, "--requirepass", self.password, "--masterauth", self.password]

    def _settled(self, sentinel: int, primary: int) -> bool:
        try:
            client = _client(sentinel, self.sentinel_password)
            master: Any = client.sentinel_master(SERVICE)
            replicas: Any = client.sentinel_slaves(SERVICE)
            replication = _client(primary, self.password).info("replication")
        except RedisError:
            return False
        return (
            int(master["port"]) == primary
            and int(master["num-other-sentinels"]) == 2
            and len(replicas) == 1
            and not replicas[0]["is_sdown"]
            and replicas[0].get("master-link-status") == "ok"
            and int(replication.get("connected_slaves", 0)) == 1
        )


def _client(port: int, password: str | None = None) -> redis.Redis:
    return redis.Redis(
        host="127.0.0.1",
        password=password,
        port=port,
        socket_timeout=1,
        socket_connect_timeout=1,
        decode_responses=True,
    )


def _role(port: int, password: str | None = None) -> str:
    try:
        return str(_client(port, password).role()[0])
    except RedisError:
        return ""


@contextlib.contextmanager
def sentinel_cluster(
    workdir: Path, password: str | None = None, sentinel_password: str | None = None
) -> Iterator[SentinelCluster]:
    cluster = SentinelCluster(workdir, password, sentinel_password)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.kill_all()
