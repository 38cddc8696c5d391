"""Plain words for the verifier's named checks: what each means and what to do when it fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = {
    "AchievementCredential": "An Open Badges 3.0 credential",
    "OpenBadgeCredential": "An Open Badges 3.0 credential",
    "ClrCredential": "A Comprehensive Learner Record (CLR 2.0)",
    "AnonCredsCredential": "A credential proven from the candidate's DIDComm wallet (AnonCreds)",
}
OUTCOMES = {"passed": "Passed", "failed": "Failed", "skipped": "Not checked"}


@dataclass(frozen=True)
class Words:
    """How one check reads to a person."""

    label: str
    passed: str
    failed: str
    todo: str
    skipped: str = "This check does not apply to this credential."


CHECKS = {
    "signature": Words(
        "Signature",
        "The issuer's digital signature matches: nobody has changed it since it was issued.",
        "The digital signature does not match. It was changed after it was issued, or was not "
        "issued by who it names.",
        "Do not rely on it. Ask the candidate for the file exactly as their wallet exported it.",
    ),
    "schema": Words(
        "Format",
        "It is a complete credential in the Open Badges 3.0 or CLR 2.0 format.",
        "It is not a complete Open Badges 3.0 or CLR 2.0 credential.",
        "Ask the candidate for the whole credential file, not a copy of part of it.",
    ),
    "validity": Words(
        "Dates",
        "Today is within the dates it is valid for.",
        "It has expired, or is not valid yet.",
        "Ask the candidate whether the college issued a newer credential.",
    ),
    "binding": Words(
        "Issuer's identity",
        "The college's web identity and its identity on the state ledger name each other.",
        "The college's web identity and its identity on the state ledger do not match, or could "
        "not be read.",
        "Do not rely on it until the college confirms it issued this credential.",
        "The college signs with its ledger identity directly, or the signature failed, so there "
        "was nothing to match.",
    ),
    "status": Words(
        "Not revoked or suspended",
        "The college has not revoked or suspended it.",
        "The college has revoked or suspended it, or its status could not be read.",
        "Contact the college's registrar before relying on it.",
        "The college gives no way to check whether it was revoked, or the signature failed, so "
        "its status was not looked up.",
    ),
    "accreditation": Words(
        "Issuer accredited by the state",
        "The state accredits the college for this kind of credential.",
        "The state does not accredit the college for this kind of credential, or no longer does.",
        "Treat it as coming from an unaccredited issuer, or ask the state's workforce office.",
        "Accreditation was not required for this check.",
    ),
    "skills": Words(
        "Skills",
        "It names the skills it shows, with the level reached.",
        "It names no skills.",
        "",
        "It names no skills.",
    ),
    # the named checks of an AnonCreds presentation (the verifier's LER policy, ler_ledger)
    "proof": Words(
        "Proof",
        "The wallet's proof matches the issuer's signature and shows what was asked.",
        "The proof does not match: it was changed, made from a revoked credential, or could not "
        "be checked.",
        "Do not rely on it. Make a new request and ask the candidate to answer it again.",
    ),
    "status-list-freshness": Words(
        "Not revoked, checked against the current list",
        "The proof uses the college's list of revoked credentials in force when you asked.",
        "The proof uses an out-of-date list of revoked credentials.",
        "Make a new request: the candidate's wallet answers with the current list.",
    ),
    "status-list": Words(
        "List of revoked credentials",
        "The college's list of revoked credentials could be read.",
        "The college's list of revoked credentials could not be found for the time of the proof.",
        "Make a new request and ask the candidate to answer it again.",
    ),
    "ledger": Words(
        "State ledger",
        "The state ledger could be read.",
        "The state ledger could not be reached, so nothing could be checked.",
        "Try again in a few minutes.",
    ),
}
CHECKS["issuer-accreditation"] = CHECKS["accreditation"]  # its name in an AnonCreds verdict
STATUS_CODES = {
    "revoked": "The college has revoked it.",
    "suspended": "The college has suspended it for now.",
}


def _check(check: dict[str, Any]) -> dict[str, Any]:
    name = str(check.get("name"))
    outcome = str(check.get("outcome"))
    words = CHECKS.get(name)
    if words is None:
        label, explanation, todo = name.capitalize(), str(check.get("detail") or ""), ""
    else:
        label = words.label
        explanation = {"passed": words.passed, "failed": words.failed}.get(outcome, words.skipped)
        todo = words.todo if outcome == "failed" else ""
        if outcome == "failed" and check.get("code") in STATUS_CODES:
            explanation = STATUS_CODES[check["code"]]
    return {
        "name": name,
        "outcome": outcome,
        "outcome_label": OUTCOMES.get(outcome, outcome),
        "label": label,
        "explanation": explanation,
        "todo": todo,
        "detail": check.get("detail"),
    }


def _skills_check(skills: list[dict[str, Any]]) -> dict[str, Any]:
    named = len(skills)
    check = _check({"name": "skills", "outcome": "passed" if named else "skipped"})
    if named:
        check["explanation"] = f"It names {named} {'skill' if named == 1 else 'skills'} it shows."
    return check


def _skill(skill: dict[str, Any]) -> dict[str, Any]:
    level = skill.get("level")
    return {
        "name": skill.get("name") or skill.get("url") or "an unnamed skill",
        "code": skill.get("code"),
        "level": level.get("name") if isinstance(level, dict) else (level or "not stated"),
        "framework": skill.get("framework") or "",
    }


def _title(credential: dict[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    if isinstance(achievement, dict) and isinstance(achievement.get("name"), str):
        return achievement["name"]
    return credential.get("name") if isinstance(credential.get("name"), str) else None


def explain(verdict: dict[str, Any], credential: dict[str, Any]) -> dict[str, Any]:
    """The verifier's verdict as the check page shows it."""
    skills = verdict.get("skills") or []
    groups = [{"heading": None, "checks": [_check(c) for c in verdict.get("checks", [])]}]
    groups[0]["checks"].append(_skills_check(skills))
    for index, nested in enumerate(verdict.get("credentials") or [], start=1):
        heading = f"Credential {index} in the record"
        if nested.get("issuer", {}).get("name"):
            heading += f", from {nested['issuer']['name']}"
        groups.append({"heading": heading, "checks": [_check(c) for c in nested["checks"]]})
    failed = sum(1 for g in groups for c in g["checks"] if c["outcome"] == "failed")
    issuer = verdict.get("issuer") or {}
    return {
        "verified": bool(verdict.get("verified")),
        "failed": failed,
        "kind_label": KINDS.get(str(verdict.get("kind")), "A credential of a kind not recognised"),
        "title": _title(credential),
        "issuer_name": issuer.get("name"),
        "issuer_id": issuer.get("id"),
        "groups": groups,
        "skills": [_skill(s) for s in skills],
    }
