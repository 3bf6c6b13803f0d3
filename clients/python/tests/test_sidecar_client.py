"""The blocking client against an in-process fake sidecar."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from cometchat_sidecar import (
    DOMAIN_API,
    DOMAIN_SIDECAR,
    Reason,
    SidecarClient,
    SidecarError,
    SidecarNotReadyError,
    UserStatus,
)
from cometchat_sidecar.auth.v1 import auth_pb2
from grpc_health.v1 import health_pb2


def test_login_returns_the_user_and_sends_the_credential(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        user = client.login("cometchat-uid-1")
    assert user.uid == "cometchat-uid-1"
    assert user.name == "User cometchat-uid-1"
    assert user.status == UserStatus.Value("USER_STATUS_ONLINE")
    assert fake.auth.calls[-1].metadata["authorization"] == "Bearer s3cret"


def test_every_method_carries_the_credential(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.login("a")
        client.login_with_token("tok")
        client.get_logged_in_user()
        client.logout()
        client.wait_until_ready(1)
    assert [c.method for c in fake.auth.calls] == [
        "Login",
        "LoginWithToken",
        "GetLoggedInUser",
        "Logout",
    ]
    assert {c.metadata["authorization"] for c in fake.auth.calls} == {"Bearer s3cret"}


@pytest.mark.parametrize("credential", [None, ""])
def test_dev_mode_sends_no_credential(dev_fake, credential):
    with SidecarClient(dev_fake.target, credential=credential) as client:
        client.login("a")
    assert "authorization" not in dev_fake.auth.calls[-1].metadata


def test_missing_credential_is_unauthenticated(fake):
    with SidecarClient(fake.target) as client, pytest.raises(SidecarError) as caught:
        client.get_logged_in_user()
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == Reason.ERROR_MISSING_APP_CREDENTIAL


def test_wrong_credential_is_unauthenticated(fake):
    with SidecarClient(fake.target, credential="nope") as client, pytest.raises(SidecarError) as e:
        client.get_logged_in_user()
    assert e.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert e.value.reason == Reason.ERROR_UNKNOWN_APP_CREDENTIAL


def test_rich_error_is_decoded(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarError) as e,
    ):
        client.login("bad uid")
    err = e.value
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.reason == Reason.ERROR_UID_WITH_SPACE
    assert err.domain == DOMAIN_SIDECAR
    assert dict(err.metadata) == {"field": "uid"}
    assert err.message == "UID cannot contain spaces"
    assert err.retry_delay is None
    assert not err.retryable
    assert str(err) == (
        "INVALID_ARGUMENT: UID cannot contain spaces"
        " (reason=ERROR_UID_WITH_SPACE, domain=cometchat-sidecar)"
    )
    assert isinstance(err.__cause__, grpc.RpcError)


def test_upstream_error_keeps_domain_and_metadata(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarError) as e,
    ):
        client.login("ghost")
    assert e.value.code == grpc.StatusCode.NOT_FOUND
    assert e.value.reason == Reason.ERR_UID_NOT_FOUND
    assert e.value.domain == DOMAIN_API
    assert e.value.metadata == {"uid": "ghost", "http_status": "404"}


def test_retry_info_is_decoded(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarError) as e,
    ):
        client.login("busy")
    assert e.value.code == grpc.StatusCode.ABORTED
    assert e.value.reason == Reason.ERROR_LOGIN_IN_PROGRESS
    assert e.value.retry_delay == pytest.approx(1.5)
    assert e.value.retryable
    assert "retry_delay=1.5s" in str(e.value)


def test_status_without_details_is_still_typed(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarError) as e,
    ):
        client.login("plain")
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert e.value.message == "a status without details"
    assert e.value.reason == ""
    assert e.value.domain == ""
    assert e.value.metadata == {}
    assert e.value.retry_delay is None


def test_session_round_trip(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        assert client.get_logged_in_user() is None
        client.login("cometchat-uid-1")
        assert client.get_logged_in_user() == auth_pb2.CallsUser(
            uid="cometchat-uid-1",
            name="User cometchat-uid-1",
            status=auth_pb2.USER_STATUS_ONLINE,
        )
        assert client.login_with_token("abc").uid == "token-abc"
        client.logout()
        assert client.get_logged_in_user() is None
        with pytest.raises(SidecarError) as e:
            client.logout()
        assert e.value.reason == Reason.ERROR_NO_USER_LOGGED_IN
        assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION
        with pytest.raises(SidecarError) as e:
            client.login_with_token("  ")
        assert e.value.reason == Reason.ERROR_BLANK_AUTHTOKEN


def test_default_deadline_is_ten_seconds(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        client.get_logged_in_user()
        client.get_logged_in_user(timeout=3)
    default, explicit = (c.time_remaining for c in fake.auth.calls)
    assert 8.0 < default <= 10.1
    assert 1.0 < explicit <= 3.1


def test_client_wide_deadline_and_none(fake):
    with SidecarClient(fake.target, credential="s3cret", timeout=4) as client:
        client.get_logged_in_user()
    with SidecarClient(fake.target, credential="s3cret", timeout=None) as client:
        client.get_logged_in_user()
    four, unbounded = (c.time_remaining for c in fake.auth.calls)
    assert 2.0 < four <= 4.1
    assert unbounded > 1000


def test_deadline_exceeded_is_a_typed_error(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarError) as e,
    ):
        client.login("slow", timeout=0.2)
    assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert e.value.reason == ""


def test_unreachable_sidecar_is_unavailable(free_port):
    with SidecarClient(f"127.0.0.1:{free_port}") as client, pytest.raises(SidecarError) as e:
        client.get_logged_in_user()
    assert e.value.code == grpc.StatusCode.UNAVAILABLE
    assert e.value.reason == ""


def test_raw_stub_gets_credential_and_deadline(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        response = client.stub.GetLoggedInUser(auth_pb2.GetLoggedInUserRequest())
    assert not response.HasField("user")
    seen = fake.auth.calls[-1]
    assert seen.metadata["authorization"] == "Bearer s3cret"
    assert seen.time_remaining <= 10.1


def test_explicit_call_metadata_wins(fake):
    with SidecarClient(fake.target, credential="wrong") as client:
        client.stub.GetLoggedInUser(
            auth_pb2.GetLoggedInUserRequest(), metadata=[("authorization", "Bearer s3cret")]
        )
    assert fake.auth.calls[-1].metadata["authorization"] == "Bearer s3cret"


def test_unix_socket_target(unix_fake):
    assert unix_fake.target.startswith("unix://")
    with SidecarClient(unix_fake.target, credential="s3cret") as client:
        client.wait_until_ready(5)
        assert client.login("over-uds").uid == "over-uds"


def test_wait_until_ready_when_serving(fake):
    with SidecarClient(fake.target, credential="s3cret") as client:
        start = time.monotonic()
        client.wait_until_ready(5)
        assert time.monotonic() - start < 1.0


def test_wait_until_ready_waits_for_serving(fake):
    fake.set_serving(False)
    timer = threading.Timer(0.4, fake.set_serving, args=(True,))
    timer.start()
    try:
        with SidecarClient(fake.target, credential="s3cret") as client:
            start = time.monotonic()
            client.wait_until_ready(5)
            assert 0.3 < time.monotonic() - start < 3.0
    finally:
        timer.cancel()


def test_wait_until_ready_times_out_on_not_serving(fake):
    fake.set_serving(False)
    with SidecarClient(fake.target, credential="s3cret") as client:
        start = time.monotonic()
        with pytest.raises(SidecarNotReadyError) as e:
            # Long enough for a health check to be answered even on a loaded machine.
            client.wait_until_ready(2.0)
        elapsed = time.monotonic() - start
    assert 1.9 < elapsed < 6.0
    assert isinstance(e.value, TimeoutError)
    assert e.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "NOT_SERVING" in str(e.value)
    assert fake.target in str(e.value)


def test_wait_until_ready_reports_unknown_service(fake):
    with (
        SidecarClient(fake.target, credential="s3cret") as client,
        pytest.raises(SidecarNotReadyError) as e,
    ):
        client.wait_until_ready(0.3, service="no.such.Service")
    assert "NOT_FOUND" in str(e.value)


def test_wait_until_ready_times_out_when_nothing_listens(free_port):
    with SidecarClient(f"127.0.0.1:{free_port}") as client:
        start = time.monotonic()
        with pytest.raises(SidecarNotReadyError) as e:
            client.wait_until_ready(0.5)
        assert time.monotonic() - start < 2.5
    assert "UNAVAILABLE" in str(e.value)


def test_wait_until_ready_rejects_negative_timeout(fake):
    with SidecarClient(fake.target) as client, pytest.raises(ValueError, match="negative"):
        client.wait_until_ready(-1)


def test_wait_until_ready_for_a_sidecar_that_starts_late(late_fake):
    target, started = late_fake
    with SidecarClient(target, credential="s3cret") as client:
        client.wait_until_ready(10)
        assert started.is_set()
        assert client.login("late").uid == "late"


def test_health_of_the_whole_server(fake):
    fake.health.set("", health_pb2.HealthCheckResponse.SERVING)  # "" is the server as a whole
    with SidecarClient(fake.target) as client:
        client.wait_until_ready(2, service="")


def test_close_closes_the_channel(fake):
    client = SidecarClient(fake.target, credential="s3cret")
    client.login("a")
    client.close()
    with pytest.raises(ValueError, match="closed channel"):
        client.login("a")
