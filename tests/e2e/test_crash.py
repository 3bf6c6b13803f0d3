"""SIGKILL during a burst of logins and logouts: after a restart every app has its old or
its new state, never a torn one, and GetLoggedInUser needs no upstream call.

Real processes: the sidecar is `python -m sidecar serve --state-path ...`, killed with
SIGKILL; the emulator runs in the test process, so it outlives every sidecar.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import pytest
from cometchat_sidecar.auth.v1 import auth_pb2_grpc

from sidecar.adapters.state.sealing import SessionSealer, parse_state_key
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from tests.integration.conftest import AppClient
from tests.processes import SidecarProcess, emulator_args
from tests.stack import new_state_key, write_credentials

pytestmark = pytest.mark.e2e

APPS = tuple(f"app-{n}" for n in range(6))
UIDS = tuple(f"cometchat-uid-{n}" for n in range(1, 6))
ROUNDS = 3


@dataclass
class Ledger:
    """What one app was told, and what it had asked when the sidecar died."""

    acked: str | None = None
    pending: list[str | None] = field(default_factory=list)
    operations: int = 0

    def allowed(self) -> set[str | None]:
        return {self.acked, *self.pending}


def _operations(ledgers: dict[str, Ledger]) -> int:
    return sum(ledger.operations for ledger in ledgers.values())


async def _drive(app: AppClient, ledger: Ledger, rng: random.Random, stop: asyncio.Event) -> None:
    while not stop.is_set():
        target = None if ledger.acked is not None and rng.random() < 0.5 else rng.choice(UIDS)
        ledger.pending = [target]
        try:
            if target is None:
                await app.logout()
            else:
                assert (await app.login(target)).uid == target
        except grpc.aio.AioRpcError:
            return  # the sidecar died: the outcome of this call is unknown
        ledger.acked, ledger.pending = target, []
        ledger.operations += 1


async def _tokens_agree_with_users(emulator: Emulator, state: Path, key: str) -> int:
    """Open each stored session with the key; R5 proves its token belongs to its user."""
    sealer = SessionSealer(parse_state_key(Secret(key), "test"))
    with sqlite3.connect(state) as db:
        rows = db.execute("SELECT app, sealed FROM sessions").fetchall()
    async with httpx.AsyncClient() as http:
        for app, sealed in rows:
            session = sealer.open(app, sealed).session
            response = await http.get(
                f"{emulator.api_url}/v3/users/{session.user.uid}/auth_tokens/{session.auth_token}",
                headers={"apikey": emulator.config.full_access_key},
            )
            assert response.status_code == 200, (app, response.text)
            assert response.json()["data"]["uid"] == session.user.uid
    return len(rows)


async def test_sigkill_during_a_burst_leaves_every_app_old_or_new(tmp_path: Path) -> None:
    seed = random.randrange(2**32)  # noqa: S311 - a test schedule, not a secret
    rng = random.Random(seed)  # noqa: S311
    credentials = write_credentials(tmp_path / "apps", APPS)
    state = tmp_path / "state" / "sessions.db"
    key = new_state_key()
    ledgers = {app: Ledger() for app in APPS}
    async with Emulator() as emulator:
        env = {
            "COMETCHAT_API_KEY": emulator.config.full_access_key,
            "COMETCHAT_SIDECAR_STATE_KEY": key,
            "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
            # The burst is the point here, not the per-app login rate limit.
            "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
        }
        args = [*emulator_args(emulator, tmp_path / "apps"), "--state-path", str(state)]
        for round_no in range(ROUNDS + 1):
            process = await SidecarProcess.start(tmp_path / f"sidecar-{round_no}.log", args, env)
            try:
                async with grpc.aio.insecure_channel(process.address) as channel:
                    stub = auth_pb2_grpc.AuthServiceStub(channel)
                    apps = {
                        app: AppClient(stub, (("authorization", f"Bearer {credential}"),))
                        for app, credential in credentials.items()
                    }
                    # After a restart each app has a state it was told, or the one it asked for.
                    emulator.reset_counts()
                    for app, ledger in ledgers.items():
                        user = await apps[app].whoami()
                        seen = user.uid if user is not None else None
                        assert seen in ledger.allowed(), (seed, round_no, app, seen, ledger)
                        ledger.acked, ledger.pending = seen, []
                    assert emulator.request_count() == 0, seed
                    if round_no == ROUNDS:
                        assert await process.stop() == 0
                        break

                    stop = asyncio.Event()
                    drivers = [
                        asyncio.ensure_future(_drive(apps[app], ledgers[app], rng, stop))
                        for app in APPS
                    ]
                    done_before = _operations(ledgers)
                    async with asyncio.timeout(30):
                        while _operations(ledgers) < done_before + 20:  # noqa: ASYNC110
                            await asyncio.sleep(0.01)
                    await asyncio.sleep(rng.uniform(0.0, 0.3))
                    await process.kill()
                    stop.set()
                    await asyncio.gather(*drivers)
            finally:
                await process.kill()  # no-op after a stop or kill; ends it when a check failed
            # Each stored session opens with the key, and R5 confirms its token is its user's.
            await _tokens_agree_with_users(emulator, state, key)

        assert _operations(ledgers) >= 20 * ROUNDS
        # The file ends consistent too: every stored session's token is its user's.
        stored = await _tokens_agree_with_users(emulator, state, key)
        assert stored == sum(1 for ledger in ledgers.values() if ledger.acked is not None)
