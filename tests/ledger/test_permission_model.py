"""A stateful property test: random role changes, trustee votes and writes against real anvil.

A small Python model says, for every call, who may make it and, if not, which named error the
contracts must give (the first check that fails, in the contracts' order). Hypothesis drives
random sequences of role grants and revokes, trustee proposals and approvals (including the zero
address and callers without a role), DID creation and deactivation, schemas and accreditations,
by random actors; every call the model allows must land and every call it refuses must revert
with exactly the expected error. After each step the role members on chain must match the model.

Each example gets its own deployment of the contracts on the session's anvil (0.3-0.5 s, the cost
of about four writes): trustee votes change who governs the network, so fresh accounts on the
session's contracts would still leak a changed trustee set into other tests. The state machine is
synchronous; it runs the async client on an event loop of its own.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from ler_chain import LedgerClient, LedgerRevertError, LerDid, LocalSigner, SchemaId, Write
from ler_chain.deploy import deploy_network
from ler_chain.errors import REVERT_ERRORS
from ler_node.ledger.local import LedgerUp

ZERO = "0x0000000000000000000000000000000000000000"
ACTORS = 4  # actor 0 deploys the network: the first TRUSTEE and an ENDORSER
DID_KEYS = 5
GRANTABLE = ("ENDORSER", "STEWARD", "TRUSTEE")
CREDENTIAL_TYPE = "ExampleSkill"

actor_index = st.integers(0, ACTORS - 1)
target_index = st.one_of(st.just(ACTORS), actor_index)  # ACTORS: the zero address, often
did_index = st.integers(0, DID_KEYS - 1)


@dataclass
class Proposal:
    """A trustee proposal as the model sees it."""

    account: str
    grant: bool
    approvers: list[str] = field(default_factory=list)
    executed: bool = False


@dataclass
class Did:
    """A DID as the model sees it."""

    controller: str
    deactivated: bool = False


class PermissionModel(RuleBasedStateMachine):
    """Who may write what, checked call by call against a fresh deployment."""

    def __init__(self, ledger: LedgerUp) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.signers = [LocalSigner.generate() for _ in range(ACTORS)]
        self.addresses = [s.address for s in self.signers]
        descriptor = self.run(
            deploy_network(ledger.descriptor.rpc_url, ledger.descriptor.network, self.signers[0])
        )
        self.clients = [LedgerClient(descriptor, signer) for signer in self.signers]
        self.verkeys = [os.urandom(32) for _ in range(DID_KEYS)]
        self.network = descriptor.network
        self.roles: dict[str, set[str]] = {
            "TRUSTEE": {self.addresses[0]},
            "ENDORSER": {self.addresses[0]},
            "STEWARD": set(),
        }
        self.proposals: list[Proposal] = []
        self.dids: dict[int, Did] = {}
        self.schemas: set[tuple[int, str]] = set()

    # --- plumbing -------------------------------------------------------------------------------

    def run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coroutine)

    def teardown(self) -> None:
        for client in getattr(self, "clients", []):
            self.run(client.close())
        self.loop.close()

    def target(self, index: int) -> str:
        return ZERO if index == ACTORS else self.addresses[index]

    def did(self, index: int) -> LerDid:
        return LerDid.from_verkey(self.network, self.verkeys[index])

    def has(self, role: str, account: str) -> bool:
        return account in self.roles[role]

    def expect(self, action: Coroutine[Any, Any, Any], refusal: str | None) -> Any:
        """Run ``action``; it must land if ``refusal`` is None, else revert with that error."""
        assert refusal is None or refusal in REVERT_ERRORS, refusal
        try:
            result = self.run(action)
        except LedgerRevertError as exc:
            assert exc.error_name == refusal, f"expected {refusal or 'success'}, got {exc}"
            return None
        assert refusal is None, f"expected {refusal}, but the call landed"
        return result

    def send(self, actor: int, write: Write, refusal: str | None) -> Any:
        return self.expect(self.clients[actor].send(write), refusal)

    def endorse(self, submitter: int, author: int, write: Write, refusal: str | None) -> Any:
        """``author`` signs ``write``; ``submitter`` submits it (the same actor: a direct write)."""
        client = self.clients[submitter]
        if submitter == author:
            return self.send(submitter, write, refusal)

        async def signed_and_submitted() -> Any:
            signed = await client.sign_for_endorsement(write, self.signers[author], valid_for=10**6)
            return await client.submit(signed)

        return self.expect(signed_and_submitted(), refusal)

    def endorsement_refusal(self, submitter: int) -> str | None:
        """What the endorsement checks refuse (the signature is always fresh and right here)."""
        if not self.has("ENDORSER", self.addresses[submitter]):
            return "EndorsementSubmitterNotEndorser"
        return None

    def pick(self, data: st.DataObject, role: str, label: str) -> int:
        """An actor: mostly one holding ``role`` (if any does), sometimes anyone."""
        holders = [i for i, address in enumerate(self.addresses) if self.has(role, address)]
        if holders and data.draw(st.integers(0, 3), label=f"{label} holds {role}") > 0:
            return data.draw(st.sampled_from(holders), label=label)
        return data.draw(actor_index, label=label)

    def pick_did(self, data: st.DataObject) -> int:
        """A DID key: mostly one on the ledger (if any is), sometimes any."""
        if self.dids and data.draw(st.integers(0, 2), label="known DID") > 0:
            return data.draw(st.sampled_from(sorted(self.dids)), label="did")
        return data.draw(did_index, label="did")

    def pick_author(self, data: st.DataObject, key: int) -> int:
        """An author for writes to DID ``key``: mostly its controller, sometimes anyone."""
        did = self.dids.get(key)
        if did is not None and data.draw(st.integers(0, 3), label="author controls") > 0:
            return self.addresses.index(did.controller)
        return data.draw(actor_index, label="author")

    # --- roles ----------------------------------------------------------------------------------

    @initialize(second=st.booleans())
    def second_trustee(self, second: bool) -> None:
        """Half the runs start with two trustees, so proposals wait for a second approval."""
        if second:
            write = self.clients[0].roles.propose_trustee_change(self.addresses[1], True)
            assert self.send(0, write, None) is not None
            self.proposals.append(Proposal(self.addresses[1], True, [self.addresses[0]], True))
            self.roles["TRUSTEE"].add(self.addresses[1])

    @initialize(author=actor_index)
    def first_did(self, author: int) -> None:
        """Actor 0 (TRUSTEE and ENDORSER from the deployment) anchors a DID for ``author``."""
        write = self.clients[0].dids.create(self.verkeys[0])
        assert self.endorse(0, author, write, None) is not None
        self.dids[0] = Did(self.addresses[author])

    @rule(data=st.data(), role=st.sampled_from(GRANTABLE), whom=target_index, grant=st.booleans())
    def change_role(self, data: st.DataObject, role: str, whom: int, grant: bool) -> None:
        caller = self.pick(data, "TRUSTEE", "caller")
        account = self.target(whom)
        roles = self.clients[caller].roles
        write = roles.grant(role, account) if grant else roles.revoke(role, account)
        if role == "TRUSTEE":
            refusal = "RolesTrusteeChangeNeedsVote"
        elif account == ZERO:
            refusal = "RolesInvalidAccount"
        elif not self.has("TRUSTEE", self.addresses[caller]):
            refusal = "AccessControlUnauthorizedAccount"
        else:
            refusal = None
        if self.send(caller, write, refusal) is not None:
            (self.roles[role].add if grant else self.roles[role].discard)(account)

    @rule(data=st.data(), grant=st.booleans())
    def propose_trustee_change(self, data: st.DataObject, grant: bool) -> None:
        caller = self.pick(data, "TRUSTEE", "proposer")
        # Mostly a change that changes something: grant to an outsider, revoke from a trustee.
        sensible = [i for i, a in enumerate(self.addresses) if self.has("TRUSTEE", a) != grant]
        if sensible and data.draw(st.integers(0, 2), label="sensible") > 0:
            account = self.addresses[data.draw(st.sampled_from(sensible), label="account")]
        else:
            account = self.target(data.draw(target_index, label="account"))
        proposer = self.addresses[caller]
        proposal = Proposal(account, grant, [proposer])
        if not self.has("TRUSTEE", proposer):
            refusal = "AccessControlUnauthorizedAccount"
        elif account == ZERO:
            refusal = "RolesInvalidAccount"
        elif self.has("TRUSTEE", account) == grant:
            refusal = "RolesNoChange"
        else:
            refusal = self.outcome_of_approval(proposal)
        write = self.clients[caller].roles.propose_trustee_change(account, grant)
        if self.send(caller, write, refusal) is not None:
            self.proposals.append(proposal)
            self.execute_if_carried(proposal)

    @rule(data=st.data())
    def approve_trustee_change(self, data: st.DataObject) -> None:
        caller = self.pick(data, "TRUSTEE", "approver")
        pending = [i + 1 for i, p in enumerate(self.proposals) if not p.executed]
        if pending and data.draw(st.integers(0, 2), label="pending proposal") > 0:
            proposal_id = data.draw(st.sampled_from(pending), label="proposal")
        else:
            proposal_id = data.draw(st.integers(1, len(self.proposals) + 1), label="proposal")
        approver = self.addresses[caller]
        known = proposal_id <= len(self.proposals)
        proposal = self.proposals[proposal_id - 1] if known else None
        if not self.has("TRUSTEE", approver):
            refusal = "AccessControlUnauthorizedAccount"
        elif proposal is None:
            refusal = "RolesUnknownProposal"
        elif proposal.executed:
            refusal = "RolesProposalAlreadyExecuted"
        elif approver in proposal.approvers:
            refusal = "RolesAlreadyApproved"
        else:
            trial = Proposal(proposal.account, proposal.grant, [*proposal.approvers, approver])
            refusal = self.outcome_of_approval(trial)
        write = self.clients[caller].roles.approve_trustee_change(proposal_id)
        if self.send(caller, write, refusal) is not None:
            assert proposal is not None
            proposal.approvers.append(approver)
            self.execute_if_carried(proposal)

    def carried(self, proposal: Proposal) -> bool:
        """Whether more than half of the current trustees approved (ex-trustees do not count)."""
        trustees = self.roles["TRUSTEE"]
        approvals = sum(1 for a in proposal.approvers if a in trustees)
        return approvals >= len(trustees) // 2 + 1

    def outcome_of_approval(self, proposal: Proposal) -> str | None:
        """The refusal an approval that brings ``proposal`` to a majority runs into, if any."""
        if not self.carried(proposal):
            return None
        if self.has("TRUSTEE", proposal.account) == proposal.grant:
            return "RolesNoChange"
        if not proposal.grant and len(self.roles["TRUSTEE"]) == 1:
            return "RolesLastTrustee"
        return None

    def execute_if_carried(self, proposal: Proposal) -> None:
        if self.carried(proposal):
            proposal.executed = True
            trustees = self.roles["TRUSTEE"]
            (trustees.add if proposal.grant else trustees.discard)(proposal.account)

    # --- writes ---------------------------------------------------------------------------------

    @rule(data=st.data(), key=did_index, author=actor_index)
    def create_did(self, data: st.DataObject, key: int, author: int) -> None:
        submitter = self.pick(data, "ENDORSER", "submitter")
        if key in self.dids:
            refusal = "DidRegistryAlreadyExists"
        else:
            refusal = self.endorsement_refusal(submitter)
        write = self.clients[submitter].dids.create(self.verkeys[key])
        if self.endorse(submitter, author, write, refusal) is not None:
            self.dids[key] = Did(self.addresses[author])

    @rule(data=st.data())
    def deactivate_did(self, data: st.DataObject) -> None:
        submitter = self.pick(data, "ENDORSER", "submitter")
        key = self.pick_did(data)
        author = self.pick_author(data, key)
        did = self.dids.get(key)
        if did is None:
            refusal = "DidRegistryNotFound"
        elif did.deactivated:
            refusal = "DidRegistryDeactivated"
        else:
            refusal = self.endorsement_refusal(submitter)
            if refusal is None and did.controller != self.addresses[author]:
                refusal = "DidRegistryNotController"
        write = self.clients[submitter].dids.deactivate(self.did(key))
        if self.endorse(submitter, author, write, refusal) is not None:
            assert did is not None
            did.deactivated = True

    @rule(data=st.data(), name=st.sampled_from("ab"))
    def register_schema(self, data: st.DataObject, name: str) -> None:
        submitter = self.pick(data, "ENDORSER", "submitter")
        key = self.pick_did(data)
        author = self.pick_author(data, key)
        did = self.dids.get(key)
        if (key, name) in self.schemas:
            refusal = "AnonCredsAlreadyExists"
        else:
            refusal = self.endorsement_refusal(submitter)
            if refusal is None and (did is None or did.deactivated):
                refusal = "AnonCredsIssuerInactive"
            elif refusal is None and did is not None and did.controller != self.addresses[author]:
                refusal = "AnonCredsNotController"
        schema_id = SchemaId(self.did(key), name, "1.0")
        write = self.clients[submitter].anoncreds.register_schema(schema_id, b'{"attrNames":["x"]}')
        if self.endorse(submitter, author, write, refusal) is not None:
            self.schemas.add((key, name))

    @rule(submitter=actor_index, key=did_index)
    def register_empty_schema(self, submitter: int, key: int) -> None:
        schema_id = SchemaId(self.did(key), "empty", "1.0")
        write = self.clients[submitter].anoncreds.register_schema(schema_id, b"")
        self.send(submitter, write, "AnonCredsEmptyPayload")

    @rule(data=st.data())
    def hand_did_to_zero(self, data: st.DataObject) -> None:
        submitter = self.pick(data, "ENDORSER", "submitter")
        key = self.pick_did(data)
        write = self.clients[submitter].dids.change_controller(self.did(key), ZERO)
        self.endorse(submitter, self.pick_author(data, key), write, "DidRegistryInvalidController")

    @rule(data=st.data())
    def accredit(self, data: st.DataObject) -> None:
        caller = self.pick(data, "ENDORSER", "accreditor")
        key = self.pick_did(data)
        account = self.addresses[caller]
        did = self.dids.get(key)
        if not (self.has("TRUSTEE", account) or self.has("ENDORSER", account)):
            refusal = "AccreditationUnauthorized"
        elif did is None or did.deactivated:
            refusal = "AccreditationUnknownIssuer"
        else:
            refusal = None
        write = self.clients[caller].accreditation.accredit(self.did(key), CREDENTIAL_TYPE)
        self.send(caller, write, refusal)

    # --- the chain agrees with the model --------------------------------------------------------

    @invariant()
    def roles_match(self) -> None:
        roles = self.clients[0].roles
        for role in ("TRUSTEE", "ENDORSER"):
            assert set(self.run(roles.members(role))) == self.roles[role], role
        assert self.run(roles.proposal_count()) == len(self.proposals)


def test_who_may_write_what(ledger: LedgerUp) -> None:
    """Random sequences keep contracts and model in step (bounded to run in well under 40 s)."""
    run_state_machine_as_test(
        lambda: PermissionModel(ledger),
        settings=settings(
            max_examples=15,
            stateful_step_count=30,
            deadline=None,
            database=None,
            # Shrinking a failure costs minutes of chain calls; the failing run (at most 30
            # steps) is printed in full anyway. Drop this line to shrink one locally.
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
