"""Log a user in through the sidecar, see who is logged in, log out.

SIDECAR_ADDRESS=127.0.0.1:50051 SIDECAR_APP_CREDENTIAL=... python examples/login.py [uid]
"""

import os
import sys

from cometchat_sidecar import Reason, SidecarClient, SidecarError

target = os.environ.get("SIDECAR_ADDRESS", "127.0.0.1:50051")  # or unix:///run/sidecar.sock
credential = os.environ.get("SIDECAR_APP_CREDENTIAL")  # None/empty: a sidecar in dev mode
uid = sys.argv[1] if len(sys.argv) > 1 else "cometchat-uid-1"

with SidecarClient(target, credential=credential) as sidecar:
    sidecar.wait_until_ready(timeout=10)
    try:
        user = sidecar.login(uid)  # no API key: the sidecar holds it
    except SidecarError as err:
        if err.reason == Reason.ERROR_UID_WITH_SPACE:
            sys.exit(f"bad uid {uid!r}: {err.message}")
        raise
    print(f"logged in: {user.uid} ({user.name})")
    current = sidecar.get_logged_in_user()  # None when nobody is logged in
    print(f"sidecar says: {current.uid if current else 'nobody'} is logged in")
    sidecar.logout()
    print("logged out")
