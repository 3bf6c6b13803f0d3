"""A Sentinel-managed Redis failing over: the sidecar follows the new primary.

Debian's redis-server and redis-sentinel on loopback: one primary, one replica, three
sentinels (quorum 2, down after 2 s). The sidecars run with `redis_min_replicas = 1`, the
setting the README names for this guarantee: a session write is answered only once the
replica holds it, so the replica promoted after the primary's SIGKILL holds every session
that was acknowledged.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
import redis.asyncio as aioredis

from sidecar.adapters.state.redis_store import RedisOptions, RedisState
from sidecar.adapters.state.sealing import SessionSealer, parse_state_key
from sidecar.domain.errors import ConfigError, SidecarError
from sidecar.domain.model import CallsUser, Session, UserStatus
from sidecar.domain.secret import Secret
from sidecar.emulator import Emulator, EmulatorConfig
from sidecar.service.ports import LOGIN_PREFIX
from tests.processes import SidecarProcess, emulator_args
from tests.redis_server import SentinelCluster, sentinel_cluster
from tests.stack import new_state_key, write_credentials
from tests.state_load import BURST, AppCaller, Workload, record, watch_hears_a_login

APPS = tuple(f"app-{n}" for n in range(4))
WATCHED = "app-watched"
MIN_REPLICAS = 1
LOAD_BEFORE_SECONDS = 2.0
LOAD_AFTER_SECONDS = 3.0
NO_REPLICA_SECONDS = 4.0  # longer than a call's deadline
# Every app is served again this soon after the old primary is back as a replica.
RECOVERY_LIMIT_SECONDS = 5.0
CHANNEL_OPTIONS = (("grpc.max_reconnect_backoff_ms", 250),)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[SentinelCluster]:
    with sentinel_cluster(tmp_path / "redis") as running:
        yield running


@dataclass
class Deployment:
    cluster: SentinelCluster
    sidecars: list[SidecarProcess]
    credentials: dict[str, str]


@pytest.fixture
async def deployment(cluster: SentinelCluster, tmp_path: Path) -> AsyncIterator[Deployment]:
    async with Emulator(EmulatorConfig(extra_users=400)) as emulator:
        credentials = write_credentials(tmp_path / "apps", [*APPS, WATCHED])
        env = {
            "COMETCHAT_API_KEY": emulator.config.full_access_key,
            "COMETCHAT_SIDECAR_STATE_BACKEND": "redis",
            "COMETCHAT_SIDECAR_REDIS_URL": cluster.url,
            "COMETCHAT_SIDECAR_REDIS_MIN_REPLICAS": str(MIN_REPLICAS),
            "COMETCHAT_SIDECAR_STATE_KEY": new_state_key(),
            "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
            "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
        }
        args = emulator_args(emulator, tmp_path / "apps")
        sidecars = [
            await SidecarProcess.start(tmp_path / f"sidecar-{n}.log", args, env) for n in range(2)
        ]
        try:
            yield Deployment(cluster, sidecars, credentials)
        finally:
            for sidecar in sidecars:
                await sidecar.stop()


async def test_the_primary_killed_during_a_login_burst_loses_no_acknowledged_session(
    deployment: Deployment,
) -> None:
    cluster = deployment.cluster
    first, second = deployment.sidecars
    async with (
        grpc.aio.insecure_channel(first.address, options=CHANNEL_OPTIONS) as one,
        grpc.aio.insecure_channel(second.address, options=CHANNEL_OPTIONS) as two,
    ):
        # Half the apps log in through each sidecar.
        callers = [
            AppCaller(one if n % 2 else two, app, deployment.credentials[app])
            for n, app in enumerate(APPS)
        ]
        workload = Workload(callers, BURST)
        load = asyncio.create_task(workload.run())
        await asyncio.sleep(LOAD_BEFORE_SECONDS)

        old = cluster.primary.port
        killed_at = time.monotonic()
        cluster.primary.kill()
        new = await asyncio.to_thread(cluster.wait_for_failover, old)
        promoted_at = time.monotonic()
        # For a while the new primary has no replica: WAIT 1 cannot succeed. Then the old
        # primary comes back as its replica.
        await asyncio.sleep(NO_REPLICA_SECONDS)
        restarting_at = time.monotonic()
        await asyncio.to_thread(cluster.restart_as_replica, cluster.primary, new)
        await asyncio.to_thread(cluster.wait_until_settled, new)
        rejoined_at = time.monotonic()
        await asyncio.sleep(LOAD_AFTER_SECONDS)
        workload.stop.set()
        await load
        finals = await workload.check_final()

        assert workload.late() == []
        failures = workload.failures()
        assert failures, "the failover was not seen"
        assert workload.not_state_unavailable(killed_at) == []
        assert all(a.retry_delay is not None for a in failures)
        # With redis_min_replicas = 1, nothing acknowledged is lost in the failover.
        assert workload.violations() == []
        # Until the old primary was back there was no replica: no login was acknowledged.
        acknowledged_alone = [
            a
            for a in workload.answers
            if a.method == "Login"
            and a.reason == "OK"
            and a.started >= promoted_at
            and a.ended < restarting_at
        ]
        assert acknowledged_alone == []
        assert any(
            a.method == "Login" and promoted_at <= a.started and a.ended < restarting_at
            for a in workload.answers
        ), "no login was tried while the new primary had no replica"
        # The sidecars followed the new primary by themselves.
        firsts = workload.first_ok_after(rejoined_at)
        assert set(firsts) == set(APPS)
        assert max(firsts.values()) < RECOVERY_LIMIT_SECONDS
        logins_after = [
            a for a in workload.answers if a.method == "Login" and a.started >= rejoined_at
        ]
        assert any(a.reason == "OK" for a in logins_after)

        # The relay between the sidecars (pub/sub) resumed on the new primary.
        watcher = AppCaller(two, WATCHED, deployment.credentials[WATCHED])
        changer = AppCaller(one, WATCHED, deployment.credentials[WATCHED])
        await watch_hears_a_login(watcher, changer, "user-399")

    refused_alone = [
        a
        for a in workload.answers
        if a.method == "Login" and promoted_at <= a.started and a.ended < restarting_at
    ]
    reads = [
        a for a in workload.answers if a.method == "GetLoggedInUser" and a.started >= killed_at
    ]
    first_read = min((a.ended - killed_at for a in reads if a.reason == "OK"), default=None)
    figures = workload.figures()
    figures.update(
        {
            "fault": "primary SIGKILL during a login burst; sentinels promote the replica; "
            "the old primary restarted as its replica 4 s later",
            "redis_min_replicas": MIN_REPLICAS,
            "apps": len(APPS),
            "sentinels_promoted_after_kill_seconds": round(promoted_at - killed_at, 3),
            "old_primary_back_as_replica_after_kill_seconds": round(rejoined_at - killed_at, 3),
            "first_read_ok_after_kill_seconds": round(first_read, 3) if first_read else None,
            "logins_while_the_new_primary_had_no_replica": dict(
                Counter(a.reason for a in refused_alone)
            ),
            "first_login_ok_after_replica_back_seconds": round(
                min(
                    (a.ended - rejoined_at for a in logins_after if a.reason == "OK"),
                    default=-1,
                ),
                3,
            ),
            "every_app_served_after_replica_back_seconds": round(max(firsts.values()), 3),
            "final_users": finals,
        }
    )
    record("redis_sentinel_failover", figures)


def _session(app: str, uid: str) -> Session:
    return Session(app, CallsUser(uid, uid, "", UserStatus.ONLINE), f"token-{uid}", "device", 1.0)


async def test_locks_and_the_fence_hold_across_a_failover(cluster: SentinelCluster) -> None:
    sealer = SessionSealer(parse_state_key(Secret(new_state_key()), "test"))
    options = RedisOptions(min_replicas=MIN_REPLICAS)
    url = Secret(cluster.url)
    ttl = 8.0  # renewed every third: across a failover of a few seconds
    one = await RedisState.open(url, "t:", sealer, options=options, lock_ttl=ttl)
    two = await RedisState.open(url, "t:", sealer, options=options, lock_ttl=ttl)
    holding = asyncio.Event()
    finish = asyncio.Event()

    async def operation(app: str, uid: str) -> None:
        """One's login of `app`: takes the lock, writes, waits, writes again."""
        async with one.hold(app, LOGIN_PREFIX + "one"):
            await one.put(_session(app, "before"))  # replicated (WAIT 1): so is the lock
            holding.set()
            await finish.wait()
            await one.put(_session(app, uid))

    tasks: list[asyncio.Task[None]] = []
    try:
        held = asyncio.create_task(operation("held", "after"))
        tasks.append(held)
        await asyncio.wait_for(holding.wait(), 10)
        holding.clear()
        fenced = asyncio.create_task(operation("fenced", "one"))
        tasks.append(fenced)
        await asyncio.wait_for(holding.wait(), 10)

        old = cluster.primary.port
        cluster.primary.kill()
        new = await asyncio.to_thread(cluster.wait_for_failover, old)
        await asyncio.to_thread(cluster.restart_as_replica, cluster.primary, new)
        await asyncio.to_thread(cluster.wait_until_settled, new)

        # The lock resumed on the new primary: a conflicting login is refused, also after
        # the lock's TTL would have ended it, since its watchdog renews it there.
        raw = aioredis.Redis(host="127.0.0.1", port=new)
        try:
            for wait in (0.0, await raw.pttl("t:lock:held") / 1000 + 0.3):
                await asyncio.sleep(wait)
                with pytest.raises(SidecarError) as refused:
                    async with two.hold("held", LOGIN_PREFIX + "two"):
                        pass
                assert refused.value.reason == "ERROR_LOGIN_IN_PROGRESS"
            # A lock the new primary never had (as if its replication had been lost) is the
            # fence's case: the other process takes it and writes; the first holder's write
            # is refused (or its operation cancelled once its watchdog sees the lock gone).
            await raw.delete("t:lock:fenced")
        finally:
            await raw.aclose()
        async with two.hold("fenced", LOGIN_PREFIX + "two"):
            await two.put(_session("fenced", "two"))
        finish.set()
        await asyncio.wait_for(held, 10)  # still the holder: its write lands on the new primary
        with pytest.raises(SidecarError) as lost:
            await asyncio.wait_for(fenced, 10)
        assert lost.value.reason == "STATE_UNAVAILABLE"

        assert await two.get("held") == _session("held", "after")
        assert await two.get("fenced") == _session("fenced", "two")  # one login stored, not two
    finally:
        finish.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await one.close()
        await two.close()


async def test_passwords_of_the_servers_and_of_the_sentinels(tmp_path: Path) -> None:
    password, sentinel_password = secrets.token_hex(12), secrets.token_hex(12)
    sealer = SessionSealer(parse_state_key(Secret(new_state_key()), "test"))
    with sentinel_cluster(tmp_path / "redis", password, sentinel_password) as cluster:
        url = Secret(cluster.url)
        without = RedisOptions(password=Secret(password), min_replicas=MIN_REPLICAS)
        with pytest.raises(ConfigError, match="cannot reach Redis") as refused:
            await RedisState.open(url, "t:", sealer, options=without)
        assert password not in str(refused.value)
        options = RedisOptions(
            password=Secret(password),
            sentinel_password=Secret(sentinel_password),
            min_replicas=MIN_REPLICAS,
        )
        state = await RedisState.open(url, "t:", sealer, options=options)
        try:
            await state.put(_session("app", "user"))
            assert await state.get("app") == _session("app", "user")
            assert password not in repr(state)
        finally:
            await state.close()
