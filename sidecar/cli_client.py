"""`cometchat-sidecar client ...`: each RPC from the shell, through the Python client."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Callable
from types import FrameType

from cometchat_sidecar import (
    CallsUser,
    SidecarClient,
    SidecarError,
    SidecarNotReadyError,
    UserStatus,
)

_STDIN = "-"


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
    sys.stdout.flush()


def _secret_argument(value: str) -> str:
    """A secret given on the command line, or read from stdin when it is `-`."""
    return sys.stdin.readline().strip() if value == _STDIN else value


def _health(client: SidecarClient, args: argparse.Namespace) -> None:
    client.wait_until_ready(timeout=args.timeout)
    _print({"status": "SERVING"})


def _login(client: SidecarClient, args: argparse.Namespace) -> None:
    api_key = os.environ.get(args.api_key_env, "") if args.api_key_env else ""
    _print({"user": _user(client.login(args.uid, api_key))})


def _login_with_token(client: SidecarClient, args: argparse.Namespace) -> None:
    _print({"user": _user(client.login_with_token(_secret_argument(args.auth_token)))})


def _whoami(client: SidecarClient, args: argparse.Namespace) -> None:
    _print({"user": _user(client.get_logged_in_user())})


def _logout(client: SidecarClient, args: argparse.Namespace) -> None:
    client.logout()
    _print({"logged_out": True})


def _call_token(client: SidecarClient, args: argparse.Namespace) -> None:
    # The call token is what the user asked for: it goes to stdout, nowhere else.
    token = client.generate_call_token(args.session_id)
    _print(
        {"call_token": token.call_token, "session_id": token.session_id, "user": _user(token.user)}
    )


def _issue_token(client: SidecarClient, args: argparse.Namespace) -> None:
    # The auth token is what the user asked for: it goes to stdout, nowhere else.
    issued = client.issue_auth_token(args.uid, create_if_missing=args.create, name=args.name)
    _print(
        {
            "uid": issued.uid,
            "auth_token": issued.auth_token,
            "created_at": issued.created_at.isoformat(),
            "user_created": issued.user_created,
        }
    )


def _revoke_token(client: SidecarClient, args: argparse.Namespace) -> None:
    if args.all:
        ended = client.revoke_all_auth_tokens(args.uid)
    else:
        ended = client.revoke_auth_token(args.uid, _secret_argument(args.auth_token))
    _print({"sessions_ended": ended})


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _watch(client: SidecarClient, args: argparse.Namespace) -> None:
    # SIGTERM ends the watch as Ctrl-C does: the call is cancelled, the exit code is 0.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        with client.watch_session() as events:
            for event in events:
                _print({"change": event.change.value, "user": _user(event.user)})
    except KeyboardInterrupt:
        pass


_CALLS: dict[str, Callable[[SidecarClient, argparse.Namespace], None]] = {
    "health": _health,
    "login": _login,
    "login-with-token": _login_with_token,
    "whoami": _whoami,
    "logout": _logout,
    "call-token": _call_token,
    "issue-token": _issue_token,
    "revoke-token": _revoke_token,
    "watch": _watch,
}


def run_client(args: argparse.Namespace, credential: str) -> int:
    """Run one call; print its answer as JSON on stdout, or the error on stderr."""
    with SidecarClient(args.target, credential=credential, timeout=args.timeout) as client:
        try:
            _CALLS[args.call](client, args)
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
