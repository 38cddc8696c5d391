"""Roles: trustees manage STEWARD/ENDORSER; TRUSTEE changes need a majority."""

from __future__ import annotations

import pytest

from ler_chain import LedgerClient, LocalSigner
from ler_chain.errors import (
    AccessControlUnauthorizedAccount,
    EndorsementSubmitterNotEndorser,
    RolesAlreadyApproved,
    RolesLastTrustee,
    RolesTrusteeChangeNeedsVote,
)

from .helpers import new_college


async def test_trustee_grants_and_revokes_endorser(state_client: LedgerClient) -> None:
    endorser = LocalSigner.generate()
    result = await state_client.send(state_client.roles.grant("ENDORSER", endorser.address))
    assert result.event("RoleGranted")["account"] == endorser.address
    assert await state_client.roles.has_role("ENDORSER", endorser.address)
    assert endorser.address in await state_client.roles.members("ENDORSER")

    college = new_college()
    async with LedgerClient(state_client.descriptor, endorser) as endorser_client:
        signed = await endorser_client.sign_for_endorsement(
            endorser_client.dids.create(college.verkey), college.signer
        )
        await endorser_client.submit(signed)  # works while the role is held

        await state_client.send(state_client.roles.revoke("ENDORSER", endorser.address))
        assert not await state_client.roles.has_role("ENDORSER", endorser.address)
        other = new_college()
        signed = await endorser_client.sign_for_endorsement(
            endorser_client.dids.create(other.verkey), other.signer
        )
        with pytest.raises(EndorsementSubmitterNotEndorser):
            await endorser_client.submit(signed)
    assert not await state_client.dids.exists(other.did)


async def test_non_trustee_cannot_grant(state_client: LedgerClient) -> None:
    outsider = LocalSigner.generate()
    async with LedgerClient(state_client.descriptor, outsider) as client:
        with pytest.raises(AccessControlUnauthorizedAccount) as refused:
            await client.send(client.roles.grant("ENDORSER", outsider.address))
    assert "TRUSTEE" in str(refused.value)


async def test_trustee_cannot_be_granted_directly(state_client: LedgerClient) -> None:
    with pytest.raises(RolesTrusteeChangeNeedsVote):
        await state_client.send(state_client.roles.grant("TRUSTEE", LocalSigner.generate().address))


async def test_trustee_changes_need_a_majority(
    state_client: LedgerClient, trustee: LocalSigner
) -> None:
    roles = state_client.roles
    second, third = LocalSigner.generate(), LocalSigner.generate()

    # With one trustee, its own approval is a majority.
    await state_client.send(roles.propose_trustee_change(second.address, True))
    assert await roles.has_role("TRUSTEE", second.address)

    # With two trustees, one approval is not enough: the grant does not take effect.
    result = await state_client.send(roles.propose_trustee_change(third.address, True))
    proposal_id = result.event("TrusteeChangeProposed")["proposalId"]
    proposal = await roles.proposal(proposal_id)
    assert (proposal.approvals, proposal.needed, proposal.executed) == (1, 2, False)
    assert not await roles.has_role("TRUSTEE", third.address)
    with pytest.raises(RolesAlreadyApproved):
        await state_client.send(roles.approve_trustee_change(proposal_id))

    async with LedgerClient(state_client.descriptor, second) as second_client:
        await second_client.send(second_client.roles.approve_trustee_change(proposal_id))
    assert await roles.has_role("TRUSTEE", third.address)
    assert (await roles.proposal(proposal_id)).executed

    # Three trustees: removing one needs two approvals; then clean up back to one trustee.
    result = await state_client.send(roles.propose_trustee_change(third.address, False))
    proposal_id = result.event("TrusteeChangeProposed")["proposalId"]
    assert await roles.has_role("TRUSTEE", third.address)
    async with LedgerClient(state_client.descriptor, second) as second_client:
        await second_client.send(second_client.roles.approve_trustee_change(proposal_id))
        assert not await roles.has_role("TRUSTEE", third.address)
        result = await second_client.send(
            second_client.roles.propose_trustee_change(second.address, False)
        )
    proposal_id = result.event("TrusteeChangeProposed")["proposalId"]
    await state_client.send(roles.approve_trustee_change(proposal_id))
    assert await roles.members("TRUSTEE") == [trustee.address]


async def test_last_trustee_cannot_leave(state_client: LedgerClient, trustee: LocalSigner) -> None:
    with pytest.raises(RolesLastTrustee):
        await state_client.send(state_client.roles.propose_trustee_change(trustee.address, False))
