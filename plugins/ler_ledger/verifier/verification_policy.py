"""The employer's verification policy for AnonCreds presentations on the LER network.

Stock ACA-Py 1.7 verification has two gaps for an employer: it accepts a proof made against a
status list older than the one in force at the requested time (it rewrites ``from`` to 0 when
``from == to``, so a holder can answer "not revoked now" with a list from before its revocation),
and it says only ``verified=false`` without a reason. This policy checks, in order:

1. **freshness**: each revocable credential's proof uses a status list that was in force at some
   time inside the requested non-revocation interval (for a "now" request: the list in force now);
2. **proof**: the AnonCreds proof itself (signatures, predicates, non-revocation against that
   list), with intervals relaxed only after freshness was checked here, so honest proofs for
   ``from < to`` intervals verify too;
3. **accreditation**: the issuer of each credential is accredited by the state, at verification
   time, for the credential's type (the configured types, else the schema's name or id).

The verdict (a :class:`~ler_ledger.verdicts.Verdict`, the model every verifier here shares)
names every check and the reasons a proof fails: ``revoked``, ``stale-status-list``,
``issuer-not-accredited`` or ``invalid-proof``.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from typing import Any

from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.anoncreds.verifier import AnonCredsVerifier
from acapy_agent.core.profile import Profile
from acapy_agent.protocols.present_proof.v2_0.formats.anoncreds.handler import (
    AnonCredsPresExchangeHandler,
)
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_chain import LedgerError, LedgerNotFoundError, LerDid, RevRegDefId, parse_anoncreds_id

from ..ledger import LedgerService
from ..verdicts import Check, Verdict

LOGGER = logging.getLogger(__name__)

REVOKED = "revoked"
STALE = "stale-status-list"
NOT_ACCREDITED = "issuer-not-accredited"
INVALID = "invalid-proof"
#: the proof could not be checked (a read or a library failed): says nothing about the credential
UNVERIFIABLE = "unverifiable"


@dataclass
class AnonCredsVerdict(Verdict):
    """The verdict on an AnonCreds presentation, with the attributes it revealed."""

    revealed: dict[str, Any] = field(default_factory=dict)

    def note(self, name: str, passed: bool, detail: str, reason: str | None = None) -> Check:
        """Record a check that passed or failed (with ``reason`` as its code)."""
        return self.add(Check.of(name, passed, detail, reason))


def intervals_by_sub_proof(proof_request: dict, proof: dict) -> dict[int, list[dict]]:
    """The non-revocation intervals that apply to each sub-proof, as requested (unaltered)."""
    global_interval = proof_request.get("non_revoked")
    found: dict[int, list[dict]] = {}
    for proof_key, request_key in (
        ("revealed_attrs", "requested_attributes"),
        ("revealed_attr_groups", "requested_attributes"),
        ("unrevealed_attrs", "requested_attributes"),
        ("predicates", "requested_predicates"),
    ):
        for referent, spec in proof["requested_proof"].get(proof_key, {}).items():
            interval = (
                proof_request[request_key].get(referent, {}).get("non_revoked", global_interval)
            )
            applies = found.setdefault(spec["sub_proof_index"], [])
            if interval and dict(interval) not in applies:
                applies.append(dict(interval))
    return found


class LerPresentationVerifier:
    """Applies the LER policy to received AnonCreds presentations of one wallet."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.ledger = profile.inject(LedgerService)

    async def verify(self, record: V20PresExRecord) -> AnonCredsVerdict:
        """Run every check on a presentation exchange in state presentation-received."""
        proof_request = record.pres_request.attachment(AnonCredsPresExchangeHandler.format)
        proof = record.pres.attachment(AnonCredsPresExchangeHandler.format)
        verdict = AnonCredsVerdict()
        chain = self.ledger.chain
        try:
            now = await chain.ledger_time()
        except LedgerError as exc:
            verdict.note("ledger", False, f"cannot reach the ledger: {exc}", INVALID)
            return verdict.finish()

        intervals = intervals_by_sub_proof(proof_request, proof)
        fresh = await self._check_freshness(proof, intervals, now, verdict)
        proof_check = await self._check_proof(proof_request, proof, fresh, verdict)
        if proof_check.outcome == "failed" and proof_check.code is None:
            proof_check.code = self._why_the_proof_failed(proof, intervals, fresh, verdict)
        await self._check_accreditation(proof, now, verdict)
        requested = proof["requested_proof"]
        verdict.revealed = {
            referent: value.get("raw")
            for referent, value in requested.get("revealed_attrs", {}).items()
        }
        for referent, group in requested.get("revealed_attr_groups", {}).items():
            verdict.revealed[referent] = {k: v.get("raw") for k, v in group["values"].items()}
        return verdict.finish()

    @staticmethod
    def _why_the_proof_failed(
        proof: dict, intervals: dict[int, list[dict]], fresh: bool, verdict: AnonCredsVerdict
    ) -> str:
        """A stale status list (already named by its check), else revoked or invalid."""
        if not fresh:
            earlier = [c.code for c in verdict.checks if c.outcome == "failed" and c.code]
            return earlier[0] if earlier else STALE
        revocable = any(ident.get("rev_reg_id") for ident in proof["identifiers"])
        return REVOKED if revocable and intervals else INVALID

    async def _check_freshness(
        self, proof: dict, intervals: dict[int, list[dict]], now: int, verdict: AnonCredsVerdict
    ) -> bool:
        """Each list a proof used was in force at some time inside its requested interval."""
        fresh = True
        lists = self.ledger.chain.anoncreds
        for index, identifier in enumerate(proof["identifiers"]):
            timestamp = identifier.get("timestamp")
            if not identifier.get("rev_reg_id") or timestamp is None:
                continue
            rev_reg_id = parse_anoncreds_id(identifier["rev_reg_id"])
            if not isinstance(rev_reg_id, RevRegDefId):
                verdict.note(
                    "status-list", False, f"{identifier['rev_reg_id']} is no registry", INVALID
                )
                return False
            try:
                used = await lists.status_list(rev_reg_id, at=timestamp)
            except LedgerNotFoundError:
                verdict.note("status-list", False, f"no status list at {timestamp}", STALE)
                return False
            for interval in intervals.get(index, []):
                start = interval.get("from", interval.get("to", now))
                end = interval.get("to", now)
                in_force_at_start = await self._entries_at(rev_reg_id, min(start, end))
                ok = timestamp <= max(end, now) and in_force_at_start <= used.entries
                if end >= now:
                    # "now" requests: the list must be the newest one
                    ok = ok and used.entries == await self._entries_at(rev_reg_id, now)
                detail = (
                    f"sub-proof {index} used the list of {timestamp} (entry {used.entries}); "
                    f"requested {start}..{end}"
                )
                verdict.note("status-list-freshness", ok, detail, STALE)
                fresh = fresh and ok
        return fresh

    async def _entries_at(self, rev_reg_id: RevRegDefId, timestamp: int) -> int:
        try:
            return (await self.ledger.chain.anoncreds.status_list(rev_reg_id, at=timestamp)).entries
        except LedgerNotFoundError:
            return 0

    async def _check_proof(
        self, proof_request: dict, proof: dict, fresh: bool, verdict: AnonCredsVerdict
    ) -> Check:
        """The AnonCreds proof, with intervals relaxed once freshness was established here."""
        request = copy.deepcopy(proof_request)
        if fresh:
            if "non_revoked" in request:
                request["non_revoked"]["from"] = 0
            for key in ("requested_attributes", "requested_predicates"):
                for item in request[key].values():
                    if "non_revoked" in item:
                        item["non_revoked"]["from"] = 0
        verifier = AnonCredsVerifier(self.profile)
        try:
            schemas, cred_defs, rev_reg_defs, rev_lists = await verifier.process_pres_identifiers(
                proof["identifiers"]
            )
            verified, messages = await verifier.verify_presentation(
                request, proof, schemas, cred_defs, rev_reg_defs, rev_lists
            )
        except Exception as exc:  # a read or the library failed: no verdict on the credential
            LOGGER.warning("presentation could not be checked: %s", exc)
            detail = f"the proof could not be checked ({exc}); ask the holder to present again"
            return verdict.note("proof", False, detail, UNVERIFIABLE)
        detail = (
            "signatures, predicates and non-revocation hold" if verified else "; ".join(messages)
        )
        return verdict.note("proof", verified, detail or "the proof does not verify")

    async def _check_accreditation(self, proof: dict, now: int, verdict: AnonCredsVerdict) -> None:
        """Every issuer is accredited now for the credential's type."""
        registry = self.profile.inject(AnonCredsRegistry)
        accreditation = self.ledger.chain.accreditation
        configured = self.ledger.config.verifier.accreditation_types
        for identifier in proof["identifiers"]:
            schema_id = identifier["schema_id"]
            cred_def_id = identifier["cred_def_id"]
            try:
                issuer = parse_anoncreds_id(cred_def_id).issuer
            except LedgerError:
                verdict.note(
                    "issuer-accreditation",
                    False,
                    f"{cred_def_id} is not a did:ler issuer",
                    NOT_ACCREDITED,
                )
                continue
            types = list(configured)
            if not types:
                info = await registry.get_schema_info_by_id(self.profile, schema_id)
                types = [info.name, schema_id]
            accredited = await self._accredited(accreditation, issuer, types, now)
            detail = (
                f"{issuer} is accredited for {accredited}"
                if accredited
                else f"{issuer} is not accredited for any of {types}"
            )
            verdict.note("issuer-accreditation", accredited is not None, detail, NOT_ACCREDITED)

    @staticmethod
    async def _accredited(
        accreditation: Any, issuer: LerDid, types: list[str], now: int
    ) -> str | None:
        for credential_type in types:
            if await accreditation.is_accredited(issuer, credential_type, now):
                return credential_type
        return None
