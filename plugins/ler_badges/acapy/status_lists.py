"""A college's status lists: entries for new credentials, status changes, ledger anchors.

Each change follows the same order, under a per-issuer lock:

1. the new list (compressed bits) is anchored on the state ledger, through endorsement like any
   other college write (or directly when this agent is an ENDORSER), naming the version it
   replaces so no concurrent change is lost;
2. only once that write landed is the list credential signed with the college's DID key and
   written to the publication directory that the status list server serves;
3. then the wallet records are updated.

If the ledger refuses or the endorser does not answer, nothing changes and the caller is told
why. Entries are handed out at random positions (not in issuance order), so a list reveals
nothing about who got which entry.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import secrets
import uuid
from datetime import UTC, datetime
from pathlib import Path

from acapy_agent.core.profile import Profile
from acapy_agent.storage.error import StorageNotFoundError

from ler_chain import LerDid
from ler_ledger import LedgerService
from ler_ledger.endorsement.manager import EndorsementManager
from ler_ledger.writes import write_to_ledger

from ..bitstring import LIST_ENTRIES, BitstringStatusList, StatusValue, status_list_credential
from ..cryptosuite import add_proof
from ..status_server import list_file
from .errors import StatusUpdateError
from .keys import did_signer
from .loader import suite_loader
from .records import IssuedBadgeRecord, StatusListRecord
from .service import BadgesService

FULL_AT = LIST_ENTRIES * 9 // 10  # keep probing for a free random entry cheap
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


class StatusListManager:
    """Status lists of one wallet's issuer DIDs."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)

    # --- entries for new credentials ------------------------------------------------------------

    async def reserve(self, issuer_did: str, count: int) -> list[tuple[str, int]]:
        """``count`` fresh (list URL, index) entries of ``issuer_did``'s lists."""
        LerDid.parse(issuer_did)
        async with self.service.lock(issuer_did):
            entries: list[tuple[str, int]] = []
            while len(entries) < count:
                record = await self._active_list(issuer_did)
                allocated = BitstringStatusList(_unpack(record.allocated), status_size=1)
                while len(entries) < count and record.used < FULL_AT:
                    index = secrets.randbelow(LIST_ENTRIES)
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

    async def _active_list(self, issuer_did: str) -> StatusListRecord:
        async with self.profile.session() as session:
            records = await StatusListRecord.query(
                session, {"issuer_did": issuer_did, "state": StatusListRecord.STATE_ACTIVE}
            )
        if records:
            return records[0]
        return await self._new_list(issuer_did)

    async def _new_list(self, issuer_did: str) -> StatusListRecord:
        name = uuid.uuid4().hex
        lists = BitstringStatusList()
        record = StatusListRecord(
            issuer_did=issuer_did,
            list_url=self.service.status_base_url + name,
            name=name,
            bits=_pack(lists.raw()),
            allocated=_pack(BitstringStatusList(status_size=1).raw()),
            used=0,
            version=0,
            state=StatusListRecord.STATE_ACTIVE,
        )
        await self._anchor_and_publish(record, lists)
        async with self.profile.session() as session:
            await record.save(session, reason="status list created and anchored")
        return record

    # --- status changes -------------------------------------------------------------------------

    async def set_status(
        self, credential_id: str, status: StatusValue, reason: str | None = None
    ) -> IssuedBadgeRecord:
        """Revoke, suspend or reinstate an issued credential; returns its updated record."""
        issuer_did = (await self._issued(credential_id)).issuer_did
        async with self.service.lock(issuer_did):
            issued = await self._issued(credential_id)
            current = StatusValue[issued.state.upper()]
            if status == current:
                raise StatusUpdateError(f"{credential_id} is already {current.message}")
            if status not in ALLOWED[current]:
                raise StatusUpdateError(
                    f"{credential_id} is {current.message}; it cannot become {status.message}"
                    + (" (revocation is final)" if current is StatusValue.REVOKED else "")
                )
            async with self.profile.session() as session:
                record = await StatusListRecord.retrieve_by_tag_filter(
                    session, {"list_url": issued.list_url}
                )
            bits = BitstringStatusList(_unpack(record.bits))
            bits.set(issued.status_index, int(status))
            await self._anchor_and_publish(record, bits)
            issued.state = status.message
            issued.reason = reason
            async with self.profile.transaction() as txn:
                await record.save(txn, reason=f"status list version {record.version}")
                await issued.save(txn, reason=f"credential {status.message}")
                await txn.commit()
        return issued

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

    async def _anchor_and_publish(
        self, record: StatusListRecord, bits: BitstringStatusList
    ) -> None:
        """Anchor the new list on the ledger, then sign and publish it; update ``record``."""
        compressed = bits.compressed()
        ledger = self.profile.inject(LedgerService)
        issuer = LerDid.parse(record.issuer_did)
        write = ledger.reader.status_lists.publish(
            issuer, record.list_url, record.version, compressed
        )
        outcome = await write_to_ledger(
            self.profile, write, kind="status_list", object_id=record.list_url
        )
        if not outcome.finished:
            await EndorsementManager(self.profile).wait(
                outcome.record, ledger.config.endorsement.timeout
            )
        anchored = await ledger.reader.status_lists.latest(issuer, record.list_url)
        if anchored.list != compressed:
            raise StatusUpdateError(
                f"the ledger holds version {anchored.version} of {record.list_url}, not ours; "
                "another writer changed it"
            )
        await self._publish(record, bits)
        record.version = anchored.version
        record.bits = _pack(bits.raw())

    async def _publish(self, record: StatusListRecord, bits: BitstringStatusList) -> None:
        sign, method = await did_signer(self.profile, record.issuer_did)
        unsigned = status_list_credential(
            record.list_url, record.issuer_did, bits.encoded(), _now()
        )
        signed = await add_proof(
            unsigned, sign=sign, verification_method=method, loader=suite_loader()
        )
        directory = self.service.config.status_lists.directory
        _write_atomically(list_file(directory, record.name), json.dumps(signed, indent=2))


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(text + "\n", "utf-8")
    os.replace(temporary, path)


def status_value(name: str) -> StatusValue:
    """``revoked``, ``suspended`` or ``valid`` as a :class:`StatusValue`."""
    value = StatusValue.__members__.get(str(name).upper())
    if value is None or value is StatusValue.UNUSED:
        raise ValueError(f"status must be revoked, suspended or valid, not {name!r}")
    return value
