"""SQLite on a disk that fills up or breaks: a full volume, a damaged file, a read-only
volume, and a -wal file left by a SIGKILL. Real files on a real (loop-mounted ext4) volume.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from sidecar.bootstrap import running_sidecar
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from tests.processes import SidecarProcess, emulator_args, start_cli
from tests.stack import new_state_key, sidecar_settings, write_credentials
from tests.state_load import AppCaller, record
from tests.volume import Volume, small_volume

APPS = ("app-a", "app-b", "app-c")
ATTEMPTS_WHILE_FULL = 5


class Deployment:
    """One emulator, one credentials dir, one state file; sidecars come and go."""

    def __init__(self, emulator: Emulator, workdir: Path, state_path: Path) -> None:
        self.emulator = emulator
        self.workdir = workdir
        self.state_path = state_path
        self.credentials_dir = workdir / "apps"
        self.credentials = write_credentials(self.credentials_dir, APPS)
        self.key = new_state_key()

    @contextlib.asynccontextmanager
    async def sidecar(self) -> AsyncIterator[dict[str, AppCaller]]:
        settings = sidecar_settings(
            self.emulator,
            self.credentials_dir,
            state_path=self.state_path,
            state_key=Secret(self.key),
            revocation_check_seconds=0,
            login_rate_per_second=0,
        )
        async with (
            running_sidecar(settings, grace=1.0) as running,
            grpc.aio.insecure_channel(running.address) as channel,
        ):
            yield {app: AppCaller(channel, app, self.credentials[app]) for app in APPS}

    def env(self) -> dict[str, str]:
        return {
            "COMETCHAT_API_KEY": self.emulator.config.full_access_key,
            "COMETCHAT_SIDECAR_STATE_KEY": self.key,
            "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
        }

    def args(self) -> list[str]:
        return [
            *emulator_args(self.emulator, self.credentials_dir),
            "--state-path", str(self.state_path),
        ]  # fmt: skip

    def bad_config_of_a_start(self) -> str:
        """Start `python -m sidecar serve` on the state file; it must stop with exit code 2
        and one `bad_config` line, whose error is returned."""
        process = start_cli("serve", "--listen", "127.0.0.1:0", *self.args(), env=self.env())
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 2, stderr
        lines = [line for line in stderr.splitlines() if '"bad_config"' in line]
        assert len(lines) == 1, stderr
        assert self.key not in stderr
        return lines[0]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
def volume(tmp_path: Path) -> Any:
    with small_volume(tmp_path) as mounted:
        yield mounted


async def test_a_full_volume_fails_logins_keeps_stored_sessions_and_recovers_without_restart(
    emulator: Emulator, volume: Volume, tmp_path: Path
) -> None:
    deployment = Deployment(emulator, tmp_path, volume.mountpoint / "state" / "sessions.db")
    answers: Counter[str] = Counter()
    async with deployment.sidecar() as apps:
        for app, uid in (("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")):
            login = await apps[app].call("Login", uid)
            assert login.reason == "OK"
            answers[login.reason] += 1

        filled = volume.fill()
        assert filled > 0
        for _ in range(ATTEMPTS_WHILE_FULL):
            refused = await apps["app-c"].call("Login", "cometchat-uid-3")
            answers[refused.reason] += 1
            assert refused.reason == "STATE_UNAVAILABLE"
            assert refused.retry_delay is not None
            # The sessions already stored stay readable, unchanged.
            for app, uid in (("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")):
                read = await apps[app].call("GetLoggedInUser")
                answers[read.reason] += 1
                assert (read.reason, read.user) == ("OK", uid)

        volume.free()
        freed_at = time.monotonic()
        recovered = await apps["app-c"].call("Login", "cometchat-uid-3")
        recovery_seconds = time.monotonic() - freed_at
        answers[recovered.reason] += 1
        assert (recovered.reason, recovered.user) == ("OK", "cometchat-uid-3")

    # Intact on disk: a new sidecar on the same file reads all three, with no upstream call.
    emulator.reset_counts()
    async with deployment.sidecar() as apps:
        users = {app: (await apps[app].call("GetLoggedInUser")).user for app in APPS}
    assert users == {
        "app-a": "cometchat-uid-1",
        "app-b": "cometchat-uid-2",
        "app-c": "cometchat-uid-3",
    }
    assert emulator.request_count() == 0
    record(
        "sqlite_full_volume",
        {
            "fault": "the state volume (loop-mounted ext4, 512 KiB) filled to the last byte",
            "calls": sum(answers.values()),
            "answers_by_reason": dict(answers.most_common()),
            "sessions_lost": 3 - sum(1 for user in users.values() if user is not None),
            "first_login_after_space_returned_seconds": round(recovery_seconds, 3),
        },
    )


async def test_a_damaged_state_file_stops_the_start_and_is_left_as_it_is(
    emulator: Emulator, tmp_path: Path
) -> None:
    deployment = Deployment(emulator, tmp_path, tmp_path / "state" / "sessions.db")
    async with deployment.sidecar() as apps:
        for app, uid in (("app-a", "cometchat-uid-1"), ("app-b", "cometchat-uid-2")):
            assert (await apps[app].call("Login", uid)).reason == "OK"
    damaged = bytearray(deployment.state_path.read_bytes())
    damaged[4096 : 4096 + 64] = b"\xa5" * 64  # the sessions table's first page
    deployment.state_path.write_bytes(bytes(damaged))
    before = _files(deployment.state_path.parent)

    line = deployment.bad_config_of_a_start()
    assert "sessions.db" in line
    assert "not a usable SQLite database" in line
    assert "malformed" in line
    assert _files(deployment.state_path.parent) == before  # not deleted, not rewritten

    with pytest.raises(ConfigError, match="malformed"):
        async with deployment.sidecar():
            pass
    assert _files(deployment.state_path.parent) == before
    record(
        "sqlite_damaged_file",
        {
            "fault": "64 bytes of the sessions table's first page overwritten before a start",
            "exit_code": 2,
            "bad_config": json.loads(line)["error"],
            "files_unchanged": True,
        },
    )


async def test_a_state_file_on_a_read_only_volume_stops_the_start_and_is_left_as_it_is(
    emulator: Emulator, volume: Volume, tmp_path: Path
) -> None:
    deployment = Deployment(emulator, tmp_path, volume.mountpoint / "state" / "sessions.db")
    async with deployment.sidecar() as apps:
        assert (await apps["app-a"].call("Login", "cometchat-uid-1")).reason == "OK"
    before = _files(deployment.state_path.parent)
    volume.remount(read_only=True)
    try:
        line = deployment.bad_config_of_a_start()
        assert "sessions.db" in line
        assert "Read-only file system" in line
        assert _files(deployment.state_path.parent) == before
        record(
            "sqlite_read_only_volume",
            {
                "fault": "the state volume remounted read-only before a start",
                "exit_code": 2,
                "bad_config": json.loads(line)["error"],
                "files_unchanged": True,
            },
        )
    finally:
        volume.remount(read_only=False)
    async with deployment.sidecar() as apps:  # writable again: the session is there
        assert (await apps["app-a"].call("GetLoggedInUser")).user == "cometchat-uid-1"


async def test_the_wal_file_left_by_a_sigkill_is_recovered(
    emulator: Emulator, tmp_path: Path
) -> None:
    deployment = Deployment(emulator, tmp_path, tmp_path / "state" / "sessions.db")
    process = await SidecarProcess.start(
        tmp_path / "first.log", deployment.args(), deployment.env()
    )
    try:
        async with grpc.aio.insecure_channel(process.address) as channel:
            for n, app in enumerate(APPS, start=1):
                caller = AppCaller(channel, app, deployment.credentials[app])
                assert (await caller.call("Login", f"cometchat-uid-{n}")).reason == "OK"
    finally:
        await process.kill()
    wal = deployment.state_path.with_name("sessions.db-wal")
    assert wal.stat().st_size > 0  # the sessions are in the WAL, not yet in the file

    # The file alone (without its WAL) does not hold them: what follows reads the WAL.
    alone = tmp_path / "alone" / "sessions.db"
    alone.parent.mkdir()
    shutil.copy(deployment.state_path, alone)
    with contextlib.closing(sqlite3.connect(alone)) as connection:
        tables = connection.execute("SELECT name FROM sqlite_master").fetchall()
        in_file_alone = (
            connection.execute("SELECT count(*) FROM sessions").fetchone()[0] if tables else 0
        )
    assert in_file_alone < len(APPS)

    emulator.reset_counts()
    wal_bytes = wal.stat().st_size
    async with deployment.sidecar() as apps:
        users = {app: (await apps[app].call("GetLoggedInUser")).user for app in APPS}
    assert users == {app: f"cometchat-uid-{n}" for n, app in enumerate(APPS, start=1)}
    assert emulator.request_count() == 0
    record(
        "sqlite_wal_after_sigkill",
        {
            "fault": "sidecar SIGKILL with its sessions in the -wal file only",
            "wal_bytes": wal_bytes,
            "sessions_in_the_file_without_its_wal": in_file_alone,
            "sessions_recovered": sum(1 for user in users.values() if user is not None),
            "sessions_lost": len(APPS) - sum(1 for user in users.values() if user is not None),
        },
    )
