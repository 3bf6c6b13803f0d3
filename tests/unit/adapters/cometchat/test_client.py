"""The CometChat adapter's parsing of answers, on handmade httpx responses."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from sidecar.adapters.cometchat.client import _retry_after, _unwrap
from sidecar.domain.errors import SidecarError


def _response(
    status: int, body: object = None, text: str | None = None, **headers: str
) -> httpx.Response:
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=body, headers=headers)


def _error(code: str) -> dict[str, object]:
    return {"error": {"message": "m", "devMessage": "d", "source": "chat-api", "code": code}}


def test_success_envelope_gives_its_data() -> None:
    assert _unwrap("R3", _response(200, {"data": {"authToken": "t"}})) == {"authToken": "t"}


@pytest.mark.parametrize(
    ("response", "reason", "code"),
    [
        (_response(404, _error("ERR_UID_NOT_FOUND")), "ERR_UID_NOT_FOUND", "NOT_FOUND"),
        # An error body wins even on 200.
        (_response(200, _error("AUTH_ERR_NO_ACCESS")), "AUTH_ERR_NO_ACCESS", "PERMISSION_DENIED"),
        # Unknown codes pass through; the HTTP status decides the gRPC code.
        (_response(503, _error("ERR_SOMETHING_NEW")), "ERR_SOMETHING_NEW", "UNAVAILABLE"),
        (_response(409, _error("ERR_SOMETHING_NEW")), "ERR_SOMETHING_NEW", "FAILED_PRECONDITION"),
        # A code that is not code-shaped is not trusted as a reason.
        (_response(400, _error("<script>")), "UPSTREAM_BAD_RESPONSE", "UNAVAILABLE"),
        (_response(502, text="<html>Bad gateway</html>"), "UPSTREAM_BAD_RESPONSE", "UNAVAILABLE"),
        (_response(200, {"data": []}), "UPSTREAM_BAD_RESPONSE", "UNAVAILABLE"),
        (
            _response(429, text="slow down", **{"Retry-After": "3"}),
            "ERR_TOO_MANY_REQUESTS",
            "RESOURCE_EXHAUSTED",
        ),
    ],
)
def test_failures_keep_a_stable_reason(response: httpx.Response, reason: str, code: str) -> None:
    with pytest.raises(SidecarError) as caught:
        _unwrap("R3", response)
    assert caught.value.reason == reason
    assert caught.value.spec.code == code
    assert caught.value.metadata["http_status"] == str(response.status_code)


def test_retry_after_in_seconds_and_as_a_date() -> None:
    later = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert _retry_after(_response(429, **{"Retry-After": "12"})) == 12.0
    delay = _retry_after(_response(429, **{"Retry-After": later}))
    assert delay is not None
    assert 25 <= delay <= 31


@pytest.mark.parametrize("header", ["X-Rate-Limit-Reset", "X-RateLimit-Reset"])
def test_both_reset_header_spellings_are_read(header: str) -> None:
    reset_at = str(int(time.time()) + 20)
    delay = _retry_after(_response(429, **{header: reset_at}))
    assert delay is not None
    assert 18 <= delay <= 20
    assert _retry_after(_response(429, **{header: "5"})) == 5.0


def test_no_hint_means_no_delay() -> None:
    assert _retry_after(_response(429)) is None
    assert _retry_after(_response(429, **{"Retry-After": "soon"})) is None
