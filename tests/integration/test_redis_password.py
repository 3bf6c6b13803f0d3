"""A Redis that wants a password: the sidecar takes it from a file, never from the URL, and
it appears in no log line."""

from __future__ import annotations

import secrets
from pathlib import Path

import grpc

from sidecar.emulator import Emulator
from tests.processes import SidecarProcess, emulator_args, start_cli
from tests.redis_server import RedisProcess
from tests.stack import new_state_key, write_credentials
from tests.state_load import AppCaller


async def test_the_redis_password_comes_from_a_file_and_stays_out_of_the_logs(
    tmp_path: Path,
) -> None:
    password = secrets.token_hex(16)
    password_file = tmp_path / "redis-password"
    password_file.write_text(password + "\n")
    server = RedisProcess(tmp_path / "redis", extra=["--requirepass", password])
    server.start()
    try:
        async with Emulator() as emulator:
            credentials = write_credentials(tmp_path / "apps", ["app-a"])
            args = emulator_args(emulator, tmp_path / "apps")
            env = {
                "COMETCHAT_API_KEY": emulator.config.full_access_key,
                "COMETCHAT_SIDECAR_STATE_BACKEND": "redis",
                "COMETCHAT_SIDECAR_REDIS_URL": server.url,
                "COMETCHAT_SIDECAR_STATE_KEY": new_state_key(),
                "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
            }
            # Without the password the start stops, saying why (the URL is scrubbed from the
            # log as a secret, since it may hold a password).
            refused = start_cli("serve", "--listen", "127.0.0.1:0", *args, env=env)
            _, stderr = refused.communicate(timeout=60)
            assert refused.returncode == 2, stderr
            assert "bad_config" in stderr
            assert "cannot reach Redis at" in stderr
            assert "AuthenticationError" in stderr

            env["COMETCHAT_SIDECAR_REDIS_PASSWORD_FILE"] = str(password_file)
            sidecar = await SidecarProcess.start(tmp_path / "sidecar.log", args, env)
            try:
                async with grpc.aio.insecure_channel(sidecar.address) as channel:
                    app = AppCaller(channel, "app-a", credentials["app-a"])
                    assert (await app.call("Login", "cometchat-uid-1")).reason == "OK"
                    assert (await app.call("GetLoggedInUser")).user == "cometchat-uid-1"
            finally:
                assert await sidecar.stop() == 0
            assert password not in sidecar.text()
            assert password not in stderr
    finally:
        server.stop()
