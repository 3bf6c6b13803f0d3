"""Sessions in a real SQLite file: restart, file mode, sealed tokens, wrong key, rotation, caps."""

from __future__ import annotations

import contextlib
import stat
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.adapters.state.sealing import StateKeyError
from sidecar.bootstrap import running_sidecar
from sidecar.domain.errors import ConfigError
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from tests.integration.conftest import AppClient, fails
from tests.stack import new_state_key, sidecar_settings, write_credentials

APPS = ("app-a", "app-b", "app-c")


class Deployment:
    """One emulator, one credentials dir, one state file; sidecars come and go."""

    def __init__(self, emulator: Emulator, workdir: Path) -> None:
        self.emulator = emulator
        self.state_path = workdir / "state" / "sessions.db"
        self.credentials = write_credentials(workdir / "apps", APPS)
        self.credentials_dir = workdir / "apps"
        self.key = new_state_key()

    @contextlib.asynccontextmanager
    async def sidecar(self, **overrides: Any) -> AsyncIterator[dict[str, AppClient]]:
        settings = sidecar_settings(
            self.emulator,
            self.credentials_dir,
            state_path=self.state_path,
            state_key=Secret(overrides.pop("key", self.key)),
            revocation_check_seconds=0,
            **overrides,
        )
        async with (
            running_sidecar(settings, grace=1.0) as running,
            grpc.aio.insecure_channel(running.address) as channel,
        ):
            stub = auth_pb2_grpc.AuthServiceStub(channel)
            yield {
                app: AppClient(stub, (("authorization", f"Bearer {credential}"),))
                for app, credential in self.credentials.items()
            }

    def files(self) -> list[Path]:
        return sorted(self.state_path.parent.iterdir())


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    async with Emulator() as emulator:
        yield Deployment(emulator, tmp_path)


async def test_sessions_survive_a_restart_and_are_answered_without_upstream_calls(
    deployment: Deployment,
) -> None:
    async with deployment.sidecar() as apps:
        await apps["app-a"].login("cometchat-uid-1")
        await apps["app-b"].login_with_token(deployment.emulator.mint_token("cometchat-uid-2"))
        await apps["app-c"].login("cometchat-uid-3")
        await apps["app-c"].logout()
    deployment.emulator.reset_counts()

    async with deployment.sidecar() as apps:
        a, b, c = [await apps[name].whoami() for name in APPS]
        assert deployment.emulator.request_count() == 0
        assert a is not None
        assert a.uid == "cometchat-uid-1"
        assert b is not None
        assert b.uid == "cometchat-uid-2"
        assert c is None
        # The restored session is the real one: logging out ends it upstream.
        await apps["app-a"].logout()
        assert deployment.emulator.request_count("M2") == 1
        assert deployment.emulator.active_device_sessions("cometchat-uid-1") == 0


async def test_the_state_files_are_private_and_hold_no_token_in_clear(
    deployment: Deployment,
) -> None:
    token = deployment.emulator.mint_token("cometchat-uid-4")
    async with deployment.sidecar() as apps:
        await apps["app-a"].login_with_token(token)
        await apps["app-b"].login("cometchat-uid-5")
        names = {path.name for path in deployment.files()}
        assert {"sessions.db", "sessions.db-wal", "sessions.db-shm"} <= names
        contents = b"".join(path.read_bytes() for path in deployment.files())
    for path in deployment.files():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    contents += b"".join(path.read_bytes() for path in deployment.files())
    assert token.encode() not in contents
    assert b"cometchat-uid-4" not in contents
    assert b"cometchat-uid-5_" not in contents  # no minted token of uid-5 either
    assert deployment.key.encode() not in contents


async def test_a_wrong_key_stops_the_start_and_changes_nothing(deployment: Deployment) -> None:
    async with deployment.sidecar() as apps:
        await apps["app-a"].login("cometchat-uid-1")
    before = {path.name: path.read_bytes() for path in deployment.files()}

    with pytest.raises(StateKeyError) as caught:
        async with deployment.sidecar(key=new_state_key()):
            pass

    message = str(caught.value)
    assert "cannot be read" in message
    assert "was not changed" in message
    assert "app-a" in message
    assert {path.name: path.read_bytes() for path in deployment.files()} == before
    async with deployment.sidecar() as apps:  # the right key still reads it
        user = await apps["app-a"].whoami()
        assert user is not None
        assert user.uid == "cometchat-uid-1"


async def test_key_rotation_reads_with_the_previous_key_and_rewrites_with_the_new(
    deployment: Deployment,
) -> None:
    old_key, new_key = deployment.key, new_state_key()
    async with deployment.sidecar() as apps:
        await apps["app-a"].login("cometchat-uid-1")
        await apps["app-b"].login("cometchat-uid-2")

    async with deployment.sidecar(key=new_key, state_previous_key=Secret(old_key)) as apps:
        user = await apps["app-a"].whoami()
        assert user is not None
        assert user.uid == "cometchat-uid-1"

    # Everything was rewritten: the new key alone reads it, the old one alone cannot.
    async with deployment.sidecar(key=new_key) as apps:
        users = [await apps[name].whoami() for name in ("app-a", "app-b")]
        assert [u.uid for u in users if u is not None] == ["cometchat-uid-1", "cometchat-uid-2"]
    with pytest.raises(StateKeyError):
        async with deployment.sidecar(key=old_key):
            pass


async def test_a_second_process_on_the_same_file_is_refused(deployment: Deployment) -> None:
    async with deployment.sidecar():
        with pytest.raises(ConfigError, match="in use by another sidecar process"):
            async with deployment.sidecar():
                pass


async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(
    deployment: Deployment,
) -> None:
    deployment.state_path.parent.mkdir(parents=True)
    deployment.state_path.write_bytes(b"not a database, " * 100)
    with pytest.raises(ConfigError, match="not a usable SQLite database"):
        async with deployment.sidecar():
            pass
    assert deployment.state_path.read_bytes() == b"not a database, " * 100


async def test_max_sessions_refuses_a_new_session_but_not_a_replacement(
    deployment: Deployment,
) -> None:
    async with deployment.sidecar(max_sessions=2) as apps:
        await apps["app-a"].login("cometchat-uid-1")
        await apps["app-b"].login("cometchat-uid-2")
        deployment.emulator.reset_counts()

        failure = await fails(apps["app-c"].login("cometchat-uid-3"))
        assert failure.code == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert failure.reason == "ERROR_TOO_MANY_SESSIONS"
        assert deployment.emulator.request_count() == 0  # refused before any upstream call

        replaced = await apps["app-a"].login("cometchat-uid-4")  # same app: still two
        assert replaced.uid == "cometchat-uid-4"
        await apps["app-b"].logout()
        assert (await apps["app-c"].login("cometchat-uid-3")).uid == "cometchat-uid-3"
