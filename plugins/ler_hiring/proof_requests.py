"""The AnonCreds proof request a job needs, and only that (data minimisation).

For each required skill the request has one predicate: the credential's ``level`` is at least the
job's minimum, from a skills credential whose ``skill_code`` is that skill's O*NET code. The only
value revealed is that ``skill_code``, which the job already names (ACA-Py checks a value
restriction against revealed values only): the employer learns that the skill was certified at
that level or above, by an issuer the verification policy then checks for accreditation.
:func:`job_proof_request` also says, in plain words, what the request does not ask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CredentialShape", "job_proof_request", "referent", "skill_of_referent"]

PREFIX = "level:"
CODE_PREFIX = "skill:"


@dataclass(frozen=True)
class CredentialShape:
    """How the network's AnonCreds skills credentials are laid out (the demo's by default)."""

    schema_name: str = "SkillsCredential"
    code_attribute: str = "skill_code"
    level_attribute: str = "level"
    code_prefix: str = "O*NET "


def referent(onet_code: str) -> str:
    """The referent of a skill's level predicate in a job's request."""
    return PREFIX + onet_code


def skill_of_referent(name: str) -> str | None:
    """The O*NET code a referent of a job's request stands for, if it is one."""
    return name.removeprefix(PREFIX) if name.startswith(PREFIX) else None


def job_proof_request(
    job: Mapping[str, Any],
    *,
    shape: CredentialShape = CredentialShape(),
    non_revoked_at: int | None = None,
) -> dict[str, Any]:
    """``proof_request`` (AnonCreds), ``asks`` and ``does_not_ask`` for a validated job.

    ``non_revoked_at``: the time (ledger seconds) the credentials must not be revoked at.
    """
    attributes: dict[str, Any] = {}
    predicates: dict[str, Any] = {}
    asks = []
    for skill in job.get("required_skills") or []:
        restriction = {
            "schema_name": shape.schema_name,
            f"attr::{shape.code_attribute}::value": shape.code_prefix + skill["onet_code"],
        }
        # a group (``names``): anoncreds-rs checks a predicate's value restriction against the
        # revealed attribute groups of the same credential
        attributes[CODE_PREFIX + skill["onet_code"]] = {
            "names": [shape.code_attribute],
            "restrictions": [restriction],
        }
        predicates[referent(skill["onet_code"])] = {
            "name": shape.level_attribute,
            "p_type": ">=",
            "p_value": int(skill["min_level"]),
            "restrictions": [restriction],
        }
        asks.append(
            f"{skill['name']} ({skill['onet_code']}) at level {skill['min_level']} "
            f"({skill['min_level_name']}) or above, proven without showing the level"
        )
    request: dict[str, Any] = {
        "name": f"Skills for {job.get('title', 'a job')}"[:200],
        "version": "1.0",
        "requested_attributes": attributes,
        "requested_predicates": predicates,
    }
    if non_revoked_at is not None:
        request["non_revoked"] = {"from": non_revoked_at, "to": non_revoked_at}
    preferred = [s["name"] for s in job.get("preferred_skills") or []]
    does_not_ask = [
        "the candidate's name, contact details, date of birth or any other personal data",
        "the exact level reached (only that it is at least the minimum)",
        "any attribute but the skill code, which the job already names",
        "which program, course or college, and when (the issuer is checked, not shown)",
        "any credential or skill the job does not require",
    ]
    if preferred:
        does_not_ask.append(
            "the preferred skills (" + ", ".join(preferred) + "): a proof request cannot make a "
            "skill optional, so they are matched only on what the candidate chooses to share "
            "(a résumé or Open Badges)"
        )
    return {"proof_request": request, "asks": asks, "does_not_ask": does_not_ask}
