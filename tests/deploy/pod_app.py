"""One app of the rehearsed pod: logs a user in through the sidecar, waits, logs out.

    python -m tests.deploy.pod_app TARGET UID   (credential in SIDECAR_APP_CREDENTIAL)

Prints one JSON line per step on stdout; waits for a line on stdin between the login
and the logout, so the test can hold both apps logged in at once.
"""

from __future__ import annotations

import json
import os
import sys

from cometchat_sidecar import SidecarClient


def main() -> None:
    target, uid = sys.argv[1], sys.argv[2]
    credential = os.environ["SIDECAR_APP_CREDENTIAL"]

    def say(step: str, **fields: object) -> None:
        print(json.dumps({"step": step, **fields}), flush=True)

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
