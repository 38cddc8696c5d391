"""Where an agent's verifier gets keys, status lists and accreditations.

Status of a did:ler issuer's credential: the list the college anchored on the state ledger is
authoritative. The list the college serves over HTTP is fetched too, but only if the college
anchored a list under exactly that URL, and only as ``ler_badges.fetch`` allows
(:mod:`ler_badges.fetch_policy`); its signature must be the issuer's and its bytes are compared
with the anchor, and any difference is reported. If the college cannot be reached, the anchored
bits still answer. For issuers outside the network nothing is anchored, so nothing is fetched
and the status check fails as ``status-list-not-anchored``.

A ``did:web`` issuer (a college's public identity) is trusted as the did:ler it names only if
the binding holds both ways (:meth:`AgentEnvironment.check_binding`); its document is fetched
once per verification, under the fetch policy.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from acapy_agent.core.profile import Profile
from eth_utils import keccak

from ler_chain import AccreditationStatus, LedgerError, LedgerNotFoundError, LerDid
from ler_chain.registries.status_lists import AnchoredStatusList
from ler_ledger import LedgerService

from ..bitstring import BitstringStatusList, StatusEntry, StatusListError, decode_list
from ..cryptosuite import verify_proof
from ..errors import BadgesError, KeyResolutionError
from ..fetch_policy import FetchError, safe_fetch
from ..verification import Check, ResolvedKey, issuer_id
from .did_keys import ASSERTION, OFFLINE_DID_METHODS, find_method, resolve_key
from .did_keys import _key_of as key_of
from .loader import suite_loader
from .service import BadgesService

LOGGER = logging.getLogger(__name__)


def did_web_url(did: str) -> str:
    """Where a ``did:web`` DID's document is (did:web method: https, ``%3A`` for a port)."""
    host, *path = did.removeprefix("did:web:").split(":")
    host, path = unquote(host), [unquote(segment) for segment in path]
    bad = set("/?#@\\")
    if not host or bad & set(host) or any(not s or bad & set(s) or s in (".", "..") for s in path):
        raise KeyResolutionError(f"{did!r} is not a valid did:web DID")
    return (
        f"https://{host}/{'/'.join(path)}/did.json"
        if path
        else f"https://{host}/.well-known/did.json"
    )


class AgentEnvironment:
    """A :class:`~ler_badges.verification.VerificationEnvironment` backed by an ACA-Py profile."""

    def __init__(self, profile: Profile, *, require_accreditation: bool | None = None) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)
        config = self.service.config.verifier
        self.require_accreditation = (
            config.require_accreditation if require_accreditation is None else require_accreditation
        )
        self._did_web_documents: dict[str, dict[str, Any]] = {}

    def now(self) -> datetime:
        """Wall-clock time, UTC."""
        return datetime.now(UTC)

    @property
    def ledger(self) -> LedgerService | None:
        """The ledger plugin's service, if it is loaded."""
        return self.profile.inject_or(LedgerService)

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        """An assertion key: pinned, from ``did:key``, the ledger, or ``did:web`` (fetched safely).

        The method comes from the credential, so DID methods that ACA-Py would resolve by
        fetching from a host the credential names (``did:webvh``, a universal resolver, ...) are
        not resolved; ``did:web`` documents are fetched under the fetch policy.
        """
        pinned = self.service.config.verifier.pinned_keys
        if verification_method not in pinned and verification_method.startswith("did:"):
            did = verification_method.split("#", 1)[0]
            if did.startswith("did:web:"):
                return await self._did_web_key(did, verification_method)
            if not did.startswith(OFFLINE_DID_METHODS):
                raise KeyResolutionError(
                    f"cannot resolve {did}: this verifier resolves only did:ler, did:key, "
                    "did:peer, did:jwk and did:web DIDs; pin the issuer's key in "
                    "ler_badges.verifier.pinned_keys"
                )
        return await resolve_key(self.profile, verification_method, ASSERTION, pinned)

    async def _did_web_document(self, did: str) -> dict[str, Any]:
        """The did:web document, fetched under the fetch policy once per verification."""
        if did in self._did_web_documents:
            return self._did_web_documents[did]
        url = did_web_url(did)
        try:
            body = await safe_fetch(
                url, self.service.config.fetch, accept="application/did+json, application/json"
            )
            document = json.loads(body)
        except FetchError as error:
            raise KeyResolutionError(f"cannot resolve {did}: {error}") from None
        except ValueError:
            raise KeyResolutionError(f"cannot resolve {did}: {url} is not JSON") from None
        if not isinstance(document, dict) or document.get("id") != did:
            raise KeyResolutionError(f"cannot resolve {did}: {url} is not its DID document")
        self._did_web_documents[did] = document
        return document

    async def _did_web_key(self, did: str, method_id: str) -> ResolvedKey:
        document = await self._did_web_document(did)
        method = find_method(document, method_id, ASSERTION)
        return ResolvedKey(key_of(method), str(method.get("controller") or did))

    # --- did:web binding ------------------------------------------------------------------------

    async def check_binding(self, did_web: str) -> tuple[Check, str | None]:
        """Whether ``did_web`` and a did:ler of this network name each other, with the same keys.

        Returns the check and, if it passed, the did:ler (trusted for status and accreditation).
        """
        try:
            document = await self._did_web_document(did_web)
        except KeyResolutionError as error:
            return Check.failed("binding", "did-web-unavailable", str(error)), None
        named = [
            other
            for other in document.get("alsoKnownAs") or []
            if isinstance(other, str) and other.startswith("did:ler:")
        ]
        if not named:
            return self._unbound(
                f"the DID document of {did_web} names no did:ler DID (alsoKnownAs), so nothing "
                "ties it to an identity on the state's ledger"
            )
        if self.ledger is None:
            return Check.failed(
                "binding", "ledger-unavailable", "the ledger plugin is not loaded"
            ), None
        try:
            record = await self.ledger.chain.dids.resolve(named[0])
        except LedgerNotFoundError:
            return self._unbound(f"{did_web} names {named[0]}, which is not on the state's ledger")
        except LedgerError as error:
            return self._unbound(f"{did_web} names {named[0]}, which cannot be checked: {error}")
        did = str(record.did)
        if record.deactivated:
            return self._unbound(f"{did_web} names {did}, which is deactivated on the ledger")
        if record.also_known_as != did_web:
            back = record.also_known_as or "no did:web"
            return self._unbound(
                f"{did_web} names {did}, but the ledger entry of {did} names {back}: the two "
                "must name each other"
            )
        try:
            keys = {key_of(m) for m in document.get("verificationMethod") or []}
        except KeyResolutionError as error:
            return self._unbound(f"{did_web} serves a key that cannot be read: {error}")
        if keys != {record.verkey}:
            return Check.failed(
                "binding",
                "keys-differ",
                f"the keys {did_web} serves are not the key the ledger holds for {did} (was "
                "the key rotated and the did:web document not updated?)",
            ), None
        return Check.passed(
            "binding",
            f"{did_web} is {did}: each names the other, with the key the ledger holds",
        ), did

    @staticmethod
    def _unbound(reason: str) -> tuple[Check, None]:
        return Check.failed("binding", "not-bound", reason), None

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
        chain = self.ledger.chain
        try:
            now = await chain.ledger_time()
            accredited = await chain.accreditation.is_accredited(did, credential_type, now)
            terms = await chain.accreditation.accreditation_at(did, credential_type, now)
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

    async def check_status(
        self, issuer: str, entry: StatusEntry, *, signer: str | None = None
    ) -> Check:
        """The credential's status from the anchored list, cross-checked with the served one.

        Called only once the credential's signature verified as ``issuer``'s (or, for a did:web
        bound to the did:ler ``issuer``, as ``signer``'s, who also signs the lists). The list's
        URL is fetched only if ``issuer`` anchored a list under that URL on the ledger (the anchor's
        list id *is* the URL, keyed together with the issuer DID), and then only as the fetch
        policy allows (``ler_badges.fetch``).
        """
        try:
            did = LerDid.parse(issuer)
        except LedgerError:
            return Check.failed(
                "status",
                "status-list-not-anchored",
                f"{issuer} is not a did:ler issuer of this state's network, so no status list is "
                f"anchored for it on the ledger and {entry.list_url} was not fetched",
            )
        anchored = await self._anchored(did, entry)
        if isinstance(anchored, Check):
            return anchored
        notes: list[str] = []
        served = await self._served(signer or issuer, entry, notes)
        if served is not None and keccak(served) != anchored.list_hash:
            notes.append(
                f"the list served at {entry.list_url} is not the one anchored on the ledger "
                f"(version {anchored.version}); the anchored one is used"
            )
        try:
            value = BitstringStatusList.from_compressed(anchored.list, entry.size).get(entry.index)
        except StatusListError as error:
            return Check.failed("status", "bad-status-list", str(error))
        message, in_force = entry.describe(value)
        source = f"version {anchored.version} anchored on the ledger"
        detail = "; ".join([f"{message} according to {source}", *notes])
        if in_force:
            return Check.passed("status", detail)
        return Check.failed("status", message, detail)

    async def _anchored(self, did: LerDid, entry: StatusEntry) -> AnchoredStatusList | Check:
        """The latest version ``did`` anchored under the entry's URL, or the failed check."""
        if self.ledger is None:
            return Check.failed(
                "status",
                "status-unavailable",
                "the ledger plugin is not loaded, so the "
                "anchored status list cannot be read: load ler_ledger",
            )
        try:
            anchored = await self.ledger.chain.status_lists.latest(did, entry.list_url)
        except LedgerNotFoundError:
            anchored = None
        except LedgerError as error:
            return Check.failed("status", "status-unavailable", f"cannot read the ledger: {error}")
        if anchored is None or anchored.list_id != entry.list_url or anchored.issuer != did:
            return Check.failed(
                "status",
                "status-list-not-anchored",
                f"{did} never anchored a status list at {entry.list_url} on the ledger, so it "
                "is not the issuer's list and was not fetched",
            )
        return anchored

    async def _served(self, issuer: str, entry: StatusEntry, notes: list[str]) -> bytes | None:
        """The compressed bits of the list served at the entry's URL, if it is the issuer's."""
        policy = self.service.config.fetch
        try:
            body = await safe_fetch(entry.list_url, policy)
        except FetchError as error:
            notes.append(f"status list unavailable: {error}")
            return None
        try:
            document = json.loads(body)
            if not isinstance(document, dict) or issuer_id(document) != issuer:
                raise BadgesError("not issued by the credential's issuer")
            await verify_proof(document, self._issuer_key(issuer), loader=suite_loader())
            return decode_list((document.get("credentialSubject") or {}).get("encodedList"))
        except (BadgesError, ValueError, TypeError, AttributeError) as error:
            LOGGER.info("the list served at %s is not usable: %s", entry.list_url, error)
            notes.append(
                f"the list served at {entry.list_url} was not usable: it is not a status list "
                f"credential signed by {issuer}"
            )
            return None

    def _issuer_key(self, issuer: str) -> Callable[[str], Awaitable[bytes]]:
        """A key resolver that accepts only keys the issuer controls."""

        async def resolve(method: str) -> bytes:
            key = await self.resolve_key(method)
            if key.controller != issuer:
                raise BadgesError(f"the list was signed by {key.controller}, not {issuer}")
            return key.public_key

        return resolve
