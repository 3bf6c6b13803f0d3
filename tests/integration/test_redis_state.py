"""Two sidecar processes sharing one real redis-server: one login flow for both, one truth.

The emulator runs in the test process; the sidecars are `python -m sidecar serve`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import redis.asyncio as aioredis
from cometchat_sidecar.auth.v1 import auth_pb2, auth_pb2_grpc
from cometchat_sidecar.tokens.v1 import tokens_pb2, tokens_pb2_grpc

from sidecar.adapters.state.redis_store import RedisState
from sidecar.adapters.state.sealing import SessionSealer, StateKeyError, parse_state_key
from sidecar.bootstrap import RunningSidecar, running_sidecar
from sidecar.config import Settings
from sidecar.domain.errors import SidecarError
from sidecar.domain.model import CallsUser, Session, UserStatus
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator
from sidecar.service.ports import LOGIN_PREFIX
from tests.gate_proxy import gate_proxy
from tests.integration.conftest import AppClient, fails
from tests.processes import SidecarProcess, emulator_args
from tests.redis_server import redis_server
from tests.stack import (
    granting_policy,
    new_state_key,
    sidecar_settings,
    write_credentials,
    write_policy,
)

APPS = ("app-a", "app-b")


@dataclass
class Shared:
    emulator: Emulator
    redis_url: str
    key: str
    workdir: Path
    credentials: dict[str, str]

    def env(self) -> dict[str, str]:
        return {
            "COMETCHAT_API_KEY": self.emulator.config.full_access_key,
            "COMETCHAT_SIDECAR_STATE_BACKEND": "redis",
            "COMETCHAT_SIDECAR_REDIS_URL": self.redis_url,
            "COMETCHAT_SIDECAR_STATE_KEY": self.key,
            "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
            "COMETCHAT_SIDECAR_POLICY_FILE": str(self.workdir / "policy.toml"),
        }

    async def start(self, name: str, api_url: str | None = None) -> SidecarProcess:
        args = emulator_args(self.emulator, self.workdir / "apps")
        if api_url is not None:
            args[args.index("--api-host") + 1] = api_url
        return await SidecarProcess.start(self.workdir / f"{name}.log", args, self.env())


@pytest.fixture
async def shared(tmp_path: Path) -> AsyncIterator[Shared]:
    with redis_server(tmp_path / "redis") as url:
        async with Emulator() as emulator:
            credentials = write_credentials(tmp_path / "apps", APPS)
            write_policy(tmp_path, granting_policy(APPS))
            yield Shared(emulator, url, new_state_key(), tmp_path, credentials)


@contextlib.asynccontextmanager
async def clients(
    shared: Shared, process: SidecarProcess | RunningSidecar
) -> AsyncIterator[dict[str, AppClient]]:
    async with grpc.aio.insecure_channel(process.address) as channel:
        stub = auth_pb2_grpc.AuthServiceStub(channel)
        yield {
            app: AppClient(stub, (("authorization", f"Bearer {credential}"),))
            for app, credential in shared.credentials.items()
        }


@contextlib.asynccontextmanager
async def two_sidecars(
    shared: Shared, first_api_url: str | None = None
) -> AsyncIterator[tuple[dict[str, AppClient], dict[str, AppClient]]]:
    first, second = await asyncio.gather(
        shared.start("first", first_api_url), shared.start("second")
    )
    try:
        async with clients(shared, first) as one, clients(shared, second) as two:
            yield one, two
    finally:
        codes = await asyncio.gather(first.stop(), second.stop())
        assert list(codes) == [0, 0], first.text() + second.text()


async def test_100_identical_logins_over_two_processes_make_one_r3_and_one_m1(
    shared: Shared,
) -> None:
    async with two_sidecars(shared) as (one, two):
        users = await asyncio.gather(
            *((one if n % 2 else two)["app-a"].login("cometchat-uid-1") for n in range(100))
        )
        assert {user.uid for user in users} == {"cometchat-uid-1"}
        assert shared.emulator.request_count("R3") == 1
        assert shared.emulator.request_count("M1") == 1


async def test_a_token_issued_through_one_process_is_revoked_through_the_other(
    shared: Shared,
) -> None:
    metadata = (("authorization", f"Bearer {shared.credentials['app-a']}"),)
    first, second = await asyncio.gather(shared.start("first"), shared.start("second"))
    try:
        async with (
            grpc.aio.insecure_channel(first.address) as one,
            grpc.aio.insecure_channel(second.address) as two,
        ):
            issued = await tokens_pb2_grpc.AuthTokenServiceStub(one).IssueAuthToken(
                tokens_pb2.IssueAuthTokenRequest(uid="cometchat-uid-3"), metadata=metadata
            )
            other_app = (("authorization", f"Bearer {shared.credentials['app-b']}"),)
            revoke = tokens_pb2.RevokeAuthTokenRequest(
                uid="cometchat-uid-3", auth_token=issued.auth_token
            )
            refused = await fails(
                tokens_pb2_grpc.AuthTokenServiceStub(two).RevokeAuthToken(
                    revoke, metadata=other_app
                )
            )
            await tokens_pb2_grpc.AuthTokenServiceStub(two).RevokeAuthToken(
                revoke, metadata=metadata
            )
    finally:
        codes = await asyncio.gather(first.stop(), second.stop())
        assert list(codes) == [0, 0], first.text() + second.text()
    assert refused.reason == "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    assert shared.emulator.request_count("R7") == 1


async def test_a_conflicting_login_in_the_other_process_is_refused_an_identical_one_waits(
    shared: Shared,
) -> None:
    async with (
        gate_proxy(shared.emulator.api_url) as gate,
        two_sidecars(shared, gate.url) as (
            one,
            two,
        ),
    ):
        held = asyncio.ensure_future(one["app-a"].login("cometchat-uid-1"))
        async with asyncio.timeout(10):
            while gate.waiting == 0:  # noqa: ASYNC110 - the first login's R3 is at the gate
                await asyncio.sleep(0.01)

        failure = await fails(two["app-a"].login("cometchat-uid-2"))
        assert failure.code == grpc.StatusCode.ABORTED
        assert failure.reason == "ERROR_LOGIN_IN_PROGRESS"
        other_app = await two["app-b"].login("cometchat-uid-2")  # apps never wait for each other
        assert other_app.uid == "cometchat-uid-2"

        identical = asyncio.ensure_future(two["app-a"].login("cometchat-uid-1"))
        await asyncio.sleep(0.3)
        assert not identical.done()  # waits for the other process's flight
        gate.gate.set()
        first, second = await asyncio.gather(held, identical)

        assert first.uid == second.uid == "cometchat-uid-1"
        assert shared.emulator.request_count("R3") == 2  # app-a once, app-b once
        assert shared.emulator.request_count("M1") == 2
        assert shared.emulator.active_device_sessions("cometchat-uid-1") == 1


async def test_both_processes_agree_on_every_apps_session_and_relay_changes(
    shared: Shared,
) -> None:
    async with two_sidecars(shared) as (one, two):
        await one["app-a"].login("cometchat-uid-1")
        await two["app-b"].login("cometchat-uid-2")
        for side in (one, two):
            a, b = await side["app-a"].whoami(), await side["app-b"].whoami()
            assert a is not None
            assert b is not None
            assert (a.uid, b.uid) == ("cometchat-uid-1", "cometchat-uid-2")

        # A watcher on one process learns of a change made through the other.
        watch = one["app-a"].stub.WatchSession(
            auth_pb2.WatchSessionRequest(), metadata=one["app-a"].metadata
        )

        async def next_message() -> auth_pb2.WatchSessionResponse:
            message = await asyncio.wait_for(watch.read(), 10)
            assert isinstance(message, auth_pb2.WatchSessionResponse)
            return message

        first = await next_message()
        assert first.change == auth_pb2.SESSION_CHANGE_CURRENT
        await two["app-a"].logout()
        change = await next_message()
        assert change.change == auth_pb2.SESSION_CHANGE_LOGGED_OUT
        await two["app-a"].login("cometchat-uid-3")
        change = await next_message()
        assert change.change == auth_pb2.SESSION_CHANGE_LOGGED_IN
        assert change.user.uid == "cometchat-uid-3"
        watch.cancel()

        assert await one["app-b"].whoami() is not None
        await one["app-b"].logout()
        assert await two["app-b"].whoami() is None
        failure = await fails(two["app-b"].logout())
        assert failure.reason == "ERROR_NO_USER_LOGGED_IN"


async def _redis_contents(url: str) -> bytes:
    client = aioredis.Redis.from_url(url)
    try:
        dump = b""
        async for key in client.scan_iter():
            kind = await client.type(key)
            dump += key
            if kind == b"string":
                dump += await client.get(key) or b""
            elif kind == b"set":
                members = await client.smembers(key)
                dump += b"".join(m if isinstance(m, bytes) else m.encode() for m in members)
        return dump
    finally:
        await client.aclose()


async def test_redis_and_its_append_only_file_hold_no_token_in_clear(shared: Shared) -> None:
    token = shared.emulator.mint_token("cometchat-uid-4")
    process = await shared.start("only")
    try:
        async with clients(shared, process) as apps:
            await apps["app-a"].login_with_token(token)
            await apps["app-b"].login("cometchat-uid-5")
    finally:
        assert await process.stop() == 0
    contents = await _redis_contents(shared.redis_url)
    on_disk = b"".join(p.read_bytes() for p in (shared.workdir / "redis").rglob("*") if p.is_file())
    assert b"session:app-a" in contents  # the dump really holds the sessions
    assert len(on_disk) > 0
    for blob in (contents, on_disk):
        assert token.encode() not in blob
        assert b"cometchat-uid-5_" not in blob
        assert shared.key.encode() not in blob


async def test_rotation_and_a_wrong_key_on_redis(shared: Shared) -> None:
    def settings(key: str, previous: str | None = None) -> Settings:
        return sidecar_settings(
            shared.emulator,
            shared.workdir / "apps",
            state_backend="redis",
            redis_url=Secret(shared.redis_url),
            state_key=Secret(key),
            state_previous_key=Secret(previous) if previous else None,
            revocation_check_seconds=0,
        )

    old, new = shared.key, new_state_key()
    async with (
        running_sidecar(settings(old), grace=1.0) as running,
        clients(shared, running) as apps,
    ):
        await apps["app-a"].login("cometchat-uid-1")
    before = await _redis_contents(shared.redis_url)

    with pytest.raises(StateKeyError, match="nothing in Redis was changed"):
        async with running_sidecar(settings(new_state_key()), grace=1.0):
            pass
    assert await _redis_contents(shared.redis_url) == before

    async with running_sidecar(settings(new, old), grace=1.0):
        pass
    async with (
        running_sidecar(settings(new), grace=1.0) as running,
        clients(shared, running) as apps,
    ):
        user = await apps["app-a"].whoami()
        assert user is not None
        assert user.uid == "cometchat-uid-1"


async def test_the_lock_outlives_its_ttl_while_held_and_a_lost_lock_stops_the_write(
    shared: Shared,
) -> None:
    sealer = SessionSealer(parse_state_key(Secret(shared.key), "test"))
    state = await RedisState.open(Secret(shared.redis_url), "t:", sealer, lock_ttl=0.3)
    other = await RedisState.open(Secret(shared.redis_url), "t:", sealer, lock_ttl=0.3)
    try:
        async with state.hold("app", LOGIN_PREFIX + "x"):
            await asyncio.sleep(1.0)  # three TTLs: the watchdog keeps it
            with pytest.raises(SidecarError) as refused:
                async with other.hold("app", LOGIN_PREFIX + "y"):
                    pass
            assert refused.value.reason == "ERROR_LOGIN_IN_PROGRESS"

        async def lose_it() -> None:
            async with state.hold("app", LOGIN_PREFIX + "x"):
                raw = aioredis.Redis.from_url(shared.redis_url)
                await raw.delete("t:lock:app")  # as if it had expired
                await raw.aclose()
                await asyncio.sleep(5)  # the watchdog notices within a third of the TTL

        with pytest.raises(SidecarError) as lost:
            await asyncio.wait_for(lose_it(), 5)
        assert lost.value.reason == "STATE_UNAVAILABLE"

        # The fence: a write by a holder whose lock is gone is refused, not applied.
        session = Session("app", CallsUser("u", "U", "", UserStatus.ONLINE), "tok", "dev", 1.0)
        async with state.hold("app", LOGIN_PREFIX + "x"):
            await state.put(session)
            raw = aioredis.Redis.from_url(shared.redis_url)
            await raw.delete("t:lock:app")
            await raw.aclose()
            with pytest.raises(SidecarError) as fenced:
                await state.delete("app")
            assert fenced.value.reason == "STATE_UNAVAILABLE"
            with pytest.raises(SidecarError):
                await state.put(session)
        assert await state.get("app") == session  # neither refused write was applied
    finally:
        await state.close()
        await other.close()
