"""The cluster tests' Python app, on the Python client (`cometchat_sidecar.SidecarClient`).

As the container's main process (`app.py hold`) it logs its start and its SIGTERM as JSON
lines; on SIGUSR1 it starts a login of `cometchat-uid-4` and, when SIGTERM comes while that
login is in flight, waits for it before exiting, as an app that drains its work does.
Through `kubectl exec` it calls the sidecar over the container's own socket:

    app.py hold | app.py login UID | app.py whoami | app.py logout | app.py ready
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any

from cometchat_sidecar import SidecarClient, SidecarError

TARGET = os.environ.get("SIDECAR_ADDRESS", "unix:///run/cometchat-sidecar/sidecar.sock")
IN_FLIGHT_UID = "cometchat-uid-4"


def emit(**fields: Any) -> None:
    print(json.dumps({**fields, "t": time.time()}), flush=True)


def _login_in_flight() -> None:
    emit(event="login_started", uid=IN_FLIGHT_UID)
    try:
        with SidecarClient(TARGET) as client:
            user = client.login(IN_FLIGHT_UID, timeout=30)
        emit(event="login_done", uid=user.uid)
    except SidecarError as error:
        emit(event="login_failed", reason=error.reason, code=str(error.code))


def hold() -> int:
    stop = threading.Event()
    logins: list[threading.Thread] = []

    def on_usr1(_signum: int, _frame: object) -> None:
        thread = threading.Thread(target=_login_in_flight)
        logins.append(thread)
        thread.start()

    signal.signal(signal.SIGTERM, lambda _s, _f: stop.set())
    signal.signal(signal.SIGUSR1, on_usr1)
    emit(event="started")
    while not stop.wait(0.05):
        pass
    emit(event="sigterm", logins_in_flight=sum(t.is_alive() for t in logins))
    for thread in logins:
        thread.join()
    emit(event="exiting")
    return 0


def call(command: str, args: list[str]) -> int:
    with SidecarClient(TARGET) as client:
        try:
            if command == "ready":
                client.wait_until_ready(timeout=30)
                emit(ready=True)
            elif command == "login":
                emit(uid=client.login(args[0], timeout=30).uid)
            elif command == "whoami":
                user = client.get_logged_in_user(timeout=30)
                emit(uid=user.uid if user else None)
            elif command == "logout":
                client.logout(timeout=30)
                emit(logged_out=True)
            else:
                sys.exit(f"unknown command {command!r}")
        except SidecarError as error:
            emit(error=error.message, reason=error.reason)
            return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["hold"]:
        sys.exit(hold())
    sys.exit(call(sys.argv[1], sys.argv[2:]))
