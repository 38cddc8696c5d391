"""Work history: the employment credential an employer issues, and the primary-source rule.

An employment record is an OB 3.0 AchievementCredential whose achievement has the extension type
``ext:EmploymentRecord``: the role (``credentialSubject.role``), the dates
(``activityStartDate``, ``activityEndDate``), the O*NET-SOC occupation (an alignment) and the
skills used (catalogue alignments with levels, as :func:`ler_badges.add_skills` writes them).

**Primary-source rule.** The state accredits colleges for what they teach; nobody accredits an
employer to say who worked for it. An employment record is trusted because its issuer is the
employer itself, the primary source: the achievement's ``creator`` is the credential's issuer.
For such a record a missing accreditation does not count against it; every other check
(signature, schema, dates, status) still must pass, and the employer must be known to the state's
ledger (a did:ler, or a did:web bound to one): anyone can make a did:key and sign a record in a
real employer's name (``ler_hiring.matching.on_the_ledger``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ler_badges import add_skills, issuer_id

from .errors import HiringInputError

__all__ = ["EMPLOYMENT_TYPE", "employment_credential", "employment_summary", "is_primary_source"]

EMPLOYMENT_TYPE = "ext:EmploymentRecord"
ONET_SOC = re.compile(r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _subject(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return subject if isinstance(subject, Mapping) else {}


def _achievement(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    achievement = _subject(credential).get("achievement")
    return achievement if isinstance(achievement, Mapping) else {}


def employment_credential(
    *,
    employer: Mapping[str, Any],
    subject_id: str,
    role: str,
    start: str,
    end: str | None = None,
    onet_code: str,
    occupation: str | None = None,
    skills: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """An unsigned employment record (``employer``: the issuer Profile, with its ``id``).

    ``skills`` as for :func:`ler_badges.add_skills`: ``{"skill": ..., "level": ...}``.
    """
    if not ONET_SOC.match(onet_code):
        raise HiringInputError(f"{onet_code!r} is not an O*NET-SOC code like 51-4011.00")
    for name, value in (("start", start), ("end", end)):
        if value is not None and not DATE.match(value):
            raise HiringInputError(f"{name} must be a date like 2024-03-01, not {value!r}")
    if not role.strip():
        raise HiringInputError("role is required")
    employer_id = employer.get("id")
    occupation_alignment = {
        "type": ["Alignment"],
        "targetType": "ext:ONetSOC",
        "targetName": occupation or onet_code,
        "targetCode": onet_code,
        "targetUrl": f"https://www.onetonline.org/link/summary/{onet_code}",
    }
    subject: dict[str, Any] = {
        "id": subject_id,
        "type": ["AchievementSubject"],
        "role": role,
        "activityStartDate": f"{start}T00:00:00Z",
        "achievement": {
            "id": f"{employer_id}#employment/{onet_code}",
            "type": ["Achievement"],
            "achievementType": EMPLOYMENT_TYPE,
            "name": f"{role} at {employer.get('name') or employer_id}",
            "description": f"Employed as {role}.",
            "criteria": {"narrative": "Employment record from the employer's own records."},
            "creator": dict(employer),
            "alignment": [occupation_alignment],
        },
    }
    if end is not None:
        subject["activityEndDate"] = f"{end}T00:00:00Z"
    credential: dict[str, Any] = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": dict(employer),
        "name": subject["achievement"]["name"],
        "credentialSubject": subject,
    }
    return add_skills(credential, skills)


def is_primary_source(credential: Mapping[str, Any]) -> bool:
    """Whether ``credential`` is an employment record issued by the employer it is about."""
    achievement = _achievement(credential)
    if achievement.get("achievementType") != EMPLOYMENT_TYPE:
        return False
    creator = achievement.get("creator")
    creator_id = creator.get("id") if isinstance(creator, Mapping) else creator
    issuer = issuer_id(credential)
    return bool(issuer) and creator_id == issuer


def employment_summary(credential: Mapping[str, Any]) -> dict[str, Any] | None:
    """Role, employer, dates and O*NET-SOC code of an employment record (else ``None``)."""
    achievement = _achievement(credential)
    if achievement.get("achievementType") != EMPLOYMENT_TYPE:
        return None
    subject = _subject(credential)
    issuer = credential.get("issuer")
    alignments = achievement.get("alignment")
    occupation = next(
        (
            a
            for a in (alignments if isinstance(alignments, list) else [])
            if isinstance(a, Mapping) and a.get("targetType") == "ext:ONetSOC"
        ),
        {},
    )
    return {
        "role": subject.get("role"),
        "employer": issuer.get("name") if isinstance(issuer, Mapping) else issuer,
        "employer_id": issuer_id(credential),
        "start": subject.get("activityStartDate"),
        "end": subject.get("activityEndDate"),
        "onet_code": occupation.get("targetCode"),
        "occupation": occupation.get("targetName"),
    }
