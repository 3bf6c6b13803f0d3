"""SidecarError decoding, without a server."""

from __future__ import annotations

import grpc
import pytest
from cometchat_sidecar import SidecarError
from fake_sidecar import rich_status
from google.rpc import code_pb2


def test_from_status_decodes_error_info_and_retry_info():
    status = rich_status(
        code_pb2.UNAVAILABLE,
        "CometChat could not be reached",
        "UPSTREAM_UNAVAILABLE",
        metadata={"attempts": "3"},
        retry_delay=0.25,
    )
    err = SidecarError.from_status(grpc.StatusCode.UNAVAILABLE, "", status.trailing_metadata)
    assert err.reason == "UPSTREAM_UNAVAILABLE"
    assert err.domain == "cometchat-sidecar"
    assert err.metadata == {"attempts": "3"}
    assert err.retry_delay == pytest.approx(0.25)
    # The status message fills in when the call had none.
    assert err.message == "CometChat could not be reached"


def test_malformed_details_do_not_hide_the_error():
    err = SidecarError.from_status(
        grpc.StatusCode.INTERNAL, "boom", [("grpc-status-details-bin", b"\xff\xff\xff")]
    )
    assert err.code == grpc.StatusCode.INTERNAL
    assert err.message == "boom"
    assert err.reason == ""


def test_an_rpc_error_that_is_not_a_call():
    err = SidecarError.from_rpc_error(grpc.RpcError("bare"))
    assert err.code == grpc.StatusCode.UNKNOWN
    assert err.reason == ""


def test_metadata_is_read_only():
    err = SidecarError(grpc.StatusCode.INTERNAL, "x", metadata={"a": "b"})
    with pytest.raises(TypeError):
        err.metadata["a"] = "c"  # type: ignore[index]


def test_repr_names_every_field():
    err = SidecarError(grpc.StatusCode.ABORTED, "busy", reason="R", domain="d", retry_delay=2.0)
    assert repr(err) == (
        "SidecarError(code=<StatusCode.ABORTED: (10, 'aborted')>, message='busy',"
        " reason='R', domain='d', metadata={}, retry_delay=2.0)"
    )
