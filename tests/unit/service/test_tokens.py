"""AuthTokenService: grants, creation on request, revocation bookkeeping, with fakes."""

from __future__ import annotations

import tomllib

import pytest

from sidecar.adapters.state.issued_tokens import MemoryIssuedTokens
from sidecar.adapters.state.memory import MemorySessionStore
from sidecar.domain.errors import SidecarError, upstream_failure
from sidecar.domain.model import AppIdentity, IssuedToken
from sidecar.domain.policy import parse_policy
from sidecar.domain.secret import Secret
from sidecar.service.policy import PolicyHolder
from sidecar.service.sessions import SessionService
from sidecar.service.tokens import AuthTokenService, fingerprint
from tests.unit.fakes import FakeGateway

APP = AppIdentity("app")
POLICY = 'issue_tokens = true\nissue_uids = ["^cust-"]\nrevoke_all = true'
HELD = Secret("held")


class FakeTokens:
    """R2, R3 (force), R7, R8: a set of known users and the calls made."""

    def __init__(self) -> None:
        self.users = {"cust-1"}
        self.calls: list[str] = []
        self.create_error: SidecarError | None = None
        self.revoke_error: SidecarError | None = None
        self.minted = 0

    async def issue_auth_token(self, uid: str, api_key: str) -> IssuedToken:
        self.calls.append(f"R3 {uid}")
        if uid not in self.users:
            raise upstream_failure("ERR_UID_NOT_FOUND", 404, endpoint="R3")
        self.minted += 1
        return IssuedToken(uid, f"{uid}_token{self.minted}", 1_800_000_000)

    async def create_user(self, uid: str, name: str, api_key: str) -> None:
        self.calls.append(f"R2 {uid} {name}")
        if self.create_error is not None:
            self.users.add(uid)  # someone else made it meanwhile
            raise self.create_error
        self.users.add(uid)

    async def revoke_auth_token(self, uid: str, auth_token: str, api_key: str) -> None:
        self.calls.append(f"R7 {uid}")
        if self.revoke_error is not None:
            raise self.revoke_error

    async def revoke_all_auth_tokens(self, uid: str, api_key: str) -> None:
        self.calls.append(f"R8 {uid}")


def _service(
    table: str = POLICY, key: Secret | None = HELD
) -> tuple[AuthTokenService, FakeTokens, MemoryIssuedTokens]:
    policy = PolicyHolder(parse_policy(tomllib.loads(f"[apps.app]\n{table}\n"), "t", ("app",)))
    sessions = SessionService(MemorySessionStore(), FakeGateway(), policy=policy)
    tokens, issued = FakeTokens(), MemoryIssuedTokens()
    return AuthTokenService(sessions, tokens, issued, held_api_key=key), tokens, issued


async def _reason(call: object) -> str:
    with pytest.raises(SidecarError) as refused:
        await call  # type: ignore[misc]
    return refused.value.reason


async def test_a_missing_user_is_created_named_as_asked_or_by_its_uid() -> None:
    service, tokens, _ = _service()

    named, created = await service.issue(APP, "cust-2", create_if_missing=True, name=" Ada ")
    unnamed, _ = await service.issue(APP, "cust-3", create_if_missing=True, name="")

    assert created
    assert named.uid == "cust-2"
    assert tokens.calls == [
        "R3 cust-2",
        "R2 cust-2 Ada",
        "R3 cust-2",
        "R3 cust-3",
        "R2 cust-3 cust-3",
        "R3 cust-3",
    ]
    assert unnamed.uid == "cust-3"


async def test_without_create_a_missing_user_is_an_error() -> None:
    service, tokens, _ = _service()
    assert await _reason(service.issue(APP, "cust-9", create_if_missing=False, name="")) == (
        "ERR_UID_NOT_FOUND"
    )
    assert tokens.calls == ["R3 cust-9"]


async def test_a_user_created_meanwhile_is_not_an_error() -> None:
    service, tokens, _ = _service()
    tokens.create_error = upstream_failure("ERR_UID_ALREADY_EXISTS", 409, endpoint="R2")

    issued, created = await service.issue(APP, "cust-4", create_if_missing=True, name="")

    assert not created
    assert issued.uid == "cust-4"


@pytest.mark.parametrize(
    ("table", "key", "uid", "reason"),
    [
        ("", Secret("held"), "cust-1", "ERROR_OPERATION_NOT_ALLOWED"),
        (POLICY, Secret("held"), "staff-1", "ERROR_UID_NOT_ALLOWED"),
        (POLICY, Secret("held"), "", "ERROR_INVALID_UID"),
        (POLICY, Secret("held"), "cust 1", "ERROR_UID_WITH_SPACE"),
        (POLICY, Secret("held"), "cust-" + "1" * 100, "ERROR_UID_TOO_LONG"),
        (POLICY, None, "cust-1", "ERROR_API_KEY_NOT_FOUND"),
    ],
)
async def test_issue_refusals_come_before_any_upstream_call(
    table: str, key: Secret | None, uid: str, reason: str
) -> None:
    service, tokens, _ = _service(table, key)
    assert await _reason(service.issue(APP, uid, create_if_missing=True, name="")) == reason
    assert tokens.calls == []


async def test_only_fingerprints_are_kept_and_only_issued_tokens_revoked() -> None:
    service, tokens, issued_tokens = _service()
    issued, _ = await service.issue(APP, "cust-1", create_if_missing=False, name="")
    assert issued.auth_token not in repr(issued_tokens.__dict__)
    assert fingerprint(issued.auth_token) in repr(issued_tokens.__dict__)

    assert await _reason(service.revoke(APP, "cust-1", "cust-1_other")) == (
        "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    )
    assert await service.revoke(APP, "CUST-1", issued.auth_token) == 0
    assert await _reason(service.revoke(APP, "cust-1", issued.auth_token)) == (
        "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    )
    assert tokens.calls.count("R7 CUST-1") == 1


async def test_a_token_cometchat_already_forgot_counts_as_revoked() -> None:
    service, tokens, _ = _service()
    issued, _ = await service.issue(APP, "cust-1", create_if_missing=False, name="")
    tokens.revoke_error = upstream_failure("ERR_AUTH_TOKEN_NOT_FOUND", 404, endpoint="R7")

    assert await service.revoke(APP, "cust-1", issued.auth_token) == 0


async def test_revoke_all_needs_its_own_grant_and_forgets_the_users_tokens() -> None:
    service, _, _ = _service("issue_tokens = true")
    assert await _reason(service.revoke_all(APP, "cust-1")) == "ERROR_OPERATION_NOT_ALLOWED"

    service, tokens, _ = _service()
    issued, _ = await service.issue(APP, "cust-1", create_if_missing=False, name="")
    assert await service.revoke_all(APP, "cust-1") == 0
    assert await _reason(service.revoke(APP, "cust-1", issued.auth_token)) == (
        "ERROR_TOKEN_NOT_ISSUED_BY_APP"
    )
    assert "R8 cust-1" in tokens.calls
