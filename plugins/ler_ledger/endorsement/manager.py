"""Endorsement over DIDComm: authors ask, the state's endorser checks policy and submits.

Author side: :meth:`EndorsementManager.request` signs a write with the wallet's ledger account
(EIP-712), records it and sends it to the connection marked as the endorser. When the answer
comes back, :meth:`complete` confirms on the ledger that the author's signed write landed, then
finishes the job that was waiting for it (for example ACA-Py's ``finish_cred_def``), or cleans
the job up if the write was refused or failed, so nothing claims a success that did not happen.

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
from web3.logs import DISCARD

from ler_chain import LedgerError, LedgerRevertError, LerDid, SignedWrite, Write

from ..errors import EndorsementError, EndorsementRefused
from ..ledger import LedgerService
from . import completion
from .messages import EndorsementRequest, EndorsementResponse
from .policy import EndorsementPolicy, load_policy
from .records import LerEndorsementRecord

LOGGER = logging.getLogger(__name__)

CONNECTION_ROLE_RECORD = "ler_endorsement_connection"
THEIR_ROLES = ("endorser", "author")
DID_KEY_FUNCTIONS = {"createDid", "updateDid"}

_waiters: dict[str, asyncio.Future[LerEndorsementRecord]] = {}


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
        signed = await self.ledger.reader.sign_for_endorsement(
            write, signer, valid_for=int(self.ledger.config.endorsement.timeout) + 600
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
        if future is None:
            return record
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise EndorsementError(
                f"the endorser did not answer within {timeout:.0f} s; the request "
                f"{record.endorsement_id} stays open and will finish when it answers"
            ) from None

    async def complete(
        self, response: EndorsementResponse, connection_id: str
    ) -> LerEndorsementRecord:
        """Handle the endorser's answer to one of our requests."""
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
        if record.state != LerEndorsementRecord.STATE_REQUEST_SENT:
            return record  # already handled (a duplicate answer)

        error: Exception | None = None
        if response.state == EndorsementResponse.STATE_ENDORSED:
            try:
                await self._confirm_on_ledger(record, response.tx_hash or "")
                record.tx_hash = response.tx_hash
                record.block_number = response.block_number
                await completion.finish(self.profile, record.job or {})
                record.state = LerEndorsementRecord.STATE_DONE
            except Exception as exc:  # the job could not finish: say so, keep nothing half-done
                LOGGER.exception("endorsed write %s could not be finished", record.endorsement_id)
                record.state = LerEndorsementRecord.STATE_FAILED
                record.reason = f"the write landed but finishing it failed: {exc}"
                error = EndorsementError(record.reason)
        else:
            record.state = (
                LerEndorsementRecord.STATE_REFUSED
                if response.state == EndorsementResponse.STATE_REFUSED
                else LerEndorsementRecord.STATE_FAILED
            )
            record.reason = response.reason or "no reason given"
            await completion.clean_up(self.profile, record.job or {})
            error = EndorsementRefused(record.reason)

        async with self.profile.session() as session:
            await record.save(session, reason=f"endorsement {record.state}")
        await completion.notify(self.profile, record)
        future = _waiters.pop(record_key(self.profile, thread_id), None)
        if future is not None and not future.done():
            if error is None:
                future.set_result(record)
            else:
                future.set_exception(error)
                future.exception()  # mark retrieved: nobody may be waiting
        return record

    async def _confirm_on_ledger(self, record: LerEndorsementRecord, tx_hash: str) -> None:
        """Check that the transaction landed and consumed our signed write's nonce."""
        signed = SignedWrite.model_validate(record.signed_write)
        reader = self.ledger.reader
        try:
            receipt = await reader.w3.eth.get_transaction_receipt(tx_hash)
        except Exception as exc:
            raise EndorsementError(f"transaction {tx_hash} is not on the ledger: {exc}") from exc
        contract = reader.contracts[signed.contract]
        if receipt["status"] != 1:
            raise EndorsementError(f"transaction {tx_hash} reverted")
        for event in contract.events.WriteEndorsed().process_receipt(receipt, errors=DISCARD):
            if event["args"]["author"] == signed.author and event["args"]["nonce"] == int(
                signed.nonce
            ):
                return
        raise EndorsementError(f"transaction {tx_hash} does not carry our signed write")

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
        try:
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
        except LedgerError as exc:
            return await self._answer(record, EndorsementResponse.STATE_FAILED, reason=str(exc))
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
        self, record: LerEndorsementRecord, state: str, *, reason: str | None = None
    ) -> LerEndorsementRecord:
        record.state = state
        record.reason = reason
        async with self.profile.session() as session:
            await record.save(session, reason=f"endorsement {state}")
        response = EndorsementResponse(
            state=state, tx_hash=record.tx_hash, block_number=record.block_number, reason=reason
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
            write = self.ledger.reader.open_signed_write(signed)
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
        reader = self.ledger.reader
        did = LerDid.from_id(reader.descriptor.network, issuer_id)
        now = await reader.ledger_time()
        return any(a.covers(now) for a in await reader.accreditation.accreditations_of(did))


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
