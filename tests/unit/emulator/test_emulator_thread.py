"""Running the emulator: EmulatorThread, serve_forever, describe and listener settings."""

import asyncio
import json
import socket

import httpx
import pytest

from sidecar.emulator import Emulator, EmulatorConfig, EmulatorThread, serve_forever

UID = "cometchat-uid-1"
DEVICE = {"platform": "python", "deviceId": "device-1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_emulator_thread_serves_synchronous_clients() -> None:
    with EmulatorThread() as emulator:
        config = emulator.config
        token = emulator.mint_token(UID)  # from this thread, while the loop runs in another
        with httpx.Client(base_url=emulator.client_url) as client:
            response = client.put(
                "/v3.0/me", headers={"authToken": token, "appId": config.app_id}, json=DEVICE
            )
        assert response.json()["data"]["status"] == "online"
        assert emulator.active_device_sessions(UID) == 1
        emulator.revoke_token(UID, token)
        assert emulator.active_device_sessions(UID) == 0
        with httpx.Client(base_url=emulator.api_url) as api:
            response = api.get(f"/v3/users/{UID}", headers={"apikey": config.full_access_key})
        assert response.json()["data"]["uid"] == UID
        assert emulator.request_count() == 2
        api_url = emulator.api_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{api_url}/v3/users/{UID}")


def test_emulator_thread_reports_a_failed_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError), EmulatorThread(EmulatorConfig(api_port=port)):  # noqa: PT011
            pass


async def test_configured_ports_and_credentials_are_used() -> None:
    api_port, client_port = free_port(), free_port()
    config = EmulatorConfig(
        app_id="my-app",
        full_access_key="my-full-key",
        auth_only_key="my-auth-key",
        api_port=api_port,
        client_port=client_port,
    )
    async with Emulator(config) as emulator:
        assert emulator.config is config
        assert emulator.api_url == f"http://127.0.0.1:{api_port}"
        assert emulator.client_url == f"http://127.0.0.1:{client_port}"
        async with httpx.AsyncClient(base_url=emulator.api_url) as api:
            created = await api.post(
                f"/v3/users/{UID}/auth_tokens", headers={"apikey": "my-auth-key"}
            )
            refused = await api.get(
                f"/v3/users/{UID}", headers={"apikey": "my-full-key", "appId": "emulator-app"}
            )
        assert created.status_code == 200
        assert refused.json()["error"]["code"] == "AUTH_ERR_INVALID_APPID"


async def test_describe_is_one_json_line() -> None:
    async with Emulator() as emulator:
        line = emulator.describe()
        assert "\n" not in line
        assert json.loads(line) == {
            "api_url": emulator.api_url,
            "client_url": emulator.client_url,
            "call_url": emulator.call_url,
            "app_id": "emulator-app",
            "full_access_key": "emulator-full-access-key-0123456789abcdef",
            "auth_only_key": "emulator-auth-only-key-0123456789abcdef",
        }


async def test_serve_forever_announces_then_serves_until_cancelled() -> None:
    announced: asyncio.Queue[str] = asyncio.Queue()
    task = asyncio.create_task(serve_forever(announce=announced.put_nowait))
    description = json.loads(await asyncio.wait_for(announced.get(), timeout=5))
    async with httpx.AsyncClient(base_url=description["api_url"]) as api:
        response = await api.get(
            f"/v3/users/{UID}", headers={"apikey": description["full_access_key"]}
        )
    assert response.json()["data"]["uid"] == UID
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as late:
            await late.get(description["client_url"])


async def test_urls_need_a_started_emulator() -> None:
    emulator = Emulator()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.api_url
    async with emulator:
        with pytest.raises(RuntimeError, match="already started"):
            await emulator.start()
    with pytest.raises(RuntimeError, match="not started"):
        _ = emulator.client_url
