"""One app of the rehearsed pod: logs a user in through the sidecar, waits, logs out.

    python -m tests.deploy.pod_app TARGET UID [PROBE_SOCKET]

TARGET is `unix:///.../sidecar.sock` (the app's own socket: no credential) or
`127.0.0.1:PORT` with the app's credential in SIDECAR_APP_CREDENTIAL. PROBE_SOCKET,
when given, is another app's socket path: the app first reports whether it can
connect to it.

Prints one JSON line per step on stdout; waits for a line on stdin between the login
and the logout, so the test can hold every app logged in at once.
"""

from __future__ import annotations

import json
import os
import socket
import sys

from cometchat_sidecar import SidecarClient


def connects(path: str) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(5)
        try:
            probe.connect(path)
        except OSError as error:
            return type(error).__name__
    return "connected"


def main() -> None:
    target, uid = sys.argv[1], sys.argv[2]
    credential = os.environ.get("SIDECAR_APP_CREDENTIAL")

    def say(step: str, **fields: object) -> None:
        print(json.dumps({"step": step, **fields}), flush=True)

    if len(sys.argv) > 3:
        say("probed", path=sys.argv[3], result=connects(sys.argv[3]))
    with SidecarClient(target, credential=credential) as sidecar:
        sidecar.wait_until_ready(timeout=30)
        user = sidecar.login(uid)
        say("logged_in", uid=user.uid)
        sys.stdin.readline()
        current = sidecar.get_logged_in_user()
        say("still_logged_in", uid=current.uid if current else None)
        sidecar.logout()
        after = sidecar.get_logged_in_user()
        say("logged_out", uid=after.uid if after else None)


if __name__ == "__main__":
    main()
