"""A college's status lists: entries for new credentials, status changes, ledger anchors.

Each credential gets an entry in a ``revocation`` list and one in a ``suspension`` list (one bit
each; see :mod:`ler_badges.bitstring`): revoking sets its revocation bit (final), suspending sets
its suspension bit and reinstating clears it. Each change touches exactly one list.

The list anchored on the ledger is the truth; the wallet follows it. Each change, under a
per-issuer lock:

1. the wallet catches up with the ledger (:meth:`StatusListManager.sync`): an earlier change
   whose endorsement was answered late may have landed meanwhile. A change still waiting for the
   state's endorser blocks the next one (a clear 409), since both would replace the same version;
2. the new list (compressed bits) is anchored, through endorsement like any other college write
   (or directly when this agent is an ENDORSER), naming the version it replaces;
3. once it landed, the wallet catches up again: the list credential is signed with the college's
   DID key (as its did:web when it issues under one) and published, and the credentials' records
   take the status the ledger now holds.

Step 3 also runs when a change lands after its caller gave up waiting (the ``status_list``
completion), so a late approval is never lost. If the ledger refuses, nothing changes and the
caller is told why. Entries are handed out at random positions (not in issuance order), so a list
reveals nothing about who got which entry.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from acapy_agent.core.profile import Profile
from acapy_agent.storage.error import StorageNotFoundError

from ler_chain import LerDid
from ler_chain.registries.status_lists import AnchoredStatusList
from ler_ledger import EndorsementManager, LedgerService, register_completion, write_to_ledger

from ..bitstring import (
    PURPOSE_LIST_ENTRIES,
    REVOCATION,
    STATUS_PURPOSE,
    STATUS_SIZE,
    SUSPENSION,
    BitstringStatusList,
    StatusValue,
    status_entry,
    status_list_credential,
)
from ..cryptosuite import add_proof
from ..status_server import list_file
from .did_web import issuing_identity
from .errors import StatusUpdateError
from .loader import suite_loader
from .records import IssuedBadgeRecord, StatusListRecord
from .service import BadgesService

KIND = "status_list"
FULL_AT = PURPOSE_LIST_ENTRIES * 9 // 10  # keep probing for a free random entry cheap
ALLOWED = {
    StatusValue.VALID: {StatusValue.SUSPENDED, StatusValue.REVOKED},
    StatusValue.SUSPENDED: {StatusValue.VALID, StatusValue.REVOKED},
    StatusValue.REVOKED: set(),
}


def _pack(bits: bytes) -> str:
    return base64.b64encode(gzip.compress(bits, mtime=0)).decode()


def _unpack(packed: str) -> bytes:
    return gzip.decompress(base64.b64decode(packed))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bits(record: StatusListRecord) -> BitstringStatusList:
    """A list's bits as the wallet holds them (two-bit ``message`` lists of earlier versions)."""
    size = STATUS_SIZE if record.purpose in (None, STATUS_PURPOSE) else 1
    return BitstringStatusList(_unpack(record.bits), status_size=size)


@dataclass(frozen=True)
class StatusSlots:
    """A credential's two entries: (list URL, index) in a revocation and a suspension list."""

    revocation: tuple[str, int]
    suspension: tuple[str, int]

    def credential_status(self) -> list[dict]:
        """The credential's ``credentialStatus``: both ``BitstringStatusListEntry`` entries."""
        return [
            status_entry(*self.revocation, REVOCATION),
            status_entry(*self.suspension, SUSPENSION),
        ]


@dataclass(frozen=True)
class StatusChange:
    """A credential's record after a status change, and the endorsement still pending if any."""

    issued: IssuedBadgeRecord
    pending_endorsement_id: str | None = None


class StatusListManager:
    """Status lists of one wallet's issuer DIDs."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)

    # --- entries for new credentials ------------------------------------------------------------

    async def reserve(self, issuer_did: str, count: int) -> list[StatusSlots]:
        """``count`` fresh entries of ``issuer_did``'s revocation and suspension lists."""
        LerDid.parse(issuer_did)
        async with self.service.lock(issuer_did):
            revocation = await self._take(issuer_did, REVOCATION, count)
            suspension = await self._take(issuer_did, SUSPENSION, count)
        return [StatusSlots(r, s) for r, s in zip(revocation, suspension, strict=True)]

    async def _take(self, issuer_did: str, purpose: str, count: int) -> list[tuple[str, int]]:
        entries: list[tuple[str, int]] = []
        while len(entries) < count:
            record = await self._active_list(issuer_did, purpose)
            allocated = BitstringStatusList(_unpack(record.allocated), status_size=1)
            while len(entries) < count and record.used < FULL_AT:
                index = secrets.randbelow(PURPOSE_LIST_ENTRIES)
                if allocated.get(index):
                    continue
                allocated.set(index, 1)
                record.used += 1
                entries.append((record.list_url, index))
            record.allocated = _pack(allocated.raw())
            if record.used >= FULL_AT:
                record.state = StatusListRecord.STATE_FULL
            async with self.profile.session() as session:
                await record.save(session, reason="status entries reserved")
        return entries

    async def _active_list(self, issuer_did: str, purpose: str) -> StatusListRecord:
        async with self.profile.session() as session:
            records = await StatusListRecord.query(
                session,
                {
                    "issuer_did": issuer_did,
                    "state": StatusListRecord.STATE_ACTIVE,
                    "purpose": purpose,
                },
            )
        if records:
            return records[0]
        return await self._new_list(issuer_did, purpose)

    async def _new_list(self, issuer_did: str, purpose: str) -> StatusListRecord:
        name = uuid.uuid4().hex
        lists = BitstringStatusList(status_size=1, entries=PURPOSE_LIST_ENTRIES)
        record = StatusListRecord(
            issuer_did=issuer_did,
            list_url=self.service.status_base_url + name,
            name=name,
            purpose=purpose,
            bits=_pack(lists.raw()),
            allocated=_pack(lists.raw()),
            used=0,
            version=0,
            state=StatusListRecord.STATE_ACTIVE,
        )
        await self._anchor(record, lists)
        record.version = (await self._latest(record)).version
        await self._publish(record, lists)
        async with self.profile.session() as session:
            await record.save(session, reason="status list created and anchored")
        return record

    # --- status changes -------------------------------------------------------------------------

    async def set_status(
        self,
        credential_id: str,
        status: StatusValue,
        reason: str | None = None,
        *,
        wait: bool = True,
    ) -> StatusChange:
        """Revoke, suspend or reinstate an issued credential.

        With ``wait`` (the default) it returns once the change is on the ledger (or raises when
        the endorser does not answer in time: the change then applies when it lands). Without, it
        returns as soon as the change is with the endorser.
        """
        issuer_did = (await self._issued(credential_id)).issuer_did
        async with self.service.lock(issuer_did):
            issued = await self._issued(credential_id)
            list_url, index, value = _target(issued, status)
            record = await self.sync(list_url, settle=True)
            issued = await self._issued(credential_id)
            current = StatusValue[issued.state.upper()]
            if status == current:
                raise StatusUpdateError(f"{credential_id} is already {current.message}")
            if status not in ALLOWED[current]:
                raise StatusUpdateError(
                    f"{credential_id} is {current.message}; it cannot become {status.message}"
                    + (" (revocation is final)" if current is StatusValue.REVOKED else "")
                )
            bits = _bits(record)
            bits.set(index, value)
            change = {
                "list_url": record.list_url,
                "credential_id": credential_id,
                "status": status.message,
                "reason": reason,
            }
            pending = await self._anchor(record, bits, change, wait=wait)
            if pending is None:
                await self.sync(record.list_url, change=change)
        return StatusChange(await self._issued(credential_id), pending)

    async def sync(
        self, list_url: str, *, change: dict | None = None, settle: bool = False
    ) -> StatusListRecord:
        """Make the wallet and the published list say what the ledger holds for ``list_url``.

        With ``settle``, first settle earlier changes of the list from the chain, and refuse if
        one is still waiting for the endorser. ``change`` (the one that just landed) gives the
        reason recorded with the credential whose status it changed.
        """
        if settle:
            waiting = await EndorsementManager(self.profile).open_requests_for(list_url)
            if waiting:
                raise StatusUpdateError(
                    f"an earlier change to this status list (endorsement request "
                    f"{waiting[0].endorsement_id}) is waiting for the state's endorser; it is "
                    "applied as soon as the state approves it, or dropped if it refuses or the "
                    "request expires. Try again then (GET /ler/endorsement/requests shows it)."
                )
        async with self.profile.session() as session:
            record = await StatusListRecord.retrieve_by_tag_filter(session, {"list_url": list_url})
        anchored = await self._latest(record)
        if anchored.version == record.version:
            return record
        bits = BitstringStatusList.from_compressed(anchored.list, _bits(record).status_size)
        await self._publish(record, bits)
        record.version = anchored.version
        record.bits = _pack(bits.raw())
        lists = {list_url: bits}
        async with self.profile.session() as session:
            issued_records = await IssuedBadgeRecord.query(session, {"list_url": list_url})
            issued_records += await IssuedBadgeRecord.query(
                session, {"suspension_list_url": list_url}
            )
            for issued in issued_records:
                for url in (issued.list_url, issued.suspension_list_url):
                    if url and url not in lists:
                        other = await StatusListRecord.retrieve_by_tag_filter(
                            session, {"list_url": url}
                        )
                        lists[url] = _bits(other)
        async with self.profile.transaction() as txn:
            for issued in issued_records:
                state = _state(issued, lists)
                if state != issued.state:
                    issued.state = state
                    if change and change.get("credential_id") == issued.credential_id:
                        issued.reason = change.get("reason")
                    await issued.save(txn, reason=f"credential {state} on the ledger")
            await record.save(txn, reason=f"status list version {record.version}")
            await txn.commit()
        return record

    async def _issued(self, credential_id: str) -> IssuedBadgeRecord:
        async with self.profile.session() as session:
            try:
                return await IssuedBadgeRecord.retrieve_by_tag_filter(
                    session, {"credential_id": credential_id}
                )
            except StorageNotFoundError:
                raise StorageNotFoundError(
                    f"this agent issued no credential {credential_id}"
                ) from None

    # --- anchoring and publication ----------------------------------------------------------------

    async def _anchor(
        self,
        record: StatusListRecord,
        bits: BitstringStatusList,
        change: dict | None = None,
        *,
        wait: bool = True,
    ) -> str | None:
        """Anchor ``bits`` as the list's next version, by default waiting until it landed.

        Returns the endorsement request's id if it did not wait for it, else None.
        """
        compressed = bits.compressed()
        ledger = self.profile.inject(LedgerService)
        issuer = LerDid.parse(record.issuer_did)
        write = ledger.chain.status_lists.publish(
            issuer, record.list_url, record.version, compressed
        )
        outcome = await write_to_ledger(
            self.profile, write, kind=KIND, object_id=record.list_url, job=change
        )
        if not outcome.finished:
            if not wait:
                return outcome.record.endorsement_id
            await EndorsementManager(self.profile).wait(
                outcome.record, ledger.config.endorsement.timeout
            )
        anchored = await ledger.chain.status_lists.latest(issuer, record.list_url)
        if anchored.list != compressed:
            raise StatusUpdateError(
                f"the ledger holds version {anchored.version} of {record.list_url}, not ours; "
                "another writer changed it"
            )
        return None

    async def sync_all(self) -> None:
        """Bring every status list of the wallet in step with the ledger."""
        async with self.profile.session() as session:
            records = await StatusListRecord.query(session)
        for record in records:
            await self.sync(record.list_url)

    async def _latest(self, record: StatusListRecord) -> AnchoredStatusList:
        ledger = self.profile.inject(LedgerService)
        return await ledger.chain.status_lists.latest(
            LerDid.parse(record.issuer_did), record.list_url
        )

    async def _publish(self, record: StatusListRecord, bits: BitstringStatusList) -> None:
        issuer, sign, method = await issuing_identity(self.profile, record.issuer_did)
        purpose = record.purpose or STATUS_PURPOSE
        unsigned = status_list_credential(record.list_url, issuer, bits.encoded(), _now(), purpose)
        signed = await add_proof(
            unsigned, sign=sign, verification_method=method, loader=suite_loader()
        )
        directory = self.service.config.status_lists.directory
        _write_atomically(list_file(directory, record.name), json.dumps(signed, indent=2))


def _target(issued: IssuedBadgeRecord, status: StatusValue) -> tuple[str, int, int]:
    """Which list, entry and value a change to ``status`` sets."""
    if issued.suspension_list_url is None:  # one two-bit "message" entry (earlier versions)
        return str(issued.list_url), int(issued.status_index or 0), int(status)
    if status is StatusValue.REVOKED:
        return str(issued.list_url), int(issued.status_index or 0), 1
    value = 1 if status is StatusValue.SUSPENDED else 0
    return issued.suspension_list_url, int(issued.suspension_index or 0), value


def _state(issued: IssuedBadgeRecord, lists: dict[str, BitstringStatusList]) -> str:
    """``valid``, ``revoked`` or ``suspended``, from the lists' bits."""
    revocation = lists[str(issued.list_url)].get(int(issued.status_index or 0))
    if issued.suspension_list_url is None:
        return StatusValue(revocation).message
    if revocation:
        return StatusValue.REVOKED.message
    if lists[issued.suspension_list_url].get(int(issued.suspension_index or 0)):
        return StatusValue.SUSPENDED.message
    return StatusValue.VALID.message


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text + "\n", "utf-8")
    os.replace(temporary, path)


class StatusListCompletion:
    """A status change that landed after its caller stopped waiting still reaches the wallet."""

    async def landed(self, profile: Profile, job: dict) -> None:
        """Catch the wallet up with the list the ledger now holds."""
        if job.get("list_url"):
            await StatusListManager(profile).sync(job["list_url"], change=job)

    async def failed(self, profile: Profile, job: dict) -> None:
        """The wallet never changed for it: nothing to undo."""


def register() -> None:
    """Handle settled status list writes."""
    register_completion(KIND, StatusListCompletion())


def status_value(name: str) -> StatusValue:
    """``revoked``, ``suspended`` or ``valid`` as a :class:`StatusValue`."""
    value = StatusValue.__members__.get(str(name).upper())
    if value is None or value is StatusValue.UNUSED:
        raise ValueError(f"status must be revoked, suspended or valid, not {name!r}")
    return value
