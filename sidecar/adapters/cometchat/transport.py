"""The HTTP transport under httpx: aiohttp's, through httpx-aiohttp.

httpx stays the adapter's HTTP client (its requests, responses and timeouts); under it,
aiohttp moves the bytes at about a quarter of httpcore's CPU per request (bench/).
Two of the library's defaults are set right here for this adapter:

- One HTTP exchange per try. aiohttp sends an idempotent request (PUT, DELETE, GET)
  again when a kept-alive connection turns out to be closed; the adapter's retry policy
  decides every retry and counts each try, so that second send is turned off.
- A failure keeps its kind. httpx-aiohttp 0.2 maps every aiohttp connection error to
  `httpx.ConnectTimeout`; `is_timeout` tells a timeout from a refused or dropped
  connection by the aiohttp error underneath.
"""

from __future__ import annotations

import asyncio
from typing import Final

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

# httpx's own pool defaults: 100 connections, idle ones closed after 5 s.
_LIMITS: Final = httpx.Limits()


def aiohttp_transport(limits: httpx.Limits = _LIMITS) -> AiohttpTransport:
    """A transport whose aiohttp session is made on first use, in the running loop."""
    ssl_context = httpx.create_ssl_context()

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=limits.max_connections or 0,
            keepalive_timeout=limits.keepalive_expiry,
            ssl=ssl_context,
        )
        opened = aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())
        # aiohttp has no public switch for its re-send on a closed kept-alive connection;
        # this attribute is the one its own test client clears. tests/integration
        # (test_upstream_failures, test_resilience) fail if a dropped try is re-sent.
        opened._retry_connection = False
        return opened

    return AiohttpTransport(client=session)


def is_timeout(error: BaseException) -> bool:
    """Whether a failed exchange ran out of time (else the connection failed)."""
    cause = error.__cause__
    if isinstance(cause, aiohttp.ClientError | asyncio.TimeoutError):
        return isinstance(cause, asyncio.TimeoutError)
    return isinstance(error, httpx.TimeoutException | asyncio.TimeoutError)
