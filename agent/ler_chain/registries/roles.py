"""Roles: TRUSTEE, STEWARD, ENDORSER."""

from __future__ import annotations

from typing import Literal

from eth_utils import keccak, to_checksum_address

from ..errors import LedgerInputError
from ..models import TrusteeProposal
from ..writes import Write
from .base import RegistryClient

Role = Literal["TRUSTEE", "STEWARD", "ENDORSER"]
ROLES: dict[str, bytes] = {name: keccak(text=name) for name in ("TRUSTEE", "STEWARD", "ENDORSER")}


def role_id(role: str) -> bytes:
    """The on-chain id of a role name."""
    try:
        return ROLES[role.upper()]
    except KeyError:
        raise LedgerInputError(f"unknown role {role!r}; use one of {', '.join(ROLES)}") from None


class RolesClient(RegistryClient):
    """Typed access to ``LerRoles``."""

    def grant(self, role: Role | str, account: str) -> Write:
        """Grant STEWARD or ENDORSER (TRUSTEE needs :meth:`propose_trustee_change`)."""
        return Write(
            "roles",
            "grantRole",
            {"role": role_id(role), "account": to_checksum_address(account)},
            f"grant {role.upper()} to {account}",
        )

    def revoke(self, role: Role | str, account: str) -> Write:
        """Revoke STEWARD or ENDORSER."""
        return Write(
            "roles",
            "revokeRole",
            {"role": role_id(role), "account": to_checksum_address(account)},
            f"revoke {role.upper()} from {account}",
        )

    def propose_trustee_change(self, account: str, grant: bool) -> Write:
        """Propose granting or revoking TRUSTEE; counts the proposer's approval."""
        verb = "grant TRUSTEE to" if grant else "revoke TRUSTEE from"
        return Write(
            "roles",
            "proposeTrusteeChange",
            {"account": to_checksum_address(account), "grant": grant},
            f"propose to {verb} {account}",
        )

    def approve_trustee_change(self, proposal_id: int) -> Write:
        """Approve a trustee proposal; it takes effect on a majority."""
        return Write(
            "roles",
            "approveTrusteeChange",
            {"proposalId": proposal_id},
            f"approve trustee proposal {proposal_id}",
        )

    async def has_role(self, role: Role | str, account: str) -> bool:
        """Whether ``account`` holds ``role``."""
        fn = self._contract.functions.hasRole(role_id(role), to_checksum_address(account))
        return bool(await self._call(fn))

    async def members(self, role: Role | str) -> list[str]:
        """Accounts holding ``role``."""
        return list(await self._call(self._contract.functions.getRoleMembers(role_id(role))))

    async def proposal(self, proposal_id: int) -> TrusteeProposal:
        """A trustee proposal's state."""
        account, grant, approvals, needed, executed = await self._call(
            self._contract.functions.trusteeProposal(proposal_id)
        )
        return TrusteeProposal(proposal_id, account, grant, approvals, needed, executed)

    async def proposal_count(self) -> int:
        """How many trustee proposals were made."""
        return int(await self._call(self._contract.functions.trusteeProposalCount()))
