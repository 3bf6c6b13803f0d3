"""Redis URLs: the Sentinel form is parsed, refused with a clear message, and redacted."""

from __future__ import annotations

import pytest

from sidecar.adapters.state.redis_url import (
    SentinelService,
    check_redis_url,
    parse_sentinel_url,
    redacted,
)
from sidecar.domain.errors import ConfigError


def test_a_sentinel_url_names_the_sentinels_the_service_and_the_database() -> None:
    assert parse_sentinel_url("redis+sentinel://10.0.0.1:26380,sentinel-b/primary/3") == (
        SentinelService((("10.0.0.1", 26380), ("sentinel-b", 26379)), "primary", 3)
    )
    assert parse_sentinel_url("redis+sentinel://[::1]:5000/svc") == SentinelService(
        (("::1", 5000),), "svc", 0
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis+sentinel://:s3cret-pw@h:1/svc", "carries no user or password"),
        ("redis+sentinel://h:1", "names the service"),
        ("redis+sentinel://h:1/svc/zero", "is a number"),
        ("redis+sentinel://h:1,,h:2/svc", "at least one sentinel"),
        ("redis+sentinel://h:port/svc", "no valid port"),
        ("redis+sentinel://h:1/a/1/x", "names the service"),
        ("memcached://h:1", "must start with"),
    ],
)
def test_bad_redis_urls_are_refused_without_quoting_a_password(url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        check_redis_url(url)
    assert "s3cret-pw" not in str(caught.value)


def test_redacted_urls_carry_no_password() -> None:
    assert redacted("redis://:pw-1@127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert redacted("redis+sentinel://a:1,b:2/svc") == "redis+sentinel://a:1,b:2/svc/0"
    assert "pw-2" not in redacted("redis+sentinel://u:pw-2@a:1/svc")
