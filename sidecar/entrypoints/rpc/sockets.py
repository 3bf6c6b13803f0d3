"""Per-app Unix domain sockets: `<socket_dir>/<app>/sidecar.sock`.

The per-app folder is what an app's container mounts, so each app can reach its own
socket and no other; the kernel's file permissions (socket mode 0660, owner and
group as configured) say which users may connect. The app is then the socket the
call arrived on: there is no secret to leak.

Safety at start: the per-app folder is kept at mode 0700 while the socket is
created, so nobody can connect before its mode and owner are set; an existing
socket file is replaced only when nothing answers on it (a live one means another
sidecar is serving there), and anything that is not a socket is never removed.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import structlog

from sidecar.domain.errors import ConfigError

SOCKET_NAME: Final = "sidecar.sock"
SOCKET_MODE: Final = 0o660
# Owner: all; group: enter and list, so the app's users can reach the socket.
FOLDER_MODE: Final = 0o750
_APP_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
# sun_path holds 108 bytes including the terminating NUL.
_MAX_PATH_BYTES: Final = 107

_log = structlog.get_logger(__name__)


def check_app_name(app: str) -> str:
    """An app name usable as a folder name (and nothing that walks out of it)."""
    if not _APP_NAME.fullmatch(app):
        raise ConfigError(
            f"socket app name {app!r} must be 1-63 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return app


def resolve_user(value: str) -> int:
    """A user id from a number or a user name; -1 (leave as is) for ''."""
    if not value:
        return -1
    if value.isdigit():
        return int(value)
    try:
        return pwd.getpwnam(value).pw_uid
    except KeyError:
        raise ConfigError(f"socket_owner {value!r} is no user on this system") from None


def resolve_group(value: str) -> int:
    """A group id from a number or a group name; -1 (leave as is) for ''."""
    if not value:
        return -1
    if value.isdigit():
        return int(value)
    try:
        return grp.getgrnam(value).gr_gid
    except KeyError:
        raise ConfigError(f"socket_group {value!r} is no group on this system") from None


@dataclass(frozen=True)
class AppSocket:
    """One app's socket: where it is, and the inode it had once created."""

    app: str
    path: Path
    inode: int = 0

    @property
    def target(self) -> str:
        """The gRPC target that reaches it."""
        return f"unix:{self.path}"


def prepare(socket_dir: Path, app: str) -> AppSocket:
    """Make the app's folder (closed: 0700) and clear a stale socket; bind next."""
    check_app_name(app)
    folder = socket_dir / app
    path = folder / SOCKET_NAME
    if len(os.fsencode(path)) > _MAX_PATH_BYTES:
        raise ConfigError(
            f"socket path {str(path)!r} is longer than the {_MAX_PATH_BYTES} bytes "
            "a Unix socket address can hold: choose a shorter socket_dir"
        )
    try:
        socket_dir.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode):
                raise ConfigError(f"{str(folder)!r} exists and is not a directory") from None
            os.chmod(folder, 0o700)
        _clear_stale(path)
    except OSError as error:
        # For example a folder someone else made first (in Kubernetes: a kubelet that
        # started the app containers before the sidecar, so it made their socket
        # folders as root), or a socket_dir that is a file.
        raise ConfigError(
            f"cannot make the socket folder {str(folder)!r} for app {app!r}: "
            f"{error.strerror or type(error).__name__}. The sidecar's user must be able to "
            "create it or own it; in Kubernetes, the sidecar must start before the apps "
            "(a native sidecar: an init container with restartPolicy Always)"
        ) from None
    return AppSocket(app, path)


def _clear_stale(path: Path) -> None:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(info.st_mode):
        raise ConfigError(f"{str(path)!r} exists and is not a socket: refusing to replace it")
    if _answers(path):
        raise ConfigError(f"another process is serving on {str(path)!r}")
    path.unlink()
    _log.info("stale_socket_removed", path=str(path))


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def secure(bound: AppSocket, uid: int, gid: int) -> AppSocket:
    """After the bind: set the socket's mode and owner, then open the folder."""
    os.chmod(bound.path, SOCKET_MODE)
    os.chown(bound.path, uid, gid, follow_symlinks=False)
    folder = bound.path.parent
    os.chown(folder, uid, gid)
    os.chmod(folder, FOLDER_MODE)
    return AppSocket(bound.app, bound.path, bound.path.lstat().st_ino)


def remove(bound: AppSocket) -> None:
    """Remove the socket on stop, if it is still the one this process created."""
    with contextlib.suppress(FileNotFoundError):
        if bound.inode and bound.path.lstat().st_ino == bound.inode:
            bound.path.unlink()
