"""The verified-skills match: a job's skills against a candidate's evidence, skill by skill.

Evidence is what verification already said (this module verifies nothing itself):

* an Open Badges 3.0 / CLR 2.0 credential with its verdict from :func:`ler_badges.verify_credential`
  (:func:`evidence_from_credential`; a CLR gives one piece of evidence per bundled credential);
* an AnonCreds presentation answering the job's proof request, with its verdict under the LER
  verification policy (:func:`evidence_from_anoncreds`);
* a skill the candidate only states (a résumé entry with no credential): :func:`self_reported`.

A piece of evidence is **trusted** when every check passed and its issuer is accredited for the
credential's type, or, for an employment record, is the employer itself and known to the state's
ledger (the primary-source rule, :mod:`.employment`). :func:`match` then rates each skill:
``proven`` (trusted evidence at the level or above), ``unverified`` (only claims that could not be
verified, each with why), or ``missing``.
The overall fit counts proven skills only, never a claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ler_badges import issuer_id

from .employment import employment_summary, is_primary_source
from .proof_requests import skill_of_referent

__all__ = [
    "Evidence",
    "SkillClaim",
    "evidence_from_anoncreds",
    "evidence_from_credential",
    "match",
    "self_reported",
]

ACCREDITED = "accredited"
PRIMARY_SOURCE = "primary-source"
SELF_ISSUED = "self-issued"  # an employment record whose employer is not on the ledger


def on_the_ledger(issuer: str | None, checks: Iterable[Mapping[str, Any]]) -> bool:
    """Whether a verified credential's issuer is known to the state's ledger.

    A did:ler resolves only from the ledger, so a signature that verified under it was made by a
    DID the ledger holds; a did:web counts when its binding to a did:ler on the ledger checked out.
    """
    if not issuer:
        return False
    if issuer.startswith("did:ler:"):
        return True
    bound = any(c.get("name") == "binding" and c.get("outcome") == "passed" for c in checks)
    return issuer.startswith("did:web:") and bound


@dataclass(frozen=True)
class SkillClaim:
    """A skill a piece of evidence speaks to: the level it records, or the predicate it proves."""

    onet_code: str
    level: int | None = None
    at_least: int | None = None


@dataclass
class Evidence:
    """One credential (or statement) and what its verification said."""

    source: str  # open-badges | clr | anoncreds | self-reported
    credential_id: str | None
    issuer: dict[str, Any]
    trust: str  # accredited | primary-source | self-issued | not-accredited | not-checked | none
    accreditation: str
    problems: list[str] = field(default_factory=list)
    skills: list[SkillClaim] = field(default_factory=list)
    employment: dict[str, Any] | None = None

    @property
    def trusted(self) -> bool:
        """Every check passed and the issuer is trusted for it."""
        return not self.problems and self.trust in (ACCREDITED, PRIMARY_SOURCE)

    def summary(self) -> dict[str, Any]:
        """What the report shows of it."""
        shown = asdict(self)
        shown["skills"] = [asdict(claim) for claim in self.skills]
        shown["trusted"] = self.trusted
        return shown


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _claims(skills: Iterable[Mapping[str, Any]]) -> list[SkillClaim]:
    claims = []
    for skill in skills:
        known = skill.get("catalogue") or {}
        if not known.get("onet_code"):
            continue  # not a catalogued skill: no job can name it
        level = skill.get("level") or {}
        claims.append(SkillClaim(known["onet_code"], _int(level.get("level"))))
    return claims


def _trust(credential: Mapping[str, Any], verdict: Mapping[str, Any]) -> tuple[str, str, list]:
    checks = [c for c in verdict.get("checks") or [] if isinstance(c, Mapping)]
    problems = [
        f"{c['name']}: {c.get('detail', '')}"
        for c in checks
        if c.get("outcome") == "failed" and c.get("name") != "accreditation"
    ]
    accreditation = next((c for c in checks if c.get("name") == "accreditation"), None)
    detail = (accreditation or {}).get("detail") or "accreditation was not checked"
    outcome = (accreditation or {}).get("outcome")
    if outcome == "passed":
        return ACCREDITED, detail, problems
    if is_primary_source(credential):
        if on_the_ledger(issuer_id(credential), checks):
            return (
                PRIMARY_SOURCE,
                "employment record issued by the employer itself (primary source): "
                "no accreditation needed",
                problems,
            )
        why = (
            "employment record issued by its employer, but the employer's DID is not on the "
            "state's ledger, so who signed it cannot be confirmed"
        )
        return SELF_ISSUED, why, [*problems, why]
    if outcome == "failed":
        return "not-accredited", detail, [*problems, f"accreditation: {detail}"]
    return "not-checked", detail, [*problems, "the issuer's accreditation was not checked"]


def evidence_from_credential(
    credential: Mapping[str, Any], verdict: Mapping[str, Any]
) -> list[Evidence]:
    """Evidence from an OB 3.0 / CLR 2.0 credential and its ``verify_credential`` verdict."""
    if verdict.get("kind") == "ClrCredential" and verdict.get("credentials"):
        subject = credential.get("credentialSubject") or {}
        nested = subject.get("verifiableCredential") if isinstance(subject, Mapping) else None
        nested = nested if isinstance(nested, list) else []
        _, _, clr_problems = _trust(credential, verdict)
        found = []
        for index, inner in enumerate(verdict["credentials"]):
            inner_credential = nested[index] if index < len(nested) else {}
            for item in evidence_from_credential(inner_credential, inner):
                item.source = "clr"
                item.problems = [*(f"CLR {p}" for p in clr_problems), *item.problems]
                found.append(item)
        return found
    trust, accreditation, problems = _trust(credential, verdict)
    return [
        Evidence(
            source="open-badges",
            credential_id=verdict.get("credential_id"),
            issuer=dict(verdict.get("issuer") or {}),
            trust=trust,
            accreditation=accreditation,
            problems=problems,
            skills=_claims(verdict.get("skills") or []),
            employment=employment_summary(credential),
        )
    ]


def evidence_from_anoncreds(
    verdict: Mapping[str, Any], proof_request: Mapping[str, Any], proof: Mapping[str, Any]
) -> list[Evidence]:
    """Evidence from an AnonCreds presentation (its request, proof and LER-policy verdict).

    Each sub-proof is a credential; a predicate whose referent names a job skill (see
    :mod:`.proof_requests`) proves that skill at ``p_value`` or above, if the verdict holds.
    """
    identifiers = proof.get("identifiers") or []
    predicates = (proof.get("requested_proof") or {}).get("predicates") or {}
    requested = proof_request.get("requested_predicates") or {}
    checks = [c for c in verdict.get("checks") or [] if isinstance(c, Mapping)]
    failed = [f"{c['name']}: {c.get('detail', '')}" for c in checks if c.get("outcome") == "failed"]
    by_index: dict[int, Evidence] = {}
    for name, answer in predicates.items():
        code = skill_of_referent(name)
        index = answer.get("sub_proof_index") if isinstance(answer, Mapping) else None
        if code is None or not isinstance(index, int) or index >= len(identifiers):
            continue
        cred_def_id = str(identifiers[index].get("cred_def_id", ""))
        issuer = cred_def_id.split("/", 1)[0]
        if index not in by_index:
            accreditation = next(
                (
                    c
                    for c in checks
                    if c.get("name") == "issuer-accreditation"
                    and str(c.get("detail", "")).startswith(f"{issuer} ")
                ),
                {},
            )
            accredited = accreditation.get("outcome") == "passed"
            problems = [] if verdict.get("verified") else failed or ["the proof did not verify"]
            by_index[index] = Evidence(
                source="anoncreds",
                credential_id=cred_def_id,
                issuer={"id": issuer, "name": None},
                trust=ACCREDITED if accredited else "not-accredited",
                accreditation=accreditation.get("detail") or "accreditation was not checked",
                problems=problems,
            )
        at_least = _int((requested.get(name) or {}).get("p_value"))
        by_index[index].skills.append(SkillClaim(code, at_least=at_least))
    return list(by_index.values())


def self_reported(onet_code: str, level: int | None, where: str) -> Evidence:
    """A skill the candidate states (``where``: e.g. the résumé entry) with nothing to verify."""
    return Evidence(
        source="self-reported",
        credential_id=None,
        issuer={"id": None, "name": "the candidate"},
        trust="none",
        accreditation="not applicable",
        problems=[f"self-reported in {where}; no credential backs it"],
        skills=[SkillClaim(onet_code, level)],
    )


def _rate(skill: Mapping[str, Any], evidence: list[Evidence]) -> dict[str, Any]:
    """One skill of the job against every piece of evidence."""
    need = int(skill["min_level"])
    proven, claims, short = [], [], []
    for item in evidence:
        for claim in item.skills:
            if claim.onet_code != skill["onet_code"]:
                continue
            shown = {
                "credential_id": item.credential_id,
                "source": item.source,
                "issuer": item.issuer,
                "trust": item.trust,
                "accreditation": item.accreditation,
                "level": claim.level,
                "at_least": claim.at_least,
            }
            reached = claim.level if claim.level is not None else claim.at_least
            if not item.trusted:
                claims.append({**shown, "why": item.problems})
            elif reached is not None and reached >= need:
                how = (
                    f"level {claim.level} recorded"
                    if claim.level is not None
                    else f"predicate level >= {claim.at_least} proven"
                )
                proven.append({**shown, "proof": how})
            else:
                why = (
                    f"proves level {reached}; the job needs {need}"
                    if reached is not None
                    else "the credential records no level for this skill"
                )
                short.append({**shown, "why": [why]})
    status = "proven" if proven else "unverified" if claims else "missing"
    detail = {
        "proven": f"proven at level {need} or above by {len(proven)} credential(s)",
        "unverified": f"claimed {len(claims)} time(s), but no claim could be verified",
        "missing": "no verified evidence at the level the job needs"
        if short
        else "no evidence at all",
    }[status]
    return {
        "skill": dict(skill),
        "status": status,
        "detail": detail,
        "proven_by": proven,
        "unverified_claims": claims,
        "below_level": short,
    }


def match(job: Mapping[str, Any], evidence: list[Evidence]) -> dict[str, Any]:
    """The match report of ``job`` (validated, see :mod:`.jobs`) against ``evidence``."""
    required = [_rate(skill, evidence) for skill in job.get("required_skills") or []]
    preferred = [_rate(skill, evidence) for skill in job.get("preferred_skills") or []]
    counts = {
        status: sum(1 for r in required if r["status"] == status)
        for status in ("proven", "unverified", "missing")
    }
    total = len(required)
    work = [
        {
            **item.employment,
            "same_occupation": item.employment.get("onet_code") == job.get("onet_code"),
            "trust": item.trust,
            "trusted": item.trusted,
            "why": item.problems,
        }
        for item in evidence
        if item.employment is not None
    ]
    return {
        "job": {"id": job.get("id"), "title": job.get("title"), "onet_code": job.get("onet_code")},
        "fit": {
            "required": total,
            **counts,
            "score": round(counts["proven"] / total, 3) if total else 0.0,
            "meets_all_required": total > 0 and counts["proven"] == total,
            "preferred": len(preferred),
            "preferred_proven": sum(1 for r in preferred if r["status"] == "proven"),
            "rule": "only trusted, verified evidence counts; an unverifiable claim never does",
        },
        "required_skills": required,
        "preferred_skills": preferred,
        "work_history": work,
        "evidence": [item.summary() for item in evidence],
    }
