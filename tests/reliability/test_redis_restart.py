"""Redis SIGKILLed and restarted under load: answers in time, nothing acknowledged lost.

A real redis-server (appendonly yes, appendfsync always, as the README asks) behind two
sidecar processes; one sequential caller per app logs in, reads, logs out and reads
through the first. Redis is killed with SIGKILL, left down, and started again on the same
port and append-only file; the sidecars are not touched.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

from sidecar.emulator import Emulator, EmulatorConfig
from tests.processes import SidecarProcess, emulator_args
from tests.redis_server import APPENDFSYNC, RedisProcess, answers_ping, redis_process
from tests.stack import new_state_key, write_credentials
from tests.state_load import CYCLE, AppCaller, Ledger, Workload, record, watch_hears_a_login

APPS = tuple(f"app-{n}" for n in range(4))
# Logged in before the kill and only read afterwards: their sessions must all be there.
RESTING = ("app-resting-0", "app-resting-1")
WATCHED = "app-watched"
LOAD_BEFORE_SECONDS = 2.0
DOWN_SECONDS = 1.5
LOAD_AFTER_SECONDS = 4.0
# Every app is served again this soon after Redis answers PING again.
RECOVERY_LIMIT_SECONDS = 3.0
CHANNEL_OPTIONS = (("grpc.max_reconnect_backoff_ms", 250),)


@dataclass
class Deployment:
    redis: RedisProcess
    sidecars: list[SidecarProcess]
    credentials: dict[str, str]


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    with redis_process(tmp_path / "redis") as redis:
        async with Emulator(EmulatorConfig(extra_users=400)) as emulator:
            credentials = write_credentials(tmp_path / "apps", [*APPS, *RESTING, WATCHED])
            env = {
                "COMETCHAT_API_KEY": emulator.config.full_access_key,
                "COMETCHAT_SIDECAR_STATE_BACKEND": "redis",
                "COMETCHAT_SIDECAR_REDIS_URL": redis.url,
                "COMETCHAT_SIDECAR_STATE_KEY": new_state_key(),
                "COMETCHAT_SIDECAR_LOGIN_RATE_PER_SECOND": "0",
                "COMETCHAT_SIDECAR_REVOCATION_CHECK_SECONDS": "0",
            }
            args = emulator_args(emulator, tmp_path / "apps")
            sidecars = [
                await SidecarProcess.start(tmp_path / f"sidecar-{n}.log", args, env)
                for n in range(2)
            ]
            try:
                yield Deployment(redis, sidecars, credentials)
            finally:
                for sidecar in sidecars:
                    await sidecar.stop()


async def test_redis_killed_and_restarted_under_load_loses_no_acknowledged_session(
    deployment: Deployment,
) -> None:
    assert APPENDFSYNC == "always"  # the setting the README names for this guarantee
    first, second = deployment.sidecars
    async with (
        grpc.aio.insecure_channel(first.address, options=CHANNEL_OPTIONS) as one,
        grpc.aio.insecure_channel(second.address, options=CHANNEL_OPTIONS) as two,
    ):
        callers = [AppCaller(one, app, deployment.credentials[app]) for app in APPS]
        workload = Workload(callers, CYCLE)
        resting = Workload(
            [AppCaller(one, app, deployment.credentials[app]) for app in RESTING],
            ("GetLoggedInUser",),
        )
        for n, caller in enumerate(resting.callers):
            login = await caller.call("Login", f"user-{300 + n}")
            assert login.reason == "OK"
            resting.ledgers[caller.app] = Ledger(caller.app)
            resting.ledgers[caller.app].observe(login)
        load = asyncio.gather(workload.run(), resting.run())
        await asyncio.sleep(LOAD_BEFORE_SECONDS)

        killed_at = time.monotonic()
        deployment.redis.kill()
        await asyncio.sleep(DOWN_SECONDS)
        deployment.redis.start()
        assert answers_ping(deployment.redis.port)
        back_at = time.monotonic()
        await asyncio.sleep(LOAD_AFTER_SECONDS)
        workload.stop.set()
        resting.stop.set()
        await load
        finals = await workload.check_final()
        resting_finals = await resting.check_final()
        assert resting_finals == {app: f"user-{300 + n}" for n, app in enumerate(RESTING)}

        gap = [a for a in workload.answers if killed_at <= a.started < back_at]
        assert gap, "no call was made while Redis was down"
        # In the gap: STATE_UNAVAILABLE with RetryInfo, in time; never a hang.
        assert workload.late() == resting.late() == []
        failures = workload.failures()
        assert failures, "the outage was not seen"
        assert workload.not_state_unavailable(killed_at) == []
        assert all(a.retry_delay is not None for a in failures)
        # Nothing acknowledged lost: every read and each app's final state agree with what
        # its caller was answered.
        assert workload.violations() == resting.violations() == []
        # The sidecar reconnected by itself: every app was served soon after Redis was back.
        firsts = workload.first_ok_after(back_at)
        assert set(firsts) == set(APPS)
        assert max(firsts.values()) < RECOVERY_LIMIT_SECONDS

        # The relay between the sidecars (pub/sub) resumed on the restarted Redis.
        relay_started = time.monotonic()
        watcher = AppCaller(two, WATCHED, deployment.credentials[WATCHED])
        changer = AppCaller(one, WATCHED, deployment.credentials[WATCHED])
        await watch_hears_a_login(watcher, changer, "user-399")

    figures = workload.figures()
    figures.update(
        {
            "resting_apps_sessions_kept": f"{len(resting_finals)} of {len(RESTING)}",
            "resting_apps_reads": dict(resting.reasons()),
            "fault": "redis-server SIGKILL, down 1.5 s, restarted (appendfsync always)",
            "apps": len(APPS),
            "calls_while_down": len(gap),
            "first_ok_after_redis_back_seconds": round(min(firsts.values()), 3),
            "every_app_served_after_redis_back_seconds": round(max(firsts.values()), 3),
            "watch_relay_heard_seconds": round(time.monotonic() - relay_started, 3),
            "final_users": finals,
        }
    )
    record("redis_restart", figures)
