"""Shutdown and reload of a real sidecar process, against a real standalone emulator process."""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import grpc
import httpx
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.calls.v1 import calls_pb2, calls_pb2_grpc

from sidecar.adapters.credentials import hash_credential
from tests.grpc_helpers import failure_of
from tests.processes import start_cli
from tests.stack import write_credentials

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


class Lines:
    """Collects a process's JSON log lines on a thread, so the pipe never fills."""

    def __init__(self, stream: IO[str]) -> None:
        self.records: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.records.append(json.loads(line))
                self._changed.notify_all()

    def wait_for(
        self, test: Callable[[dict[str, Any]], bool], timeout: float = 20
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for record in self.records:
                    if test(record):
                        return record
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no such log line in {self.records!r}")
                self._changed.wait(left)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
        process.wait()


@pytest.fixture
def emulator() -> Iterator[dict[str, str]]:
    process = start_cli("emulator", "--latency-ms", "1500", "--fault-routes", "M1")
    try:
        assert process.stdout is not None
        yield json.loads(process.stdout.readline())
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        finally:
            _stop(process)


def _serve(
    emulator: dict[str, str], workdir: Path, *extra: str
) -> tuple[subprocess.Popen[str], Lines]:
    process = start_cli(
        "serve",
        "--listen", "127.0.0.1:0",
        "--http-listen", "127.0.0.1:0",
        "--app-id", emulator["app_id"],
        "--api-host", emulator["api_url"],
        "--client-host", emulator["client_url"],
        "--call-host", emulator["call_url"],
        "--app-credentials-dir", str(workdir / "apps"),
        *extra,
        env={"COMETCHAT_API_KEY": emulator["full_access_key"]},
    )  # fmt: skip
    assert process.stderr is not None
    return process, Lines(process.stderr)


async def _login(address: str, credential: str, uid: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        try:
            answer = await stub.Login(
                auth_pb2.LoginRequest(uid=uid),
                metadata=(("authorization", f"Bearer {credential}"),),
                timeout=15,
            )
        except grpc.aio.AioRpcError as error:
            return f"{error.code().name}"
        return answer.user.uid


def test_calls_in_flight_when_sigterm_arrives_complete(
    emulator: dict[str, str], tmp_path: Path
) -> None:
    apps = ("app-a", "app-b", "app-c")
    credentials = write_credentials(tmp_path / "apps", apps)
    process, lines = _serve(emulator, tmp_path, "--drain-seconds", "10")
    try:
        serving = lines.wait_for(lambda r: r["event"] == "serving")
        address, http_address = str(serving["address"]), str(serving["http_address"])

        async def scenario() -> tuple[list[str], int, str]:
            calls = [
                asyncio.ensure_future(_login(address, credentials[app], f"cometchat-uid-{i + 1}"))
                for i, app in enumerate(apps)
            ]
            # Bounded wait until all three are inside M1 (which the emulator holds 1.5 s).
            deadline = time.monotonic() + 10
            async with httpx.AsyncClient(base_url=emulator["api_url"]) as admin:
                while (await admin.get("/_emulator/stats")).json()["data"]["M1"] < len(apps):
                    assert time.monotonic() < deadline, "the logins never reached M1"
                    await asyncio.sleep(0.02)
            process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(lines.wait_for, lambda r: r["event"] == "draining")
            async with httpx.AsyncClient(base_url=f"http://{http_address}") as ops:
                ready = (await ops.get("/readyz")).status_code
            late = await _login(address, credentials["app-a"], "cometchat-uid-4")
            return list(await asyncio.gather(*calls)), ready, late

        outcomes, ready, late = asyncio.run(scenario())
        code = process.wait(timeout=20)
    finally:
        _stop(process)

    assert outcomes == ["cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"]
    assert ready == 503
    assert late == "UNAVAILABLE"  # new calls are refused while draining
    assert code == 0
    events = [r["event"] for r in lines.records]
    assert events.index("stopping") < events.index("draining") < events.index("stopped")
    assert events[-1] == "stopped"


def test_sighup_reloads_the_log_level(emulator: dict[str, str], tmp_path: Path) -> None:
    credentials = write_credentials(tmp_path / "apps", ("app-a",))
    config = tmp_path / "sidecar.toml"
    config.write_text('log_level = "warning"\n', encoding="utf-8")
    # At warning level the "serving" line that names the port is not shown: choose one.
    address = f"127.0.0.1:{_free_port()}"
    process, lines = _serve(emulator, tmp_path, "--config", str(config), "--listen", address)
    try:
        assert asyncio.run(_whoami(address, credentials["app-a"])) == "OK"

        # A successful read is logged at debug: visible only once the level says so.
        config.write_text('log_level = "debug"\n', encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        reloaded = lines.wait_for(lambda r: r["event"] == "reloaded")
        assert asyncio.run(_whoami(address, credentials["app-a"])) == "OK"
        rpc = lines.wait_for(lambda r: r["event"] == "rpc")

        config.write_text('log_level = "loud"\n', encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        failed = lines.wait_for(lambda r: r["event"] == "reload_failed")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        _stop(process)

    assert reloaded["applied"] == ["app_credentials", "policy", "log_level"]
    assert (rpc["method"], rpc["level"]) == ("GetLoggedInUser", "debug")
    # Only the call made after the reload was logged.
    assert sum(1 for r in lines.records if r["event"] == "rpc") == 1
    assert "log_level must be one of" in failed["error"]


def test_sighup_rereads_the_app_credentials(emulator: dict[str, str], tmp_path: Path) -> None:
    credentials = write_credentials(tmp_path / "apps", ("app-a",))
    # No poll within the test: only SIGHUP can make the new credential known.
    process, lines = _serve(emulator, tmp_path, "--credential-poll-seconds", "3600")
    try:
        address = str(lines.wait_for(lambda r: r["event"] == "serving")["address"])
        new = "new-credential-of-app-a-0123456789"
        (tmp_path / "apps" / "app-a").write_text(hash_credential(new) + "\n", encoding="utf-8")
        before = asyncio.run(_whoami(address, new))

        process.send_signal(signal.SIGHUP)
        reloaded = lines.wait_for(lambda r: r["event"] == "reloaded")
        after = asyncio.run(_whoami(address, new))
        old = asyncio.run(_whoami(address, credentials["app-a"]))

        # A credential in clear is refused on a re-read; the hashes in force stay.
        in_clear = "credential-of-app-a-in-clear-0123456789"
        (tmp_path / "apps" / "app-a").write_text(in_clear + "\n", encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        refused = lines.wait_for(lambda r: r["event"] == "reload_failed")
        kept = asyncio.run(_whoami(address, new))
        clear = asyncio.run(_whoami(address, in_clear))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        _stop(process)

    assert before == "ERROR_UNKNOWN_APP_CREDENTIAL"
    assert "app_credentials" in reloaded["applied"]
    assert after == "OK"
    assert old == "OK"  # inside the rotation window
    rotated = [r for r in lines.records if r["event"] == "credentials_reloaded"]
    assert rotated[0]["rotated"] == ["app-a"]
    assert refused["stage"] == "app_credentials"
    assert "'app-a' does not hold a hash" in refused["error"]
    assert (kept, clear) == ("OK", "ERROR_UNKNOWN_APP_CREDENTIAL")
    assert all(in_clear not in json.dumps(record) for record in lines.records)


async def _call_token(address: str, credential: str) -> str:
    """GenerateCallToken with nobody logged in: which check answered."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = calls_pb2_grpc.CallsServiceStub(channel)
        try:
            await stub.GenerateCallToken(
                calls_pb2.GenerateCallTokenRequest(session_id="room-1"),
                metadata=(("authorization", f"Bearer {credential}"),),
                timeout=15,
            )
        except grpc.aio.AioRpcError as error:
            return failure_of(error).reason
        return "OK"


def test_sighup_rereads_the_policy_file(emulator: dict[str, str], tmp_path: Path) -> None:
    credentials = write_credentials(tmp_path / "apps", ("app-a",))
    policy = tmp_path / "policy.toml"
    policy.write_text("", encoding="utf-8")
    # No poll within the test: only SIGHUP can make the new policy known.
    process, lines = _serve(
        emulator,
        tmp_path,
        "--policy-file", str(policy),
        "--credential-poll-seconds", "3600",
    )  # fmt: skip
    try:
        address = str(lines.wait_for(lambda r: r["event"] == "serving")["address"])
        before = asyncio.run(_call_token(address, credentials["app-a"]))

        policy.write_text('[apps.app-a]\ncall_session_prefix = ""\n', encoding="utf-8")
        process.send_signal(signal.SIGHUP)
        reloaded = lines.wait_for(lambda r: r["event"] == "reloaded")
        granted = asyncio.run(_call_token(address, credentials["app-a"]))

        policy.write_text('[apps.app-a]\ncall_session_prefix = ""\nrevoke_al = true\n')
        process.send_signal(signal.SIGHUP)
        refused = lines.wait_for(lambda r: r["event"] == "policy_reload_failed")
        failed = lines.wait_for(lambda r: r["event"] == "reload_failed")
        kept = asyncio.run(_call_token(address, credentials["app-a"]))
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        _stop(process)

    assert before == "ERROR_OPERATION_NOT_ALLOWED"
    assert "policy" in reloaded["applied"]
    # Granted now: the next check (nobody is logged in) answers.
    assert granted == "ERROR_AUTH_TOKEN_MISSING"
    assert "unknown keys: revoke_al" in refused["error"]
    assert failed["stage"] == "policy"
    assert kept == "ERROR_AUTH_TOKEN_MISSING"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _whoami(address: str, credential: str) -> str:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        try:
            await stub.GetLoggedInUser(
                auth_pb2.GetLoggedInUserRequest(),
                metadata=(("authorization", f"Bearer {credential}"),),
                timeout=20,
                wait_for_ready=True,
            )
        except grpc.aio.AioRpcError as error:
            return failure_of(error).reason
        return "OK"


def test_bad_emulator_fault_flags_exit_2() -> None:
    process = start_cli("emulator", "--error-rate", "2")
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "error_rate must be between 0 and 1" in stderr
