"""The backend half of CometChat's auth-token flow: issue and revoke users' auth tokens.

Off by default: an app needs its policy's `issue_tokens` grant (and `revoke_all` for
RevokeAllAuthTokens), and the UID must match its `issue_uids`. Tokens are made with the
API key the sidecar holds. Only a SHA-256 fingerprint of an issued token is logged or
stored (so that an app can revoke only the tokens it issued); the token itself is
returned once and forgotten.
"""

from __future__ import annotations

import hashlib

import structlog

from sidecar.domain.errors import SidecarError, fail
from sidecar.domain.model import AppIdentity, IssuedToken
from sidecar.domain.policy import AppPolicy, Operation
from sidecar.domain.secret import Secret
from sidecar.service.ports import AuthTokenGateway, IssuedTokens
from sidecar.service.sessions import SessionService
from sidecar.service.validation import check_auth_token, check_name, check_uid

_log = structlog.get_logger(__name__)

# R7's answers for a token CometChat does not know: already revoked, the goal is met.
_ALREADY_GONE = frozenset({"ERR_AUTH_TOKEN_NOT_FOUND", "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"})


def fingerprint(auth_token: str) -> str:
    """The SHA-256 of a token, hex: what is logged and stored instead of the token."""
    return hashlib.sha256(auth_token.encode("utf-8", "surrogatepass")).hexdigest()


def _user_key(uid: str) -> str:
    """What the state store keeps of a token's user: a digest of the lower-cased UID
    (CometChat lower-cases UIDs), so the store holds no UID in clear."""
    return hashlib.sha256(b"uid\0" + uid.lower().encode("utf-8", "surrogatepass")).hexdigest()


class AuthTokenService:
    """IssueAuthToken, RevokeAuthToken and RevokeAllAuthTokens for each calling app."""

    def __init__(
        self,
        sessions: SessionService,
        gateway: AuthTokenGateway,
        issued: IssuedTokens,
        *,
        held_api_key: Secret | None,
    ) -> None:
        self._sessions = sessions
        self._gateway = gateway
        self._issued = issued
        self._held_api_key = held_api_key

    async def issue(
        self, app: AppIdentity, uid: str, *, create_if_missing: bool, name: str
    ) -> tuple[IssuedToken, bool]:
        """A new token for `uid`, and whether the user was created for it."""
        key = self._checked(app, Operation.ISSUE_AUTH_TOKEN, uid)
        check_name(name)
        created = False
        try:
            issued = await self._gateway.issue_auth_token(uid, key)
        except SidecarError as error:
            if error.reason != "ERR_UID_NOT_FOUND" or not create_if_missing:
                raise
            created = await self._create_user(uid, name.strip() or uid, key)
            issued = await self._gateway.issue_auth_token(uid, key)
        digest = fingerprint(issued.auth_token)
        await self._issued.add(app.name, _user_key(issued.uid), digest)
        _log.info(
            "auth_token_issued",
            app=app.name,
            uid=issued.uid,
            fingerprint=digest,
            user_created=created,
        )
        return issued, created

    async def revoke(self, app: AppIdentity, uid: str, auth_token: str) -> int:
        """Revoke one token the app issued; returns how many of its sessions ended (0, 1)."""
        key = self._checked(app, Operation.REVOKE_AUTH_TOKEN, uid)
        check_auth_token(auth_token)
        digest = fingerprint(auth_token)
        if not await self._issued.holds(app.name, _user_key(uid), digest):
            raise fail("ERROR_TOKEN_NOT_ISSUED_BY_APP")
        try:
            await self._gateway.revoke_auth_token(uid, auth_token, key)
        except SidecarError as error:
            if error.reason not in _ALREADY_GONE:
                raise
        await self._issued.discard(app.name, _user_key(uid), digest)
        ended = await self._sessions.drop_revoked(app.name, auth_token)
        _log.info("auth_token_revoked", app=app.name, uid=uid, fingerprint=digest)
        return int(ended)

    async def revoke_all(self, app: AppIdentity, uid: str) -> int:
        """Revoke every token of `uid`; returns how many of the app's sessions ended (0, 1)."""
        key = self._checked(app, Operation.REVOKE_ALL_AUTH_TOKENS, uid)
        await self._gateway.revoke_all_auth_tokens(uid, key)
        await self._issued.discard_user(app.name, _user_key(uid))
        ended = await self._sessions.drop_user(app.name, uid)
        _log.info("auth_tokens_revoked", app=app.name, uid=uid)
        return int(ended)

    def _checked(self, app: AppIdentity, operation: Operation, uid: str) -> str:
        """The grant, the UID's shape, the app's `issue_uids`, then the held key."""
        policy: AppPolicy = self._sessions.policy.require(app.name, operation)
        check_uid(uid)
        if not policy.may_issue_for(uid):
            raise fail("ERROR_UID_NOT_ALLOWED")
        if not self._held_api_key:
            raise fail("ERROR_API_KEY_NOT_FOUND")
        return self._held_api_key.reveal()

    async def _create_user(self, uid: str, name: str, key: str) -> bool:
        """R2; True when this call created the user. A user created meanwhile by someone
        else (ERR_UID_ALREADY_EXISTS) is what was wanted: False."""
        try:
            await self._gateway.create_user(uid, name, key)
        except SidecarError as error:
            if error.reason != "ERR_UID_ALREADY_EXISTS":
                raise
            return False
        return True
