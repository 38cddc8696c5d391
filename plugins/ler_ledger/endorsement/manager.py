"""Endorsement over DIDComm: authors ask, the state's endorser checks policy and submits.

Author side: :meth:`EndorsementManager.request` signs a write with the wallet's ledger account
(EIP-712, valid for the endorsement timeout plus :data:`SIGNATURE_GRACE`), records it and sends
it to the connection marked as the endorser. Whatever the endorser answers, the chain settles
the write (:mod:`ler_chain.settlement`): it is ``done`` only once it is on the ledger, and
``refused`` or ``failed`` only once it can never land (its signature expired or its nonce went to
another write). Until then a request whose answer was negative or lost stays open (``settling``
or ``request-sent``) and :meth:`settle_open` decides it later: at start-up and every few seconds
while requests are open (see :mod:`.settling`). The completion registered for the write's kind
then runs (:mod:`.completions`), so no wallet record claims a success that did not happen.

Endorser side: :meth:`receive_request` records the request, applies the policy, and either
submits at once (auto-approve), holds it as ``pending`` for a person, or refuses with a reason.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import base58
from acapy_agent.connections.models.conn_record import ConnRecord
from acapy_agent.core.profile import Profile
from acapy_agent.messaging.responder import BaseResponder
from acapy_agent.storage.base import BaseStorage
from acapy_agent.storage.error import StorageNotFoundError
from acapy_agent.storage.record import StorageRecord
from acapy_agent.wallet.base import BaseWallet
from acapy_agent.wallet.crypto import verify_signed_message
from acapy_agent.wallet.key_type import ED25519

from ler_chain import (
    LedgerError,
    LedgerRevertError,
    LerDid,
    SignedWrite,
    Write,
    WriteUndeterminedError,
)
from ler_chain.settlement import Settlement, WriteStanding, settle

from ..anchor_webhook import notify_anchor
from ..errors import EndorsementError, EndorsementRefused, EndorsementTimeout
from ..ledger import LedgerService
from .completions import run_failed, run_landed
from .endorser_policy import EndorsementPolicy, load_policy
from .messages import EndorsementRequest, EndorsementResponse
from .records import LerEndorsementRecord

LOGGER = logging.getLogger(__name__)

CONNECTION_ROLE_RECORD = "ler_endorsement_connection"
THEIR_ROLES = ("endorser", "author")
DID_KEY_FUNCTIONS = {"createDid", "updateDid"}
# How long past the endorsement timeout an author's signature stays valid: the bound within which
# a request the endorser never answered is settled for certain.
SIGNATURE_GRACE = 30

_waiters: dict[str, asyncio.Future[LerEndorsementRecord]] = {}
_record_locks: dict[str, asyncio.Lock] = {}


class EndorsementManager:
    """Both sides of the ledger-endorsement protocol, for one profile (wallet)."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.ledger = profile.inject(LedgerService)

    # --- connections ----------------------------------------------------------------------------

    async def set_connection_role(self, connection_id: str, their_role: str) -> dict[str, str]:
        """Mark a connection: the other side is our ``endorser`` or an ``author`` we serve.

        The mark is a record of the plugin's own, not connection metadata: ACA-Py deletes a
        connection's metadata together with its out-of-band record when a handshake completes.
        """
        if their_role not in THEIR_ROLES:
            raise EndorsementError(f"their_role must be one of {THEIR_ROLES}, not {their_role!r}")
        async with self.profile.session() as session:
            await ConnRecord.retrieve_by_id(session, connection_id)  # it must exist
            storage = session.inject(BaseStorage)
            record = StorageRecord(
                CONNECTION_ROLE_RECORD,
                json.dumps({"their_role": their_role}),
                {"their_role": their_role},
                id=connection_id,
            )
            try:
                await storage.get_record(CONNECTION_ROLE_RECORD, connection_id)
                await storage.update_record(record, record.value, record.tags)
            except StorageNotFoundError:
                await storage.add_record(record)
        return {"their_role": their_role}

    async def their_role(self, connection_id: str) -> str | None:
        """How a connection is marked, if at all."""
        async with self.profile.session() as session:
            try:
                record = await session.inject(BaseStorage).get_record(
                    CONNECTION_ROLE_RECORD, connection_id
                )
            except StorageNotFoundError:
                return None
        return json.loads(record.value)["their_role"]

    async def endorser_connection_id(self) -> str:
        """The active connection marked as our endorser."""
        async with self.profile.session() as session:
            marked = await session.inject(BaseStorage).find_all_records(
                CONNECTION_ROLE_RECORD, {"their_role": "endorser"}
            )
            for mark in marked:
                try:
                    connection = await ConnRecord.retrieve_by_id(session, mark.id)
                except StorageNotFoundError:
                    continue
                if connection.is_ready:
                    return connection.connection_id
        raise EndorsementError(
            "no active connection to the state's endorser: connect to it, then mark the "
            'connection with POST /ler/endorsement/connections/{conn_id} {"their_role": "endorser"}'
        )

    # --- author side ----------------------------------------------------------------------------

    async def request(
        self,
        write: Write,
        *,
        kind: str,
        object_id: str,
        job: dict[str, Any] | None = None,
        did_key: str | None = None,
    ) -> LerEndorsementRecord:
        """Sign ``write`` and send it to our endorser; returns the author-side record.

        ``did_key`` is the base58 Ed25519 verkey the write anchors, when it anchors one: it signs
        the request too, proving the author controls it.
        """
        connection_id = await self.endorser_connection_id()
        signer = await self.ledger.account(self.profile)
        chain = self.ledger.chain
        signed_at_block = await chain.block_number()
        signed = await chain.sign_for_endorsement(
            write, signer, valid_for=int(self.ledger.config.endorsement.timeout) + SIGNATURE_GRACE
        )
        did_proof = None
        if did_key is not None:
            async with self.profile.session() as session:
                wallet = session.inject(BaseWallet)
                signature = await wallet.sign_message(_proof_message(signed), did_key)
            did_proof = {"verkey": did_key, "signature": base58.b58encode(signature).decode()}

        message = EndorsementRequest(
            signed_write=signed.model_dump(), kind=kind, object_id=object_id, did_proof=did_proof
        )
        record = LerEndorsementRecord(
            role=LerEndorsementRecord.ROLE_AUTHOR,
            state=LerEndorsementRecord.STATE_REQUEST_SENT,
            connection_id=connection_id,
            thread_id=message._id,
            kind=kind,
            object_id=object_id,
            summary=write.summary,
            author=signer.address,
            signed_write=signed.model_dump(),
            did_proof=did_proof,
            job=job,
            signed_at_block=signed_at_block,
        )
        _waiters[record_key(self.profile, message._id)] = asyncio.get_running_loop().create_future()
        async with self.profile.session() as session:
            await record.save(session, reason="ledger write sent for endorsement")
        responder = self.profile.inject(BaseResponder)
        await responder.send(message, connection_id=connection_id)
        LOGGER.info("sent %s to the endorser (%s)", write.summary, record.endorsement_id)
        return record

    async def wait(self, record: LerEndorsementRecord, timeout: float) -> LerEndorsementRecord:
        """Wait until an author-side request is done; raises if it was refused or failed."""
        future = _waiters.get(record_key(self.profile, record.thread_id))
        try:
            if future is not None:
                return await asyncio.wait_for(asyncio.shield(future), timeout)
            return await asyncio.wait_for(self._poll_until_answered(record), timeout)
        except TimeoutError:
            raise EndorsementTimeout(
                f"the endorser did not answer within {timeout:.0f} s; the request "
                f"{record.endorsement_id} stays open: it finishes when the state endorses it, or "
                "fails once its signature expires (GET /ler/endorsement/requests shows it)"
            ) from None

    async def _poll_until_answered(self, record: LerEndorsementRecord) -> LerEndorsementRecord:
        """Wait on the stored record (its answer came before, or in another process)."""
        while True:
            async with self.profile.session() as session:
                record = await LerEndorsementRecord.retrieve_by_id(session, record.endorsement_id)
            if record.state == LerEndorsementRecord.STATE_DONE:
                return record
            if record.state != LerEndorsementRecord.STATE_REQUEST_SENT:
                raise EndorsementRefused(record.reason or f"the request is {record.state}")
            await asyncio.sleep(0.2)

    async def complete(
        self, response: EndorsementResponse, connection_id: str
    ) -> LerEndorsementRecord:
        """Handle the endorser's answer to one of our requests: settle it on the chain."""
        thread_id = response._thread_id
        async with self.profile.session() as session:
            try:
                record = await LerEndorsementRecord.retrieve_by_tag_filter(
                    session,
                    {"thread_id": thread_id, "role": LerEndorsementRecord.ROLE_AUTHOR},
                )
            except StorageNotFoundError:
                raise EndorsementError(f"no endorsement request with thread {thread_id}") from None
        if record.connection_id != connection_id:
            raise EndorsementError("an endorsement answer came on another connection; ignored")
        endorsed = response.state == EndorsementResponse.STATE_ENDORSED
        if endorsed:
            answer = f"the endorser reported transaction {response.tx_hash}"
        else:
            answer = response.reason or "the endorser gave no reason"
        final_no = response.state == EndorsementResponse.STATE_REFUSED or (
            response.state == EndorsementResponse.STATE_FAILED and response.submitted is False
        )
        return await self._settle(
            record.endorsement_id,
            answer=answer,
            tx_hash=response.tx_hash if endorsed else None,
            refused=response.state == EndorsementResponse.STATE_REFUSED,
            final=final_no,
        )

    async def settle_open(self) -> int:
        """Settle every open author request from the chain; returns how many stay open."""
        still_open = 0
        for record in await self._open_author_records():
            settled = await self._settle(record.endorsement_id)
            still_open += settled.state in LerEndorsementRecord.OPEN_AUTHOR_STATES
        return still_open

    async def open_requests_for(self, object_id: str) -> list[LerEndorsementRecord]:
        """Our requests for ``object_id`` that are not settled yet (after settling what can be)."""
        found = []
        for record in await self._open_author_records():
            if record.object_id == object_id:
                record = await self._settle(record.endorsement_id)
                if record.state in LerEndorsementRecord.OPEN_AUTHOR_STATES:
                    found.append(record)
        return found

    async def _open_author_records(self) -> list[LerEndorsementRecord]:
        records: list[LerEndorsementRecord] = []
        async with self.profile.session() as session:
            for state in LerEndorsementRecord.OPEN_AUTHOR_STATES:
                records += await LerEndorsementRecord.query(
                    session, {"role": LerEndorsementRecord.ROLE_AUTHOR, "state": state}
                )
        return records

    async def _settle(
        self,
        endorsement_id: str,
        *,
        answer: str | None = None,
        tx_hash: str | None = None,
        refused: bool = False,
        final: bool = False,
    ) -> LerEndorsementRecord:
        """Decide an author request from the chain; ``answer`` is what the endorser said.

        ``final``: the endorser said no and never sent the write (nobody else holds it).
        """
        lock = _record_locks.setdefault(f"{self.profile.name}:{endorsement_id}", asyncio.Lock())
        async with lock:
            async with self.profile.session() as session:
                record = await LerEndorsementRecord.retrieve_by_id(session, endorsement_id)
            if record.state not in LerEndorsementRecord.OPEN_AUTHOR_STATES:
                return record  # already settled (a duplicate answer, or the settling loop)
            signed = SignedWrite.model_validate(record.signed_write)
            try:
                standing = await settle(
                    self.ledger.chain,
                    signed,
                    from_block=record.signed_at_block or 0,
                    tx_hash=tx_hash or record.tx_hash,
                )
            except LedgerError as exc:
                LOGGER.warning("cannot settle %s now: %s", endorsement_id, exc)
                standing = WriteStanding(Settlement.PENDING)
            if answer is not None:
                record.reason = answer
                if tx_hash is None:
                    record.answer = (
                        LerEndorsementRecord.STATE_REFUSED
                        if refused
                        else LerEndorsementRecord.STATE_FAILED
                    )
            if standing.settlement is not Settlement.PENDING:
                return await self._finalize(record, standing, signed)
            if answer is not None and final:
                return await self._finalize(record, None, signed)
            if answer is not None and tx_hash is None:
                # "failed" may hide a submission whose answer was lost: the chain decides
                record.state = LerEndorsementRecord.STATE_SETTLING
                async with self.profile.session() as session:
                    await record.save(session, reason="answered; waiting for the chain")
                self._wake(record, EndorsementRefused(answer))
            return record

    async def _finalize(
        self, record: LerEndorsementRecord, standing: WriteStanding | None, signed: SignedWrite
    ) -> LerEndorsementRecord:
        """Record the verdict, run the write's completion, tell whoever waits.

        ``standing`` is the chain's verdict; None stands for the endorser's final refusal.
        """
        error: Exception | None = None
        if standing is not None and standing.settlement is Settlement.LANDED:
            record.tx_hash = standing.tx_hash
            record.block_number = standing.block_number
            record.state = LerEndorsementRecord.STATE_DONE
            record.reason = None
            try:
                await run_landed(self.profile, record.kind or "", record.job)
            except Exception as exc:  # on the ledger, but the wallet could not follow
                LOGGER.exception("write %s landed; its completion failed", record.endorsement_id)
                record.reason = f"the write is on the ledger, but updating the wallet failed: {exc}"
                error = EndorsementError(record.reason)
        else:
            refused = (record.answer or "") == LerEndorsementRecord.STATE_REFUSED
            record.state = (
                LerEndorsementRecord.STATE_REFUSED if refused else LerEndorsementRecord.STATE_FAILED
            )
            if standing is not None:
                outcome = standing.describe(signed.deadline)
                record.reason = f"{record.reason}; {outcome}" if record.reason else outcome
            await run_failed(self.profile, record.kind or "", record.job)
            error = EndorsementRefused(record.reason)
        async with self.profile.session() as session:
            await record.save(session, reason=f"endorsement {record.state}")
        await notify_anchor(
            self.profile,
            state="finished" if record.state == LerEndorsementRecord.STATE_DONE else "failed",
            kind=record.kind,
            object_id=record.object_id,
            endorsement_id=record.endorsement_id,
            tx_hash=record.tx_hash,
            reason=record.reason,
        )
        self._wake(record, error)
        return record

    def _wake(self, record: LerEndorsementRecord, error: Exception | None) -> None:
        future = _waiters.pop(record_key(self.profile, record.thread_id), None)
        if future is None or future.done():
            return
        if error is None:
            future.set_result(record)
        else:
            future.set_exception(error)
            future.exception()  # mark retrieved: nobody may be waiting

    # --- endorser side --------------------------------------------------------------------------

    async def receive_request(
        self, request: EndorsementRequest, connection_id: str
    ) -> LerEndorsementRecord:
        """Record an author's request, then approve, hold or refuse it."""
        signed = SignedWrite.model_validate(request.signed_write or {})
        record = LerEndorsementRecord(
            role=LerEndorsementRecord.ROLE_ENDORSER,
            state=LerEndorsementRecord.STATE_REQUEST_RECEIVED,
            connection_id=connection_id,
            thread_id=request._id,
            kind=request.kind,
            object_id=request.object_id,
            summary=signed.summary,
            author=signed.author,
            signed_write=request.signed_write,
            did_proof=request.did_proof,
        )
        async with self.profile.session() as session:
            await record.save(session, reason="endorsement request received")
        return await self._decide(record)

    async def _decide(self, record: LerEndorsementRecord) -> LerEndorsementRecord:
        """Apply the policy to a received request: approve, hold or refuse it."""
        try:
            signed = SignedWrite.model_validate(record.signed_write or {})
            policy = await load_policy(self.profile)
            reason = await self._policy_refusal(record, signed, policy)
            if reason is not None:
                return await self._answer(record, EndorsementResponse.STATE_REFUSED, reason=reason)
            if not policy.auto_approve:
                record.state = LerEndorsementRecord.STATE_PENDING
                async with self.profile.session() as session:
                    await record.save(session, reason="held for approval")
                return record
            return await self.approve(record)
        except Exception as exc:  # never leave the author waiting without an answer
            LOGGER.exception("endorsement request %s could not be handled", record.endorsement_id)
            return await self._answer(
                record,
                EndorsementResponse.STATE_FAILED,
                reason=f"the endorser could not handle the request: {exc}",
            )

    async def resume_received(self) -> int:
        """After a restart, finish requests we received but never answered; returns how many.

        A request may have been submitted before the crash: the chain says whether it landed.
        """
        records = await self._endorser_records(LerEndorsementRecord.STATE_REQUEST_RECEIVED)
        for record in records:
            try:
                answered = await self._answer_from_chain(record)
            except LedgerError as exc:
                LOGGER.warning("cannot resume %s now: %s", record.endorsement_id, exc)
                continue
            if not answered:
                await self._decide(record)
        return len(records)

    async def settle_submitted(self) -> int:
        """Settle our submissions whose outcome was undetermined; returns how many stay open."""
        still_open = 0
        for record in await self._endorser_records(LerEndorsementRecord.STATE_SUBMITTED):
            try:
                answered = await self._answer_from_chain(record)
            except LedgerError as exc:
                LOGGER.info("cannot settle %s now: %s", record.endorsement_id, exc)
                answered = False
            still_open += not answered
        return still_open

    async def _answer_from_chain(self, record: LerEndorsementRecord) -> bool:
        """Answer the author as the chain settles its write; False while it may still land."""
        signed = SignedWrite.model_validate(record.signed_write or {})
        standing = await settle(self.ledger.chain, signed, tx_hash=record.tx_hash)
        if standing.settlement is Settlement.LANDED:
            record.tx_hash = standing.tx_hash
            record.block_number = standing.block_number
            await self._answer(record, EndorsementResponse.STATE_ENDORSED)
        elif standing.settlement.final:
            reason = standing.describe(signed.deadline)
            await self._answer(record, EndorsementResponse.STATE_FAILED, reason=reason)
        return standing.settlement.final

    async def _endorser_records(self, state: str) -> list[LerEndorsementRecord]:
        async with self.profile.session() as session:
            return await LerEndorsementRecord.query(
                session, {"role": LerEndorsementRecord.ROLE_ENDORSER, "state": state}
            )

    async def approve(self, record: LerEndorsementRecord) -> LerEndorsementRecord:
        """Submit an author's write with our ENDORSER account and answer with the outcome."""
        if record.role != LerEndorsementRecord.ROLE_ENDORSER or record.state not in (
            LerEndorsementRecord.STATE_PENDING,
            LerEndorsementRecord.STATE_REQUEST_RECEIVED,
        ):
            raise EndorsementError(
                f"request {record.endorsement_id} is {record.state}; nothing to approve"
            )
        signed = SignedWrite.model_validate(record.signed_write)
        writer = await self.ledger.writer(self.profile)
        try:
            result = await writer.submit(signed)
        except LedgerRevertError as exc:
            return await self._answer(record, EndorsementResponse.STATE_REFUSED, reason=str(exc))
        except WriteUndeterminedError as exc:  # sent; it may still land
            record.tx_hash = exc.tx_hash
            return await self._answer(
                record, EndorsementResponse.STATE_FAILED, reason=str(exc), submitted=True
            )
        except LedgerError as exc:  # it never left this agent
            return await self._answer(
                record, EndorsementResponse.STATE_FAILED, reason=str(exc), submitted=False
            )
        record.tx_hash = result.tx_hash
        record.block_number = result.block_number
        return await self._answer(record, EndorsementResponse.STATE_ENDORSED)

    async def refuse(self, record: LerEndorsementRecord, reason: str) -> LerEndorsementRecord:
        """Refuse a held request with a reason the author will see."""
        if record.state != LerEndorsementRecord.STATE_PENDING:
            raise EndorsementError(
                f"request {record.endorsement_id} is {record.state}; nothing to refuse"
            )
        return await self._answer(record, EndorsementResponse.STATE_REFUSED, reason=reason)

    async def _answer(
        self,
        record: LerEndorsementRecord,
        state: str,
        *,
        reason: str | None = None,
        submitted: bool | None = None,
    ) -> LerEndorsementRecord:
        """Record our answer and send it; a failure that was sent stays ``submitted`` here."""
        record.state = LerEndorsementRecord.STATE_SUBMITTED if submitted else state
        record.reason = reason
        async with self.profile.session() as session:
            await record.save(session, reason=f"endorsement {record.state}")
        response = EndorsementResponse(
            state=state,
            tx_hash=record.tx_hash,
            block_number=record.block_number,
            reason=reason,
            submitted=submitted,
        )
        response.assign_thread_id(record.thread_id)
        responder = self.profile.inject(BaseResponder)
        await responder.send(response, connection_id=record.connection_id)
        LOGGER.info("endorsement %s: %s %s", record.endorsement_id, state, reason or "")
        return record

    async def _policy_refusal(
        self, record: LerEndorsementRecord, signed: SignedWrite, policy: EndorsementPolicy
    ) -> str | None:
        """The reason to refuse a request, or None if policy allows it."""
        if await self.their_role(record.connection_id) != "author":
            return (
                "this connection is not registered as an author with the endorser; ask the "
                "state's operator to mark it"
            )
        try:
            write = self.ledger.chain.open_signed_write(signed)
        except LedgerError as exc:
            return str(exc)
        if write.function in DID_KEY_FUNCTIONS and not _valid_did_proof(record, signed, write):
            return "proof of control of the DID key is missing or invalid"
        if policy.require_accreditation and write.contract == "anoncreds":
            issuer = write.args.get("issuer")
            if issuer is not None and not await self._accredited(issuer):
                return "the issuer DID is not accredited by the state"
        return None

    async def _accredited(self, issuer_id: bytes) -> bool:
        chain = self.ledger.chain
        did = LerDid.from_id(chain.descriptor.network, issuer_id)
        now = await chain.ledger_time()
        return any(a.covers(now) for a in await chain.accreditation.accreditations_of(did))


def record_key(profile: Profile, thread_id: str | None) -> str:
    """Waiters are per wallet and thread."""
    return f"{profile.name}:{thread_id}"


def _proof_message(signed: SignedWrite) -> bytes:
    """What the DID key signs: the author's EIP-712 signature, which binds the whole write."""
    return bytes.fromhex(signed.signature.removeprefix("0x"))


def _valid_did_proof(record: LerEndorsementRecord, signed: SignedWrite, write: Write) -> bool:
    proof = record.did_proof or {}
    try:
        verkey = base58.b58decode(proof["verkey"])
        signature = base58.b58decode(proof["signature"])
    except (KeyError, ValueError):
        return False
    if verkey != write.args.get("verkey"):
        return False
    return verify_signed_message(_proof_message(signed), signature, verkey, ED25519)
