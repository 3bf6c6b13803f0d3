"""The one check every RPC passes: the app's grant of the operation."""

from __future__ import annotations

import pytest

from sidecar.domain.errors import SidecarError
from sidecar.domain.policy import Operation, parse_policy
from sidecar.service.policy import PolicyHolder


def test_a_granted_operation_answers_the_apps_policy() -> None:
    holder = PolicyHolder(
        parse_policy({"apps": {"a": {"call_session_prefix": "x:"}}}, "test", ("a",))
    )

    assert holder.require("a", Operation.GENERATE_CALL_TOKEN).call_session_prefix == "x:"


def test_an_operation_not_granted_is_refused_naming_it() -> None:
    holder = PolicyHolder()

    with pytest.raises(SidecarError) as refused:
        holder.require("a", Operation.ISSUE_AUTH_TOKEN)

    assert refused.value.reason == "ERROR_OPERATION_NOT_ALLOWED"
    assert refused.value.spec.code == "PERMISSION_DENIED"
    assert refused.value.metadata == {"operation": "IssueAuthToken"}


def test_a_replaced_policy_is_in_force_at_once() -> None:
    holder = PolicyHolder()
    holder.replace(parse_policy({"apps": {"a": {"revoke_all": True}}}, "test", ("a",)))

    holder.require("a", Operation.REVOKE_ALL_AUTH_TOKENS)
