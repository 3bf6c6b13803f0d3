"""Small helpers for tests that talk gRPC to a real sidecar."""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2

DETAILS_KEY = "grpc-status-details-bin"


@dataclass(frozen=True)
class Failure:
    code: grpc.StatusCode
    reason: str
    domain: str
    metadata: dict[str, str]
    retry_delay: float | None
    message: str


def failure_of(error: grpc.aio.AioRpcError | grpc.Call) -> Failure:
    """Decode the rich status the sidecar sends with every error."""
    raw = dict(error.trailing_metadata() or ()).get(DETAILS_KEY)
    assert raw is not None, f"no rich status on {error.code()}: {error.details()}"
    status = status_pb2.Status.FromString(raw)
    assert status.code == error.code().value[0]
    reason, domain, metadata, delay = "", "", {}, None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, domain, metadata = info.reason, info.domain, dict(info.metadata)
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            delay = retry.retry_delay.ToTimedelta().total_seconds()
    return Failure(error.code(), reason, domain, metadata, delay, status.message)
