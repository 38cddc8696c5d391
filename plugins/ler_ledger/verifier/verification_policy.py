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
``issuer-not-accredited``, ``invalid-proof`` or ``unverifiable``.

A failed proof of a revocable credential is called ``revoked`` only when nothing else explains
it: the library found no error in its form, and it fails against every status list of the
second the proof names. AnonCreds names a list by that second; when two lists landed in it, a
holder may have used the first while a verifier reads the last, and a proof that holds against
the first is ``stale-status-list`` (present again), not a false ``revoked``.
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

from ..anoncreds import mappers
from ..ledger import LedgerService
from ..verdicts import Check, Verdict

LOGGER = logging.getLogger(__name__)

REVOKED = "revoked"
STALE = "stale-status-list"
NOT_ACCREDITED = "issuer-not-accredited"
INVALID = "invalid-proof"
#: the proof could not be checked (a read or a library failed): says nothing about the credential
UNVERIFIABLE = "unverifiable"
#: ACA-Py's verifier messages that say why a proof failed other than by its non-revocation:
#: its form or values (pre-verification) and an error of the AnonCreds library
FAILED_FORM, LIBRARY_ERROR = "VALUE_ERROR::", "VERIFY_ERROR::"


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
            await self._name_the_failure(proof, intervals, fresh, verdict, proof_check)
        await self._check_accreditation(proof, now, verdict)
        requested = proof["requested_proof"]
        verdict.revealed = {
            referent: value.get("raw")
            for referent, value in requested.get("revealed_attrs", {}).items()
        }
        for referent, group in requested.get("revealed_attr_groups", {}).items():
            verdict.revealed[referent] = {k: v.get("raw") for k, v in group["values"].items()}
        return verdict.finish()

    async def _name_the_failure(
        self,
        proof: dict,
        intervals: dict[int, list[dict]],
        fresh: bool,
        verdict: AnonCredsVerdict,
        proof_check: Check,
    ) -> None:
        """Give a failed proof check that has no code yet the code that explains it."""
        proof_check.code = self._why_the_proof_failed(proof, intervals, fresh, verdict)
        lists = [
            (i["rev_reg_id"], i.get("timestamp"))
            for i in proof["identifiers"]
            if i.get("rev_reg_id")
        ]
        if proof_check.code == REVOKED and len(set(lists)) < len(lists):
            # ACA-Py's holder proves the non-revocation of every credential of one registry with
            # the first one's witness (acapy#2036): such a proof fails whatever their status
            proof_check.code = UNVERIFIABLE
            proof_check.detail += (
                "; it proves two credentials of one revocation registry at once, which the "
                "holder's software cannot do correctly: ask for each credential in its own request"
            )

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
            spans = [
                (interval.get("from", interval.get("to", now)), interval.get("to", now))
                for interval in intervals.get(index, [])
            ]
            # entry counts only (no log reads, no replay), all in one JSON-RPC batch; the list
            # itself is read, checked against its hash chain, by the proof check
            try:
                used, in_force_now, *at_starts = await self._entries_at(
                    rev_reg_id, [timestamp, now, *(min(start, end) for start, end in spans)]
                )
            except LedgerNotFoundError:
                used = 0
            if used == 0:
                verdict.note("status-list", False, f"no status list at {timestamp}", STALE)
                return False
            for (start, end), in_force_at_start in zip(spans, at_starts, strict=True):
                ok = timestamp <= max(end, now) and in_force_at_start <= used
                if end >= now:
                    # "now" requests: the list must be the newest one
                    ok = ok and used == in_force_now
                detail = (
                    f"sub-proof {index} used the list of {timestamp} (entry {used}); "
                    f"requested {start}..{end}"
                )
                verdict.note("status-list-freshness", ok, detail, STALE)
                fresh = fresh and ok
        return fresh

    async def _verifies_with_an_earlier_list(
        self,
        verifier: AnonCredsVerifier,
        request: dict,
        proof: dict,
        inputs: tuple[dict, dict, dict],
        rev_lists: dict[str, dict[int, Any]],
    ) -> bool:
        """Whether the proof holds against a status list a later one replaced in its second.

        AnonCreds names a list by the second it landed in, and a verifier reads the last list of
        that second; a holder who read the list before the later one landed used the earlier.
        """
        for identifier in proof["identifiers"]:
            timestamp = identifier.get("timestamp")
            if not identifier.get("rev_reg_id") or timestamp is None:
                continue
            try:
                rev_reg_id = parse_anoncreds_id(identifier["rev_reg_id"])
            except LedgerError:
                continue  # not a registry: its freshness check has failed already
            if not isinstance(rev_reg_id, RevRegDefId):
                continue
            registry = self.ledger.chain.anoncreds
            for status in (await registry.status_lists_of_second(rev_reg_id, timestamp))[:-1]:
                earlier = mappers.rev_list_result(rev_reg_id, status).revocation_list.serialize()
                lists = {**rev_lists, str(rev_reg_id): {timestamp: earlier}}
                verified, _ = await verifier.verify_presentation(request, proof, *inputs, lists)
                if verified:
                    return True
        return False

    async def _entries_at(self, rev_reg_id: RevRegDefId, times: list[int]) -> list[int]:
        """How many status list entries were in force at each time (0 before the first)."""
        return await self.ledger.chain.anoncreds.status_list_entries_at(rev_reg_id, times)

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
            inputs = (schemas, cred_defs, rev_reg_defs)
            verified, messages = await verifier.verify_presentation(
                request, proof, *inputs, rev_lists
            )
            replaced = (
                not verified
                and not messages
                and await self._verifies_with_an_earlier_list(
                    verifier, request, proof, inputs, rev_lists
                )
            )
        except Exception as exc:  # a read or the library failed: no verdict on the credential
            LOGGER.warning("presentation could not be checked: %s", exc)
            detail = f"the proof could not be checked ({exc}); ask the holder to present again"
            return verdict.note("proof", False, detail, UNVERIFIABLE)
        detail = (
            "signatures, predicates and non-revocation hold" if verified else "; ".join(messages)
        )
        code = None
        if replaced:
            code = STALE
            detail = (
                "the proof used a status list that was replaced within the same second; ask the "
                "holder to present again"
            )
        elif not verified and any(m.startswith(LIBRARY_ERROR) for m in messages):
            code = UNVERIFIABLE
        elif not verified and any(m.startswith(FAILED_FORM) for m in messages):
            code = INVALID
        return verdict.note("proof", verified, detail or "the proof does not verify", code)

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
