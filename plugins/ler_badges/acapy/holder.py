"""A learner's agent presents OB 3.0 / CLR 2.0 credentials over present-proof 2.0 (DIF).

Why not ACA-Py's own DIF presentation: in ACA-Py 1.7 it wraps every credential in a VC 1.1
presentation (``https://www.w3.org/2018/credentials/v1``), whose protected terms clash with the
VC 2.0 context of OB 3.0 credentials, so signing fails; and for ``DataIntegrityProof``
credentials it assumes AnonCreds and picks the *issuer's* DID to sign the presentation.
This presenter answers the same request with a VC 2.0 presentation: the credentials are chosen
with ACA-Py's presentation-exchange engine (the request's input descriptors), the presentation
is signed with ``Ed25519Signature2020`` by the learner's DID (the credentials' subject) over the
verifier's challenge, and sent as a standard ``dif/presentation-exchange/submission@v1.0``
attachment, which stock ACA-Py verifiers accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.protocols.present_proof.dif.pres_exch import PresentationDefinition
from acapy_agent.protocols.present_proof.dif.pres_exch_handler import (
    PRESENTATION_SUBMISSION_JSONLD_CONTEXT,
    PRESENTATION_SUBMISSION_JSONLD_TYPE,
    DIFPresExchError,
    DIFPresExchHandler,
)
from acapy_agent.protocols.present_proof.v2_0.message_types import ATTACHMENT_FORMAT, PRES_20
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.messages.pres_format import V20PresFormat
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord
from acapy_agent.storage.vc_holder.base import VCHolder
from acapy_agent.storage.vc_holder.vc_record import VCRecord
from acapy_agent.vc.ld_proofs import Ed25519Signature2020, WalletKeyPair
from acapy_agent.vc.ld_proofs.constants import SECURITY_CONTEXT_ED25519_2020_URL
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.vc_ld.prove import sign_presentation
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.default_verification_key_strategy import BaseVerificationKeyStrategy
from acapy_agent.wallet.error import WalletError
from acapy_agent.wallet.key_type import ED25519
from uuid_utils import uuid4

from ..cryptosuite import PROOF_TYPE
from ..issuance import VC_V2
from .errors import PresentationError

DIF = V20PresFormat.Format.DIF


class BadgePresenter:
    """Answers a verifier's DIF presentation request with OB 3.0 / CLR 2.0 credentials."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    async def send(
        self,
        pres_ex_id: str,
        *,
        record_ids: Sequence[str] | None = None,
        holder_did: str | None = None,
    ) -> V20PresExRecord:
        """Build, sign and send the presentation for a request this agent received."""
        async with self.profile.session() as session:
            record = await V20PresExRecord.retrieve_by_id(session, pres_ex_id)
        if record.state != V20PresExRecord.STATE_REQUEST_RECEIVED:
            raise PresentationError(
                f"presentation exchange {pres_ex_id} is {record.state}, not request-received"
            )
        request = record.pres_request.attachment(DIF) if record.pres_request else None
        if not request:
            raise PresentationError("the request asks for no DIF presentation")
        definition = PresentationDefinition.deserialize(request["presentation_definition"])
        options = request.get("options") or {}
        credentials, descriptors = await self._select(definition, record_ids)
        holder = holder_did or await self._holder(credentials)
        presentation = {
            "@context": [
                VC_V2,
                PRESENTATION_SUBMISSION_JSONLD_CONTEXT,
                SECURITY_CONTEXT_ED25519_2020_URL,
            ],
            "type": ["VerifiablePresentation", PRESENTATION_SUBMISSION_JSONLD_TYPE],
            "holder": holder,
            "verifiableCredential": [c.cred_value for c in credentials],
            "presentation_submission": {
                "id": str(uuid4()),
                "definition_id": definition.id or str(uuid4()),  # a proposal's has none
                "descriptor_map": [d.serialize() for d in descriptors],
            },
        }
        signed = await self._sign(presentation, holder, options)
        return await self._send(record, signed)

    async def _select(
        self, definition: PresentationDefinition, record_ids: Sequence[str] | None
    ) -> tuple[list[VCRecord], list[Any]]:
        async with self.profile.session() as session:
            holder = session.inject(VCHolder)
            found = await holder.search_credentials(proof_types=[PROOF_TYPE]).fetch(1000)
        if record_ids:
            found = [c for c in found if c.record_id in set(record_ids)]
        engine = DIFPresExchHandler(self.profile)
        try:
            requirement = await engine.make_requirement(
                srs=definition.submission_requirements, descriptors=definition.input_descriptors
            )
            matched = await engine.apply_requirements(req=requirement, credentials=found)
            credentials, descriptors = await engine.merge(matched)
        except DIFPresExchError as error:
            raise PresentationError(f"the wallet cannot answer this request: {error}") from error
        if not credentials:
            raise PresentationError("no stored OB 3.0 / CLR 2.0 credential meets the request")
        return list(credentials), list(descriptors)

    async def _holder(self, credentials: Sequence[VCRecord]) -> str:
        subjects = {s for c in credentials for s in c.subject_ids}
        if len(subjects) != 1:
            raise PresentationError(
                "the credentials name different subjects; pass holder_did to choose who presents"
            )
        return subjects.pop()

    async def _sign(self, presentation: dict, holder: str, options: dict) -> dict:
        async with self.profile.session() as session:
            try:
                info = await session.inject(BaseWallet).get_local_did(holder)
            except WalletError as error:
                raise PresentationError(f"{holder} is not a DID of this wallet") from error
        method = await self.profile.inject(
            BaseVerificationKeyStrategy
        ).get_verification_method_id_for_did(
            holder,
            self.profile,
            proof_type=Ed25519Signature2020.signature_type,
            proof_purpose="authentication",
        )
        suite = Ed25519Signature2020(
            verification_method=method,
            key_pair=WalletKeyPair(
                profile=self.profile, key_type=ED25519, public_key_base58=info.verkey
            ),
        )
        return await sign_presentation(
            presentation=presentation,
            suite=suite,
            document_loader=self.profile.inject(DocumentLoader),
            challenge=options.get("challenge") or str(uuid4()),
            domain=options.get("domain"),
        )

    async def _send(self, record: V20PresExRecord, presentation: dict) -> V20PresExRecord:
        formats = [V20PresFormat(attach_id=DIF.api, format_=ATTACHMENT_FORMAT[PRES_20][DIF.api])]
        attachments = [AttachDecorator.data_json(presentation, ident=DIF.api)]
        message = V20Pres(formats=formats, presentations_attach=attachments)
        message.assign_thread_from(record.pres_request)
        record.pres = V20Pres(formats=formats, presentations_attach=attachments)
        record.state = V20PresExRecord.STATE_PRESENTATION_SENT
        async with self.profile.session() as session:
            await record.save(session, reason="OB presentation sent")
        await self.profile.inject(BaseResponder).send(message, connection_id=record.connection_id)
        return record
