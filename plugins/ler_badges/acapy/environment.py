"""Where an agent's verifier gets keys, status lists and accreditations.

Status of a did:ler issuer's credential: the list the college anchored on the state ledger is
authoritative. The list the college serves over HTTP is fetched too; its signature must be the
issuer's and its bytes are compared with the anchor, and any difference is reported. If the
college cannot be reached, the anchored bits still answer. For issuers outside the network
there is no anchor, so only the served (and signed) list counts.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aiohttp
from acapy_agent.core.profile import Profile
from eth_utils import keccak

from ler_chain import AccreditationStatus, LedgerError, LedgerNotFoundError, LerDid
from ler_chain.registries.status_lists import AnchoredStatusList
from ler_ledger import LedgerService

from ..bitstring import BitstringStatusList, StatusEntry, StatusListError, decode_list
from ..cryptosuite import verify_proof
from ..errors import BadgesError
from ..verification import Check, ResolvedKey, issuer_id
from .keys import ASSERTION, resolve_key
from .loader import suite_loader
from .service import BadgesService

MAX_LIST_BYTES = 1024 * 1024


class AgentEnvironment:
    """A :class:`~ler_badges.verification.VerificationEnvironment` backed by an ACA-Py profile."""

    def __init__(self, profile: Profile, *, require_accreditation: bool | None = None) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)
        config = self.service.config.verifier
        self.require_accreditation = (
            config.require_accreditation if require_accreditation is None else require_accreditation
        )

    def now(self) -> datetime:
        """Wall-clock time, UTC."""
        return datetime.now(UTC)

    @property
    def ledger(self) -> LedgerService | None:
        """The ledger plugin's service, if it is loaded."""
        return self.profile.inject_or(LedgerService)

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        """An assertion key, through DID resolution or the pinned keys."""
        pinned = self.service.config.verifier.pinned_keys
        return await resolve_key(self.profile, verification_method, ASSERTION, pinned)

    # --- accreditation --------------------------------------------------------------------------

    async def check_accreditation(self, issuer: str, credential_type: str) -> Check:
        """Whether the state accredits ``issuer`` for ``credential_type`` now."""
        try:
            did = LerDid.parse(issuer)
        except LedgerError:
            return Check.failed(
                "accreditation",
                "not-accredited",
                f"{issuer} is not a did:ler DID of this state's network, so the state has not "
                "accredited it",
            )
        if self.ledger is None:
            return Check.failed(
                "accreditation", "ledger-unavailable", "the ledger plugin is not loaded"
            )
        reader = self.ledger.reader
        try:
            now = await reader.ledger_time()
            accredited = await reader.accreditation.is_accredited(did, credential_type, now)
            terms = await reader.accreditation.accreditation_at(did, credential_type, now)
        except LedgerError as error:
            return Check.failed(
                "accreditation", "ledger-unavailable", f"cannot read the ledger: {error}"
            )
        what = f"{issuer} for {credential_type!r}"
        if accredited:
            return Check.passed("accreditation", f"the state accredits {what}")
        if terms.status is AccreditationStatus.WITHDRAWN:
            return Check.failed(
                "accreditation",
                "accreditation-withdrawn",
                f"the state withdrew its accreditation of {what}",
            )
        if terms.status is AccreditationStatus.SUSPENDED:
            return Check.failed(
                "accreditation",
                "accreditation-suspended",
                f"the state suspended its accreditation of {what}",
            )
        if terms.status is AccreditationStatus.ACTIVE:
            return Check.failed(
                "accreditation",
                "accreditation-out-of-window",
                f"the accreditation of {what} is valid from {terms.valid_from} until "
                f"{terms.valid_until or 'open-ended'}, not at ledger time {now}",
            )
        return Check.failed("accreditation", "not-accredited", f"the state never accredited {what}")

    # --- status -------------------------------------------------------------------------------

    async def check_status(self, issuer: str, entry: StatusEntry) -> Check:
        """The credential's status from the anchored list, cross-checked with the served one."""
        notes: list[str] = []
        anchored = await self._anchored(issuer, entry, notes)
        served = await self._served(issuer, entry, notes)
        if anchored is not None and served is not None and keccak(served) != anchored.list_hash:
            notes.append(
                f"the list served at {entry.list_url} is not the one anchored on the ledger "
                f"(version {anchored.version}); the anchored one is used"
            )
        compressed = anchored.list if anchored is not None else served
        if compressed is None:
            return Check.failed(
                "status",
                "status-unavailable",
                "the status list could not be read: " + "; ".join(notes),
            )
        try:
            value = BitstringStatusList.from_compressed(compressed, entry.size).get(entry.index)
        except StatusListError as error:
            return Check.failed("status", "bad-status-list", str(error))
        message, in_force = entry.describe(value)
        source = (
            f"version {anchored.version} anchored on the ledger"
            if anchored is not None
            else f"the list served at {entry.list_url}"
        )
        detail = "; ".join([f"{message} according to {source}", *notes])
        if in_force:
            return Check.passed("status", detail)
        return Check.failed("status", message, detail)

    async def _anchored(
        self, issuer: str, entry: StatusEntry, notes: list[str]
    ) -> AnchoredStatusList | None:
        try:
            did = LerDid.parse(issuer)
        except LedgerError:
            return None  # not an issuer of this network: nothing anchored
        if self.ledger is None:
            notes.append("the ledger plugin is not loaded")
            return None
        try:
            return await self.ledger.reader.status_lists.latest(did, entry.list_url)
        except LedgerNotFoundError:
            notes.append(f"{issuer} never anchored the status list {entry.list_url} on the ledger")
        except LedgerError as error:
            notes.append(f"cannot read the ledger: {error}")
        return None

    async def _served(self, issuer: str, entry: StatusEntry, notes: list[str]) -> bytes | None:
        """The compressed bits of the list served at the entry's URL, if it is the issuer's."""
        try:
            document = await self._fetch(entry.list_url)
            if issuer_id(document) != issuer:
                raise BadgesError(f"it was issued by {issuer_id(document)}, not {issuer}")
            await verify_proof(document, self._issuer_key(issuer), loader=suite_loader())
            subject = document.get("credentialSubject") or {}
            return decode_list(subject.get("encodedList"))
        except (BadgesError, aiohttp.ClientError, TimeoutError, ValueError) as error:
            notes.append(f"the list served at {entry.list_url} was not usable: {error}")
            return None

    def _issuer_key(self, issuer: str) -> Callable[[str], Awaitable[bytes]]:
        """A key resolver that accepts only keys the issuer controls."""

        async def resolve(method: str) -> bytes:
            key = await self.resolve_key(method)
            if key.controller != issuer:
                raise BadgesError(f"the list was signed by {key.controller}, not {issuer}")
            return key.public_key

        return resolve

    async def _fetch(self, url: str) -> dict[str, Any]:
        async with self.service.http().get(url) as response:
            if response.status != 200:
                raise BadgesError(f"HTTP {response.status}")
            body = await response.content.read(MAX_LIST_BYTES + 1)
        if len(body) > MAX_LIST_BYTES:
            raise BadgesError("the list is larger than 1 MiB")
        document = json.loads(body)
        if not isinstance(document, dict):
            raise BadgesError("the list is not a JSON object")
        return document
