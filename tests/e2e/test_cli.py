"""The command line as a person uses it: real processes, real sockets."""

from __future__ import annotations

import contextlib
import json
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

from sidecar.adapters.credentials import hash_credential
from tests.processes import start_cli

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EMULATOR_FULL_KEY = "emulator-full-access-key-0123456789abcdef"


def _read_json_line(stream: IO[str], event: str, deadline: float) -> dict[str, object]:
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        record = json.loads(line)
        if record.get("event") == event:
            return dict(record)
    raise AssertionError(f"no {event!r} line")


def _read_line(stream: IO[str], seconds: float = 20) -> str:
    """One line from a child's pipe, failing after `seconds` instead of hanging."""
    ready, _, _ = select.select([stream], [], [], seconds)
    assert ready, f"no line within {seconds} s"
    return stream.readline()


class Served:
    def __init__(self, process: subprocess.Popen[str], address: str) -> None:
        self.process = process
        self.address = address

    def client(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sidecar", "client", "--target", self.address, *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            input=stdin,
            timeout=30,
            check=False,
        )

    def start_client(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "sidecar", "client", "--target", self.address, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


@contextlib.contextmanager
def _serving_in_dev_mode(*flags: str) -> Iterator[Served]:
    process = start_cli(
        "serve",
        "--dev",
        "--listen",
        "127.0.0.1:0",
        "--http-listen",
        "127.0.0.1:0",
        "--log-level",
        "debug",
        *flags,
    )
    try:
        assert process.stderr is not None
        serving = _read_json_line(process.stderr, "serving", time.monotonic() + 20)
        yield Served(process, str(serving["address"]))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.fixture
def served() -> Iterator[Served]:
    with _serving_in_dev_mode() as served:
        yield served


@pytest.fixture
def served_with_grants(tmp_path: Path) -> Iterator[Served]:
    """Dev mode (its one app is `default`) with call tokens for `cli:` and token issuance."""
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[apps.default]\ncall_session_prefix = "cli:"\nissue_tokens = true\nrevoke_all = true\n',
        encoding="utf-8",
    )
    with _serving_in_dev_mode("--policy-file", str(policy)) as served:
        yield served


def test_dev_mode_round_trip_then_a_clean_stop(served: Served) -> None:
    login = served.client("login", "cometchat-uid-1")
    whoami = served.client("whoami")
    bad = served.client("login", "bad uid")
    logout = served.client("logout")
    again = served.client("logout")
    nobody = served.client("whoami")

    assert login.returncode == 0, login.stderr
    assert json.loads(login.stdout)["user"] == {
        "uid": "cometchat-uid-1",
        "name": "Andrew Joseph",
        "avatar": "https://assets.cometchat.io/sampleapp/v2/users/cometchat-uid-1.webp",
        "status": "USER_STATUS_ONLINE",
    }
    assert json.loads(whoami.stdout)["user"]["uid"] == "cometchat-uid-1"
    assert bad.returncode == 1
    assert json.loads(bad.stderr)["error"]["reason"] == "ERROR_UID_WITH_SPACE"
    assert logout.returncode == 0
    assert json.loads(again.stderr)["error"]["reason"] == "ERROR_NO_USER_LOGGED_IN"
    assert json.loads(nobody.stdout) == {"user": None}

    served.process.send_signal(signal.SIGTERM)
    _, stderr = served.process.communicate(timeout=20)
    assert served.process.returncode == 0
    records = [json.loads(line) for line in stderr.splitlines()]
    rpcs = [r for r in records if r["event"] == "rpc"]
    assert [(r["method"], r["reason"]) for r in rpcs] == [
        ("Login", "OK"),
        ("GetLoggedInUser", "OK"),
        ("Login", "ERROR_UID_WITH_SPACE"),
        ("Logout", "OK"),
        ("Logout", "ERROR_NO_USER_LOGGED_IN"),
        ("GetLoggedInUser", "OK"),
    ]
    assert records[-1]["event"] == "stopped"
    assert EMULATOR_FULL_KEY not in stderr


def test_login_with_token_reads_the_token_from_stdin(served: Served) -> None:
    result = served.client("login-with-token", "-", stdin="unknown-token-0123456789\n")

    assert result.returncode == 1
    error = json.loads(result.stderr)["error"]
    assert (error["code"], error["reason"]) == ("UNAUTHENTICATED", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND")
    assert "unknown-token-0123456789" not in result.stderr


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_watch_prints_one_line_per_change_until_interrupted(
    served: Served, stop: signal.Signals
) -> None:
    watch = served.start_client("--timeout", "1", "watch")
    try:
        assert watch.stdout is not None
        current = json.loads(_read_line(watch.stdout))
        served.client("login", "cometchat-uid-1")
        logged_in = json.loads(_read_line(watch.stdout))
        served.client("logout")
        logged_out = json.loads(_read_line(watch.stdout))
        watch.send_signal(stop)
        rest, stderr = watch.communicate(timeout=20)
    finally:
        if watch.poll() is None:
            watch.kill()
            watch.wait()

    assert current == {"change": "CURRENT", "user": None}
    assert logged_in["change"] == "LOGGED_IN"
    assert logged_in["user"]["uid"] == "cometchat-uid-1"
    assert logged_out == {"change": "LOGGED_OUT", "user": None}
    assert watch.returncode == 0, stderr
    assert (rest, stderr) == ("", "")


def test_call_and_auth_tokens_from_the_shell(served_with_grants: Served) -> None:
    served = served_with_grants
    issued = served.client("issue-token", "cometchat-uid-2")
    auth_token = json.loads(issued.stdout)["auth_token"]
    login = served.client("login-with-token", "-", stdin=auth_token + "\n")
    call = served.client("call-token", "cli:room-1")
    outside = served.client("call-token", "other:room-1")
    revoke = served.client("revoke-token", "cometchat-uid-2", "-", stdin=auth_token + "\n")
    again = served.client("revoke-token", "cometchat-uid-2", auth_token)
    created = served.client("issue-token", "cli-user-1", "--create", "--name", "CLI User")
    revoke_all = served.client("revoke-token", "cli-user-1", "--all")

    assert issued.returncode == 0, issued.stderr
    answer = json.loads(issued.stdout)
    assert (answer["uid"], answer["user_created"]) == ("cometchat-uid-2", False)
    assert answer["created_at"].endswith("+00:00")
    assert json.loads(login.stdout)["user"]["uid"] == "cometchat-uid-2"
    assert call.returncode == 0, call.stderr
    call_answer = json.loads(call.stdout)
    assert call_answer["session_id"] == "cli:room-1"
    assert call_answer["user"]["uid"] == "cometchat-uid-2"
    assert call_answer["call_token"].count(".") == 2  # a JWT
    assert outside.returncode == 1
    assert json.loads(outside.stderr)["error"]["reason"] == "ERROR_SESSION_ID_NOT_ALLOWED"
    assert json.loads(revoke.stdout) == {"sessions_ended": 1}
    assert again.returncode == 1
    assert json.loads(again.stderr)["error"]["reason"] == "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    assert json.loads(created.stdout)["user_created"] is True
    assert json.loads(revoke_all.stdout) == {"sessions_ended": 0}
    # The tokens went to stdout where they were asked for, and nowhere else.
    secrets = (auth_token, call_answer["call_token"], json.loads(created.stdout)["auth_token"])
    for result in (issued, login, call, outside, revoke, again, created, revoke_all):
        assert not any(secret in result.stderr for secret in secrets)
    served.process.send_signal(signal.SIGTERM)
    _, log = served.process.communicate(timeout=20)
    assert not any(secret in log for secret in secrets)


def test_revoke_token_needs_a_token_or_all(served: Served) -> None:
    neither = served.client("revoke-token", "cometchat-uid-1")
    both = served.client("revoke-token", "cometchat-uid-1", "tok-0123456789", "--all")

    assert neither.returncode == 2
    assert "one of the arguments auth_token --all is required" in neither.stderr
    assert both.returncode == 2
    assert "tok-0123456789" not in both.stderr


def test_a_bad_configuration_exits_2_with_a_clear_message() -> None:
    process = start_cli("serve", env={"COMETCHAT_APP_ID": "", "COMETCHAT_SIDECAR_DEV": ""})
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    record = json.loads(stderr.splitlines()[-1])
    assert record["event"] == "bad_config"
    assert "no CometChat app id" in record["error"]


@pytest.mark.parametrize(
    ("policy", "named"),
    [
        ("[apps.billing-typo]\nissue_tokens = true\n", "apps.billing-typo: unknown app"),
        ("[apps.billing]\nissue_token = true\n", "apps.billing: unknown keys: issue_token"),
        ('[apps.billing]\nlogin_uids = ["(cust"]\n', "is not a valid regular expression"),
    ],
)
def test_a_bad_policy_file_stops_the_start_naming_it(
    tmp_path: Path, policy: str, named: str
) -> None:
    (tmp_path / "apps").mkdir()
    (tmp_path / "apps" / "billing").write_text(hash_credential("billing-credential"))
    (tmp_path / "policy.toml").write_text(policy)
    process = start_cli(
        "serve", "--dev", "--http-listen", "127.0.0.1:0",
        "--app-credentials-dir", str(tmp_path / "apps"),
        "--policy-file", str(tmp_path / "policy.toml"),
    )  # fmt: skip
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    record = json.loads(stderr.splitlines()[-1])
    assert record["event"] == "bad_config"
    assert named in record["error"]
    assert "policy.toml" in record["error"]


def test_open_mode_off_loopback_is_refused_at_start() -> None:
    process = start_cli("serve", "--dev", "--listen", "0.0.0.0:0", "--http-listen", "127.0.0.1:0")
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    assert "loopback only" in stderr


def test_the_emulator_runs_standalone() -> None:
    process = start_cli("emulator")
    try:
        assert process.stdout is not None
        description = json.loads(process.stdout.readline())
        assert description["app_id"] == "emulator-app"
        assert description["api_url"].startswith("http://127.0.0.1:")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_hash_credential_prints_what_to_store_and_never_the_credential() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sidecar", "hash-credential"],
        cwd=ROOT,
        input="my-app-credential-0123456789\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    empty = subprocess.run(
        [sys.executable, "-m", "sidecar", "hash-credential"],
        cwd=ROOT,
        input="\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert result.returncode == 0
    assert result.stdout == hash_credential("my-app-credential-0123456789") + "\n"
    assert "my-app-credential" not in result.stdout + result.stderr
    assert empty.returncode == 2


def test_a_non_loopback_bind_without_tls_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text(hash_credential("billing-credential"))
    process = start_cli(
        "serve", "--dev", "--listen", "0.0.0.0:0", "--app-credentials-dir", str(tmp_path)
    )
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    record = json.loads(stderr.splitlines()[-1])
    assert record["event"] == "bad_config"
    assert "not a loopback address and no TLS is configured" in record["error"]


def test_a_credential_in_clear_is_refused_at_start(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text("billing-credential-in-clear-0123\n")
    process = start_cli(
        "serve", "--dev", "--http-listen", "127.0.0.1:0", "--app-credentials-dir", str(tmp_path)
    )
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 2
    record = json.loads(stderr.splitlines()[-1])
    assert record["event"] == "bad_config"
    assert "'billing' does not hold a hash" in record["error"]
    assert "cometchat-sidecar hash-credential" in record["error"]
    assert "billing-credential-in-clear" not in stderr


def test_serving_on_per_app_sockets_only() -> None:
    with tempfile.TemporaryDirectory(prefix="e2e-", dir="/tmp") as directory:
        process = start_cli(
            "serve",
            "--dev",
            "--listen",
            "",
            "--socket-dir",
            directory,
            "--socket-app",
            "billing",
            "--socket-app",
            "video",
        )
        try:
            assert process.stderr is not None
            serving = _read_json_line(process.stderr, "serving", time.monotonic() + 20)
            billing = Served(process, f"unix:{serving['sockets']['billing']}")  # type: ignore[index]
            video = Served(process, f"unix:{directory}/video/sidecar.sock")

            logged_in = billing.client("login", "cometchat-uid-1")
            nobody = video.client("whoami")

            assert serving["address"] is None
            assert json.loads(logged_in.stdout)["user"]["uid"] == "cometchat-uid-1"
            assert json.loads(nobody.stdout) == {"user": None}
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            assert not (Path(directory) / "billing" / "sidecar.sock").exists()
        finally:
            if process.poll() is None:
                process.kill()
