"""Fixtures of the emulator's tests: a running emulator and an HTTP client for each host."""

from collections.abc import AsyncIterator

import httpx
import pytest

from sidecar.emulator import Emulator


@pytest.fixture
async def emulator() -> AsyncIterator[Emulator]:
    async with Emulator() as running:
        yield running


@pytest.fixture
async def api(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """The api host, with the fullAccess key."""
    headers = {"apikey": emulator.config.full_access_key}
    async with httpx.AsyncClient(base_url=emulator.api_url, headers=headers) as http:
        yield http


@pytest.fixture
async def client(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    """The client host, with the app id (each test adds its authToken)."""
    headers = {"appId": emulator.config.app_id}
    async with httpx.AsyncClient(base_url=emulator.client_url, headers=headers) as http:
        yield http
