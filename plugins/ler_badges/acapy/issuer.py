"""Issuing OB 3.0 / CLR 2.0 credentials to a learner over DIDComm issue-credential 2.0.

The offer uses ACA-Py's standard ``ld_proof`` credential format, so any Aries wallet that speaks
it can take the credential; ACA-Py then signs it with our eddsa-rdfc-2022 suite when the
learner's request comes back (``auto_issue``). Before anything is stored or sent the credential
is completed, its achievement aligned to the requested skills, and checked against its JSON
Schema and the bundled contexts with a provisional status entry; only then are status entries
taken, the CLR's nested credentials signed, and the offer made.

That check is made once: its result, a :class:`~ler_badges.issuance.PreparedCredential`, is
carried to signing (the real status entries have the provisional one's shape, and the nested
proofs are our own), and so is the signer, resolved once per offer: the suite finds both in
:class:`~.prepared.PreparedCredentials` when ACA-Py asks it to sign.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.issue_credential.v2_0.manager import V20CredManager
from acapy_agent.protocols.issue_credential.v2_0.message_types import (
    ATTACHMENT_FORMAT,
    CRED_20_PROPOSAL,
)
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_format import V20CredFormat
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_proposal import V20CredProposal
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.vc.vc_ld.external_suite import ExternalSuiteProvider
from acapy_agent.wallet.base import BaseWallet

from ler_chain import LedgerError, LerDid

from ..bitstring import ENTRY_TYPE
from ..cryptosuite import PROOF_TYPE, add_proof
from ..issuance import PreparedCredential, nested_credentials, prepare_credential
from ..skills import add_skills
from ..validation import credential_kind
from .did_keys import Signer
from .did_web import bind, did_web_for, issuing_identity
from .errors import IssuanceRefused
from .loader import suite_loader
from .prepared import ReadyToSign
from .records import IssuedBadgeRecord
from .service import BadgesService
from .status_lists import StatusListManager, StatusSlots
from .suite import LerSuiteProvider

LD_PROOF = V20CredFormat.Format.LD_PROOF.api


class BadgeIssuer:
    """Issues the wallet's OB 3.0 / CLR 2.0 credentials."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)

    async def issuer_profile(self, issuer_did: str | None) -> dict[str, Any]:
        """The OB 3.0 Profile this agent issues as: its did:web or did:ler DID, name and url.

        Under the agent's did:web (``ler_badges.did_web``) when ``issuer_did`` is its public
        did:ler (the default), else under the did:ler itself.
        """
        anchor = await self.anchor_did(issuer_did)
        config = self.service.config
        profile: dict[str, Any] = {
            "id": await did_web_for(self.profile, anchor) or anchor,
            "type": ["Profile"],
        }
        if config.issuer_name:
            profile["name"] = config.issuer_name
        if config.issuer_url:
            profile["url"] = config.issuer_url
        return profile

    async def anchor_did(self, issuer_did: str | None) -> str:
        """The did:ler DID credentials are issued for (default: the public DID)."""
        async with self.profile.session() as session:
            wallet = session.inject(BaseWallet)
            if issuer_did is None:
                public = await wallet.get_public_did()
                if public is None:
                    raise IssuanceRefused(
                        "this agent has no public DID to issue as; anchor one "
                        "(POST /ler/did/create with public=true) or pass issuer_did"
                    )
                issuer_did = public.did
        try:
            LerDid.parse(issuer_did)
        except LedgerError as error:
            raise IssuanceRefused(f"credentials are issued as a did:ler DID: {error}") from error
        return issuer_did

    async def prepare(
        self,
        template: Mapping[str, Any],
        *,
        skills: Sequence[Mapping[str, Any]] = (),
        issuer_did: str | None = None,
    ) -> dict[str, Any]:
        """The complete credential, checked with a provisional status entry; nothing is stored."""
        prepared = await self.prepared(template, skills=skills, issuer_did=issuer_did)
        return prepared.document

    async def prepared(
        self,
        template: Mapping[str, Any],
        *,
        skills: Sequence[Mapping[str, Any]] = (),
        issuer_did: str | None = None,
    ) -> PreparedCredential:
        """:meth:`prepare`, with what its one check learned (kind, nested credentials)."""
        issuer = await self.issuer_profile(issuer_did)
        credential = prepare_credential(template, issuer=issuer, now=datetime.now(UTC))
        nested = nested_credentials(credential)
        if skills:
            if nested:
                raise IssuanceRefused("give a CLR's skills on each credential it bundles")
            add_skills(credential, skills)
        provisional = self.service.status_base_url + "provisional"
        slots = StatusSlots((provisional, 0), (provisional, 1))
        for item in [*nested, credential]:
            item["credentialStatus"] = slots.credential_status()
        return PreparedCredential.check(credential, suite_loader())

    async def offer(
        self,
        connection_id: str,
        template: Mapping[str, Any],
        *,
        skills: Sequence[Mapping[str, Any]] = (),
        issuer_did: str | None = None,
        comment: str | None = None,
    ) -> dict[str, Any]:
        """Check, complete and offer a credential to the learner on ``connection_id``."""
        async with self.profile.session() as session:
            connection = await ConnRecord.retrieve_by_id(session, connection_id)
        if not connection.is_ready:
            raise IssuanceRefused(f"connection {connection_id} is not active yet")
        anchor = await self.anchor_did(issuer_did)
        if await did_web_for(self.profile, anchor):
            await bind(self.profile, anchor)  # the ledger names the did:web back, once
        prepared = await self.prepared(template, skills=skills, issuer_did=anchor)
        slots = await StatusListManager(self.profile).reserve(anchor, len(prepared.items))
        prepared = prepared.with_status(slots, StatusSlots.credential_status)
        _issuer, sign, method = await issuing_identity(self.profile, anchor)
        prepared = await self._sign_nested(prepared, sign, method)
        self._ready_to_sign(prepared.document, sign, method)

        cred_ex = await self._send_offer(connection_id, offer_detail(prepared, method), comment)
        await self.record_issued(
            prepared.document,
            anchor,
            list(prepared.status_entries),
            cred_ex.cred_ex_id,
            connection_id,
        )
        return {
            "cred_ex_id": cred_ex.cred_ex_id,
            "credential_id": prepared.document["id"],
            "kind": prepared.kind.value,
            "credential": prepared.document,
        }

    async def issue_signed(
        self,
        template: Mapping[str, Any],
        *,
        skills: Sequence[Mapping[str, Any]] = (),
        issuer_did: str | None = None,
        exchange_id: str,
        holder: str,
    ) -> dict[str, Any]:
        """Check, complete, sign and record a credential handed over outside DIDComm (VC-API).

        The same steps as :meth:`offer` (binding, status entries, nested proofs), then the
        credential's own proof; ``exchange_id`` and ``holder`` are recorded with it.
        """
        anchor = await self.anchor_did(issuer_did)
        if await did_web_for(self.profile, anchor):
            await bind(self.profile, anchor)
        prepared = await self.prepared(template, skills=skills, issuer_did=anchor)
        slots = await StatusListManager(self.profile).reserve(anchor, len(prepared.items))
        prepared = prepared.with_status(slots, StatusSlots.credential_status)
        _issuer, sign, method = await issuing_identity(self.profile, anchor)
        prepared = await self._sign_nested(prepared, sign, method)
        signed = await add_proof(
            prepared.document, sign=sign, verification_method=method, loader=suite_loader()
        )
        await self.record_issued(prepared.document, anchor, list(slots), exchange_id, holder)
        return signed

    @staticmethod
    async def _sign_nested(
        prepared: PreparedCredential, sign: Signer, method: str
    ) -> PreparedCredential:
        if not prepared.nested:
            return prepared
        signed = [
            await add_proof(item, sign=sign, verification_method=method, loader=suite_loader())
            for item in prepared.nested
        ]
        return prepared.with_nested(signed)

    def _ready_to_sign(self, credential: dict[str, Any], sign: Signer, method: str) -> None:
        """Leave the checked credential and its signer for our suite (see :mod:`.prepared`)."""
        provider = self.profile.inject_or(ExternalSuiteProvider)
        if isinstance(provider, LerSuiteProvider):
            provider.prepared.add(credential, ReadyToSign(self.profile, method, sign))

    async def _send_offer(
        self, connection_id: str, detail: dict[str, Any], comment: str | None
    ) -> V20CredExRecord:
        proposal = V20CredProposal(
            comment=comment,
            formats=[
                V20CredFormat(
                    attach_id=LD_PROOF, format_=ATTACHMENT_FORMAT[CRED_20_PROPOSAL][LD_PROOF]
                )
            ],
            filters_attach=[AttachDecorator.data_base64(detail, ident=LD_PROOF)],
        )
        record = V20CredExRecord(
            connection_id=connection_id,
            initiator=V20CredExRecord.INITIATOR_SELF,
            role=V20CredExRecord.ROLE_ISSUER,
            cred_proposal=proposal.serialize(),
            auto_issue=True,
            auto_remove=not self.profile.settings.get("preserve_exchange_records"),
        )
        record, offer = await V20CredManager(self.profile).create_offer(record, comment=comment)
        await self.profile.inject(BaseResponder).send(offer, connection_id=connection_id)
        return record

    async def record_issued(
        self,
        credential: dict[str, Any],
        issuer_did: str,
        entries: list[StatusSlots],
        cred_ex_id: str,
        connection_id: str,
    ) -> None:
        """Keep a record of each credential issued (a CLR and those it bundles), its entries."""
        items = [*nested_credentials(credential), credential]
        async with self.profile.transaction() as txn:
            for item, slots in zip(items, entries, strict=True):
                await IssuedBadgeRecord(
                    credential_id=item["id"],
                    kind=credential_kind(item).value,
                    issuer_did=issuer_did,
                    subject_id=item["credentialSubject"].get("id"),
                    list_url=slots.revocation[0],
                    status_index=slots.revocation[1],
                    suspension_list_url=slots.suspension[0],
                    suspension_index=slots.suspension[1],
                    cred_ex_id=cred_ex_id,
                    connection_id=connection_id,
                    parent_id=credential["id"] if item is not credential else None,
                    state="valid",
                ).save(txn, reason="credential offered")
            await txn.commit()


def offer_detail(prepared: PreparedCredential, verification_method: str) -> dict[str, Any]:
    """The ``ld_proof`` credential detail offered: the credential and how ACA-Py signs it."""
    return {
        "credential": prepared.document,
        "options": {
            "proofType": PROOF_TYPE,
            "proofPurpose": "assertionMethod",
            "verificationMethod": verification_method,
            "credentialStatus": {"type": ENTRY_TYPE},
        },
    }
