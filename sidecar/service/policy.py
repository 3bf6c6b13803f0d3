"""The policy in force, and the one check every RPC passes before anything else."""

from __future__ import annotations

from sidecar.domain.errors import fail
from sidecar.domain.policy import AppPolicy, Operation, Policy


class PolicyHolder:
    """The policy in force; a reload replaces it whole, so a check never sees half of one."""

    def __init__(self, policy: Policy | None = None) -> None:
        self.current = policy or Policy()

    def replace(self, policy: Policy) -> None:
        self.current = policy

    def require(self, app: str, operation: Operation) -> AppPolicy:
        """The app's policy, or ERROR_OPERATION_NOT_ALLOWED when it does not grant `operation`."""
        policy = self.current.for_app(app)
        if not policy.grants(operation):
            raise fail("ERROR_OPERATION_NOT_ALLOWED", operation=operation.value)
        return policy
