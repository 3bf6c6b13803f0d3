"""The policy file: refused at start when bad, kept in force when a reload is bad."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import structlog

from sidecar.adapters.policy_file import PolicyFile
from sidecar.domain.errors import ConfigError
from sidecar.domain.policy import Operation
from sidecar.service.policy import PolicyHolder

GOOD = '[apps.a]\ncall_session_prefix = "a:"\n'


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_is_the_default_policy() -> None:
    holder = PolicyHolder()
    PolicyFile(None, holder, lambda: ("a",)).load()
    assert not holder.current.for_app("a").grants(Operation.GENERATE_CALL_TOKEN)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("[apps.a\n", "is not valid TOML"),
        ("[apps.b]\n", "apps.b: unknown app"),
        ('[apps.a]\ncall_prefix = ""\n', "unknown keys: call_prefix"),
        ('[apps.a]\nlogin_uids = ["*"]\n', "not a valid regular expression"),
    ],
)
def test_a_bad_file_stops_the_start(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        PolicyFile(_file(tmp_path, text), PolicyHolder(), lambda: ("a",)).load()


def test_a_missing_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the policy file"):
        PolicyFile(tmp_path / "nope.toml", PolicyHolder(), lambda: ("a",)).load()


def test_a_bad_reload_keeps_the_policy_in_force(tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD)
    holder = PolicyHolder()
    policy_file = PolicyFile(path, holder, lambda: ("a",))
    policy_file.load()
    path.write_text("[apps.a]\nissue_tokens = maybe\n", encoding="utf-8")

    with structlog.testing.capture_logs() as logs, pytest.raises(ConfigError):
        policy_file.reload(path)

    assert holder.current.for_app("a").call_session_prefix == "a:"
    assert [entry["event"] for entry in logs] == ["policy_reload_failed"]


async def test_a_changed_file_is_taken_by_the_poll_and_a_bad_one_logged_once(
    tmp_path: Path,
) -> None:
    path = _file(tmp_path, GOOD)
    holder = PolicyHolder()
    policy_file = PolicyFile(path, holder, lambda: ("a",))
    policy_file.load()
    watching = asyncio.get_running_loop().create_task(policy_file.watch(0.01))
    try:
        with structlog.testing.capture_logs() as logs:
            path.write_text("[apps.a]\nrevoke_all = 1\n", encoding="utf-8")
            await asyncio.sleep(0.1)
            assert holder.current.for_app("a").call_session_prefix == "a:"
            path.write_text("[apps.a]\nrevoke_all = true\n", encoding="utf-8")
            for _ in range(500):
                if holder.current.for_app("a").revoke_all:
                    break
                await asyncio.sleep(0.01)
            assert holder.current.for_app("a").revoke_all
        events = [entry["event"] for entry in logs]
        assert events == ["policy_reload_failed", "policy_reloaded"]
    finally:
        watching.cancel()


async def test_a_file_naming_an_app_not_yet_served_is_taken_once_it_is(tmp_path: Path) -> None:
    path = _file(tmp_path, GOOD)
    served = ["a"]
    holder = PolicyHolder()
    policy_file = PolicyFile(path, holder, lambda: served)
    policy_file.load()
    path.write_text(GOOD + '[apps.b]\ncall_session_prefix = ""\n', encoding="utf-8")
    watching = asyncio.get_running_loop().create_task(policy_file.watch(0.01))
    try:
        await asyncio.sleep(0.1)
        assert "b" not in holder.current.apps
        served.append("b")
        for _ in range(500):
            if "b" in holder.current.apps:
                break
            await asyncio.sleep(0.01)
        assert "b" in holder.current.apps
    finally:
        watching.cancel()
