"""Domain errors to gRPC statuses: `google.rpc.Status` + `ErrorInfo` (+ `RetryInfo`)."""

from __future__ import annotations

import math

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from sidecar.domain.errors import SidecarError

# When a reason is retryable but the upstream named no delay, suggest this one.
_DEFAULT_RETRY_DELAY_SECONDS = 1.0


def to_status(error: SidecarError) -> grpc.Status:
    """The rich status an app receives for `error`. Carries no secret by construction."""
    info = error_details_pb2.ErrorInfo(
        reason=error.reason, domain=error.spec.domain, metadata=error.metadata
    )
    details = [_pack(info)]
    if error.spec.retryable:
        delay = error.retry_after if error.retry_after is not None else _DEFAULT_RETRY_DELAY_SECONDS
        seconds = math.floor(delay)
        retry = error_details_pb2.RetryInfo(
            retry_delay=duration_pb2.Duration(
                seconds=seconds, nanos=int((delay - seconds) * 1_000_000_000)
            )
        )
        details.append(_pack(retry))
    message = status_pb2.Status(
        code=code_pb2.Code.Value(error.spec.code),
        message=f"{error.reason}: {error.spec.description}",
        details=details,
    )
    status: grpc.Status = rpc_status.to_status(message)
    return status


def _pack(message: error_details_pb2.ErrorInfo | error_details_pb2.RetryInfo) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
