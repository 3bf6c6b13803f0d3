"""`cometchat-sidecar client ...`: each RPC from the shell, through the Python client."""

from __future__ import annotations

import argparse
import json
import os
import sys

from cometchat_sidecar import (
    CallsUser,
    SidecarClient,
    SidecarError,
    SidecarNotReadyError,
    UserStatus,
)


def _user(user: CallsUser | None) -> dict[str, object] | None:
    if user is None:
        return None
    return {
        "uid": user.uid,
        "name": user.name,
        "avatar": user.avatar,
        "status": UserStatus.Name(user.status),
    }


def _print(value: object) -> None:
    sys.stdout.write(json.dumps(value) + "\n")


def run_client(args: argparse.Namespace, credential: str) -> int:
    """Run one call; print its answer as JSON on stdout, or the error on stderr."""
    with SidecarClient(args.target, credential=credential, timeout=args.timeout) as client:
        try:
            if args.call == "health":
                client.wait_until_ready(timeout=args.timeout)
                _print({"status": "SERVING"})
            elif args.call == "login":
                api_key = os.environ.get(args.api_key_env, "") if args.api_key_env else ""
                _print({"user": _user(client.login(args.uid, api_key))})
            elif args.call == "login-with-token":
                token: str = args.auth_token
                if token == "-":  # noqa: S105 - "-" means: read it from stdin
                    token = sys.stdin.readline().strip()
                _print({"user": _user(client.login_with_token(token))})
            elif args.call == "whoami":
                _print({"user": _user(client.get_logged_in_user())})
            else:
                client.logout()
                _print({"logged_out": True})
        except SidecarNotReadyError as error:
            sys.stderr.write(f"error: {error}\n")
            return 1
        except SidecarError as error:
            sys.stderr.write(
                json.dumps(
                    {
                        "error": {
                            "code": error.code.name,
                            "reason": error.reason,
                            "domain": error.domain,
                            "message": error.message,
                            "retry_delay": error.retry_delay,
                        }
                    }
                )
                + "\n"
            )
            return 1
    return 0
