"""Parsing the policy file's tables: strict, and deny by default."""

from __future__ import annotations

from typing import Any

import pytest

from sidecar.domain.errors import ConfigError
from sidecar.domain.policy import DEFAULT_APP_POLICY, Operation, Policy, parse_policy

APPS = ("billing", "support")


def _parse(document: dict[str, Any]) -> Policy:
    return parse_policy(document, "'policy.toml'", APPS)


def test_an_app_without_a_table_keeps_the_auth_rpcs_and_nothing_else() -> None:
    policy = _parse({"apps": {"billing": {"issue_tokens": True}}}).for_app("support")

    assert policy is DEFAULT_APP_POLICY
    granted = {op for op in Operation if policy.grants(op)}
    assert granted == {
        Operation.LOGIN,
        Operation.LOGIN_WITH_TOKEN,
        Operation.GET_LOGGED_IN_USER,
        Operation.LOGOUT,
        Operation.WATCH_SESSION,
    }
    assert policy.may_log_in("anyone")


def test_every_grant_of_a_full_table() -> None:
    policy = _parse(
        {
            "apps": {
                "billing": {
                    "login_uids": ["^cust-[0-9a-f]{8}$"],
                    "call_session_prefix": "billing:",
                    "call_tokens_per_second": 2,
                    "call_token_burst": 4,
                    "issue_tokens": True,
                    "issue_uids": ["^cust-"],
                    "revoke_all": True,
                }
            }
        }
    ).for_app("billing")

    assert all(policy.grants(op) for op in Operation)
    assert policy.may_log_in("CUST-0123abcd")  # CometChat lower-cases UIDs
    assert not policy.may_log_in("cust-0123abcde")
    assert policy.may_issue_for("cust-x")
    assert not policy.may_issue_for("staff-1")
    assert policy.may_call_in("billing:room-1")
    assert not policy.may_call_in("support:room-1")
    assert (policy.call_tokens_per_second, policy.call_token_burst) == (2.0, 4)


def test_an_empty_prefix_grants_any_session_id_and_an_empty_list_no_uid() -> None:
    policy = _parse({"apps": {"billing": {"call_session_prefix": "", "login_uids": []}}})
    billing = policy.for_app("billing")

    assert billing.grants(Operation.GENERATE_CALL_TOKEN)
    assert billing.may_call_in("anything")
    assert not billing.may_log_in("cometchat-uid-1")
    assert not billing.grants(Operation.ISSUE_AUTH_TOKEN)
    assert not billing.grants(Operation.REVOKE_ALL_AUTH_TOKENS)


def test_revoke_all_is_its_own_grant() -> None:
    billing = _parse({"apps": {"billing": {"issue_tokens": True}}}).for_app("billing")

    assert billing.grants(Operation.ISSUE_AUTH_TOKEN)
    assert billing.grants(Operation.REVOKE_AUTH_TOKEN)
    assert not billing.grants(Operation.REVOKE_ALL_AUTH_TOKENS)


@pytest.mark.parametrize(
    ("document", "named"),
    [
        ({"apps": {"biling": {}}}, "apps.biling: unknown app"),
        ({"apps": {"billing": {"issue_token": True}}}, "apps.billing: unknown keys: issue_token"),
        ({"app": {}}, "unknown top-level keys: app"),
        ({"apps": {"billing": {"login_uids": ["("]}}}, "apps.billing.login_uids: '('"),
        ({"apps": {"billing": {"issue_uids": ["[a-"]}}}, "apps.billing.issue_uids: '[a-'"),
        ({"apps": {"billing": {"login_uids": "^a"}}}, "apps.billing.login_uids must be a list"),
        ({"apps": {"billing": {"issue_tokens": "yes"}}}, "apps.billing.issue_tokens must be"),
        ({"apps": {"billing": {"revoke_all": 1}}}, "apps.billing.revoke_all must be"),
        ({"apps": {"billing": {"call_session_prefix": 3}}}, "call_session_prefix must be"),
        ({"apps": {"billing": {"call_session_prefix": "a b"}}}, "call_session_prefix must be"),
        ({"apps": {"billing": {"call_tokens_per_second": 0}}}, "call_tokens_per_second"),
        ({"apps": {"billing": {"call_tokens_per_second": True}}}, "call_tokens_per_second"),
        ({"apps": {"billing": {"call_token_burst": 0}}}, "call_token_burst"),
        ({"apps": {"billing": {"call_token_burst": 1.5}}}, "call_token_burst"),
        ({"apps": {"billing": True}}, "apps.billing must be a table"),
        ({"apps": []}, "apps must be a table"),
    ],
)
def test_a_bad_table_is_refused_naming_what_is_wrong(document: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigError) as refused:
        _parse(document)

    assert named in str(refused.value)
    assert "'policy.toml'" in str(refused.value)


def test_an_unknown_app_error_lists_the_served_apps() -> None:
    with pytest.raises(ConfigError, match="serves: billing, support"):
        _parse({"apps": {"billing-2": {}}})
