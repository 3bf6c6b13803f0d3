"""Hashed app credentials: reading, reloading and rotating them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sidecar.adapters.credentials import AppRegistry, hash_credential
from sidecar.domain.errors import ConfigError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(registry: AppRegistry, credential: str) -> str | None:
    identity = registry.identify(credential)
    return identity.name if identity is not None else None


def test_the_hash_is_sha256_of_the_credential_as_sha256sum_prints_it() -> None:
    expected = hashlib.sha256(b"credential-of-billing").hexdigest()
    assert hash_credential("credential-of-billing") == f"sha256:{expected}"
    with pytest.raises(ValueError, match="empty"):
        hash_credential("")


def test_registry_reads_a_mounted_secret_directory_of_hashes(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text(hash_credential("billing-credential") + "\n")
    upper_hex = hash_credential("video-credential").upper().replace("SHA256", "sha256")
    (tmp_path / "video").write_text(upper_hex)
    (tmp_path / "..data").mkdir()
    (tmp_path / ".hidden").write_text(hash_credential("ignored-credential"))

    registry = AppRegistry.from_directory(tmp_path)

    assert registry.apps == ("billing", "video")
    assert _app(registry, "billing-credential") == "billing"
    assert _app(registry, "video-credential") == "video"
    assert _app(registry, "ignored-credential") is None
    assert _app(registry, "") is None
    assert _app(registry, hash_credential("billing-credential")) is None  # the hash is no key
    assert "credential" not in repr(registry).replace("AppRegistry", "")


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no app"),
        (
            {"a": hash_credential("same"), "b": hash_credential("same")},
            "share one credential",
        ),
        ({"a": "  \n"}, "is empty"),
        ({"a": "sha256:abc"}, "malformed hash"),
        ({"a": hash_credential("same"), "b": "same"}, "does not hold a hash"),
    ],
)
def test_registry_refuses_unusable_directories(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    with pytest.raises(ConfigError, match=message):
        AppRegistry.from_directory(tmp_path)


def test_a_credential_in_clear_is_refused_naming_the_app_and_the_fix_but_not_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "billing").write_text("plain-credential-0123456789\n")
    (tmp_path / "video").write_text(hash_credential("video"))

    with pytest.raises(ConfigError) as refused:
        AppRegistry.from_directory(tmp_path)

    message = str(refused.value)
    assert "'billing'" in message
    assert "never stored in clear" in message
    assert "cometchat-sidecar hash-credential" in message
    assert "video" not in message
    assert "plain-credential" not in message + capsys.readouterr().out


def test_a_credential_in_clear_on_a_reload_keeps_the_credentials_in_force(
    tmp_path: Path,
) -> None:
    (tmp_path / "billing").write_text(hash_credential("billing"))
    registry = AppRegistry.from_directory(tmp_path, clock=Clock())

    (tmp_path / "billing").write_text("new-billing-in-clear")
    (tmp_path / "chat").write_text(hash_credential("chat"))
    with pytest.raises(ConfigError, match="does not hold a hash"):
        registry.reload()

    assert _app(registry, "billing") == "billing"
    assert _app(registry, "new-billing-in-clear") is None
    assert _app(registry, "chat") is None
    assert registry.apps == ("billing",)


def test_a_rotated_credential_overlaps_the_old_one_for_the_window(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "billing").write_text(hash_credential("old-billing"))
    (tmp_path / "video").write_text(hash_credential("video"))
    registry = AppRegistry.from_directory(tmp_path, rotation_seconds=60, clock=clock)

    (tmp_path / "billing").write_text(hash_credential("new-billing"))
    changes = registry.reload()

    assert (changes.added, changes.rotated, changes.removed) == ((), ("billing",), ())
    assert _app(registry, "new-billing") == "billing"
    clock.now += 59
    assert _app(registry, "old-billing") == "billing"
    clock.now += 1
    assert _app(registry, "old-billing") is None
    assert _app(registry, "new-billing") == "billing"
    assert _app(registry, "video") == "video"


def test_a_zero_window_retires_the_old_credential_at_once(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text(hash_credential("old-billing"))
    registry = AppRegistry.from_directory(tmp_path, rotation_seconds=0, clock=Clock())

    (tmp_path / "billing").write_text(hash_credential("new-billing"))
    registry.reload()

    assert _app(registry, "old-billing") is None
    assert _app(registry, "new-billing") == "billing"


def test_a_removed_app_is_revoked_at_once_and_a_new_one_admitted(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "billing").write_text(hash_credential("billing"))
    (tmp_path / "video").write_text(hash_credential("video"))
    registry = AppRegistry.from_directory(tmp_path, rotation_seconds=60, clock=clock)

    (tmp_path / "billing").unlink()
    (tmp_path / "chat").write_text(hash_credential("chat"))
    changes = registry.reload()

    assert (changes.added, changes.removed) == (("chat",), ("billing",))
    assert _app(registry, "billing") is None
    assert _app(registry, "chat") == "chat"
    assert registry.apps == ("chat", "video")


def test_rotating_back_does_not_keep_the_abandoned_credential(tmp_path: Path) -> None:
    clock = Clock()
    (tmp_path / "billing").write_text(hash_credential("first"))
    registry = AppRegistry.from_directory(tmp_path, rotation_seconds=60, clock=clock)

    (tmp_path / "billing").write_text(hash_credential("second"))
    registry.reload()
    (tmp_path / "billing").write_text(hash_credential("first"))
    registry.reload()

    assert _app(registry, "first") == "billing"
    assert _app(registry, "second") == "billing"  # retiring, inside its window
    clock.now += 61
    assert _app(registry, "first") == "billing"
    assert _app(registry, "second") is None


def test_a_broken_reload_keeps_the_credentials_in_force(tmp_path: Path) -> None:
    (tmp_path / "billing").write_text(hash_credential("billing"))
    registry = AppRegistry.from_directory(tmp_path, clock=Clock())

    (tmp_path / "billing").write_text("sha256:not-a-hash")
    with pytest.raises(ConfigError, match="malformed hash"):
        registry.reload()

    assert _app(registry, "billing") == "billing"
