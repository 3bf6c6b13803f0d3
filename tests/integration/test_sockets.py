"""Per-app Unix sockets: the socket a call arrives on is the app that made it."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.domain.errors import ConfigError
from tests.integration.conftest import AppClient, fails
from tests.stack import Stack, live_stack

IS_ROOT = os.geteuid() == 0
# As root the test hands the sockets to ids nobody else uses; otherwise to itself.
OWNER, GROUP = (4242, 4343) if IS_ROOT else (os.geteuid(), os.getegid())


@pytest.fixture
def socket_dir() -> Iterator[Path]:
    # A short path: a Unix socket address holds at most 107 bytes.
    with tempfile.TemporaryDirectory(prefix="sc-", dir="/tmp") as directory:
        # Other users must be able to reach the per-app folders below it.
        os.chmod(directory, 0o755)  # noqa: S103
        yield Path(directory) / "sockets"


@pytest.fixture
async def socket_stack(tmp_path: Path, socket_dir: Path) -> AsyncIterator[Stack]:
    async with live_stack(
        tmp_path,
        apps=(),
        listen="",
        socket_dir=socket_dir,
        socket_apps=("app-a", "app-b"),
        socket_owner=str(OWNER),
        socket_group=str(GROUP),
    ) as stack:
        yield stack


def _client(stack: Stack, channel: grpc.aio.Channel) -> AppClient:
    return AppClient(auth_pb2_grpc.AuthServiceStub(channel), ())


async def test_an_app_on_its_socket_cannot_read_or_end_another_apps_session(
    socket_stack: Stack,
) -> None:
    sockets = socket_stack.sidecar.sockets
    async with (
        grpc.aio.insecure_channel(sockets["app-a"].target) as channel_a,
        grpc.aio.insecure_channel(sockets["app-b"].target) as channel_b,
    ):
        app_a, app_b = _client(socket_stack, channel_a), _client(socket_stack, channel_b)

        await app_a.login("cometchat-uid-1")
        assert await app_b.whoami() is None
        assert (await fails(app_b.logout())).reason == "ERROR_NO_USER_LOGGED_IN"
        await app_b.login("cometchat-uid-2")
        await app_b.logout()

        user_a = await app_a.whoami()
        assert user_a is not None
        assert user_a.uid == "cometchat-uid-1"
        assert await app_b.whoami() is None


async def test_tcp_can_be_turned_off(socket_stack: Stack) -> None:
    assert socket_stack.sidecar.server is None
    assert socket_stack.address == ""


async def test_sockets_have_mode_0660_and_the_configured_owner(
    socket_stack: Stack, socket_dir: Path
) -> None:
    for app in ("app-a", "app-b"):
        path = socket_dir / app / "sidecar.sock"
        assert socket_stack.sidecar.sockets[app].path == path
        info = path.lstat()
        assert stat.S_ISSOCK(info.st_mode)
        assert stat.S_IMODE(info.st_mode) == 0o660
        assert (info.st_uid, info.st_gid) == (OWNER, GROUP)
        folder = path.parent.lstat()
        assert stat.S_IMODE(folder.st_mode) == 0o750
        assert (folder.st_uid, folder.st_gid) == (OWNER, GROUP)


_CONNECT = """
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except PermissionError:
    print("refused")
else:
    print("connected")
"""


def _world_runnable_python() -> str | None:
    # Another user must be able to run it: the venv's interpreter may live under /root.
    for candidate in ("/usr/bin/python3", "/usr/local/bin/python3", sys.executable):
        path = Path(candidate).resolve()
        if path.is_file() and all(
            parent.stat().st_mode & 0o001 for parent in (path, *path.parents)
        ):
            return str(path)
    return None


@pytest.mark.skipif(not IS_ROOT, reason="switching users needs root")
async def test_the_kernel_lets_only_the_sockets_group_connect(socket_stack: Stack) -> None:
    target = str(socket_stack.sidecar.sockets["app-a"].path)
    python = _world_runnable_python()
    if python is None:
        pytest.skip("no Python interpreter that another user may run")

    def connect_as(uid: int, gid: int) -> str:
        result = subprocess.run(
            [python, "-c", _CONNECT, target],
            cwd="/",
            user=uid,
            group=gid,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return result.stdout.strip()

    assert connect_as(5555, 5555) == "refused"
    assert connect_as(5555, GROUP) == "connected"


async def test_sockets_are_removed_on_stop(tmp_path: Path, socket_dir: Path) -> None:
    async with live_stack(
        tmp_path, apps=(), listen="", socket_dir=socket_dir, socket_apps=("app-a",)
    ) as stack:
        path = stack.sidecar.sockets["app-a"].path
        assert path.exists()

    assert not path.exists()
    assert path.parent.is_dir()  # the folder may be a mount point: it stays


async def test_a_stale_socket_is_replaced(tmp_path: Path, socket_dir: Path) -> None:
    stale = socket_dir / "app-a" / "sidecar.sock"
    stale.parent.mkdir(parents=True)
    with socket.socket(socket.AF_UNIX) as leftover:
        leftover.bind(str(stale))  # bound, never listening: what a killed process leaves

    async with (
        live_stack(
            tmp_path, apps=(), listen="", socket_dir=socket_dir, socket_apps=("app-a",)
        ) as stack,
        grpc.aio.insecure_channel(stack.sidecar.sockets["app-a"].target) as channel,
    ):
        assert await _client(stack, channel).whoami() is None


async def test_a_live_socket_or_a_file_that_is_no_socket_is_never_replaced(
    tmp_path: Path, socket_dir: Path
) -> None:
    def sidecar(workdir: Path) -> contextlib.AbstractAsyncContextManager[Stack]:
        return live_stack(
            workdir, apps=(), listen="", socket_dir=socket_dir, socket_apps=("app-a",)
        )

    async with sidecar(tmp_path / "first"):
        with pytest.raises(ConfigError, match="another process is serving"):
            async with sidecar(tmp_path / "second"):
                pass

    not_a_socket = socket_dir / "app-a" / "sidecar.sock"
    not_a_socket.write_text("precious")
    with pytest.raises(ConfigError, match="is not a socket"):
        async with sidecar(tmp_path / "third"):
            pass
    assert not_a_socket.read_text() == "precious"
