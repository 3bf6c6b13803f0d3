"""The reason table."""

from __future__ import annotations

from sidecar.domain.errors import REASONS


def test_every_reason_is_in_the_table_with_a_grpc_code() -> None:
    codes = {
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    }
    for spec in REASONS.values():
        assert spec.code in codes - {"OK"}
