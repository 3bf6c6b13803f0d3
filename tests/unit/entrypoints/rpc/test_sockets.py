"""Small rules of the socket and TLS adapters; their behaviour over real sockets is in
tests/integration."""

from __future__ import annotations

from pathlib import Path

import pytest

from sidecar.domain.errors import ConfigError
from sidecar.entrypoints.rpc.sockets import check_app_name, prepare, resolve_group, resolve_user


@pytest.mark.parametrize("name", ["billing", "app-a", "App_2.v1", "x"])
def test_app_names_that_make_safe_folders(name: str) -> None:
    assert check_app_name(name) == name


@pytest.mark.parametrize("name", ["", ".", "..", "../x", "a/b", "-a", "a b", "x" * 64])
def test_app_names_that_could_walk_out_of_the_socket_dir_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="socket app name"):
        check_app_name(name)


def test_a_socket_path_too_long_for_a_unix_address_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="longer than the 107 bytes"):
        prepare(tmp_path / ("d" * 120), "billing")


def test_a_socket_folder_that_cannot_be_made_stops_the_start_with_a_reason(
    tmp_path: Path,
) -> None:
    in_the_way = tmp_path / "sockets"
    in_the_way.write_text("a file where the socket folder should be")
    with pytest.raises(ConfigError, match=r"cannot make the socket folder .*billing.*native"):
        prepare(in_the_way, "billing")
    assert in_the_way.read_text() == "a file where the socket folder should be"


def test_owner_and_group_are_ids_or_names() -> None:
    assert resolve_user("") == -1
    assert resolve_group("") == -1
    assert resolve_user("1234") == 1234
    assert resolve_group("4321") == 4321
    assert resolve_user("root") == 0
    assert resolve_group("root") == 0
    with pytest.raises(ConfigError, match="no user"):
        resolve_user("no-such-user-here")
    with pytest.raises(ConfigError, match="no group"):
        resolve_group("no-such-group-here")
