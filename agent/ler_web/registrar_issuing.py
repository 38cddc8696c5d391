"""Issuing one credential of a defined type to one learner, and what the learner is sent.

The college agent opens a VC-API issuance exchange (``/ler/badges/vc-api/exchanges/issuance``)
for a template built from the credential type (``/ler/badges/credential-types``): the learner's
wallet claims the credential with the link or QR code; an e-mail text carries the link. Issuing
one learner and each row of a batch go through :func:`issue_to`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from .agent_calls import AgentApi
from .app_keys import SETTINGS

#: How long an invitation link works: a week, the longest the college agent allows.
LINK_SECONDS = 7 * 24 * 3600
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")


@dataclass(frozen=True)
class Handover:
    """What a learner gets for one credential: a link, its QR code and an e-mail to send."""

    learner: str
    email: str
    type_name: str
    link: str
    qr_text: str  # what its QR code holds (see :func:`qr_code`)
    email_subject: str
    email_body: str
    expires: str


def college_name(request: web.Request) -> str:
    """The college this console issues for, as learners know it."""
    link = request.app[SETTINGS].agent("registrar")
    return (link.name if link and link.name else "") or "Your college"


async def credential_types(college: AgentApi) -> list[dict[str, Any]]:
    """The college's credential types, by name."""
    return (await college.get("/ler/badges/credential-types"))["results"]


def check_email(value: str) -> str | None:
    """The e-mail address tidied, or None if it does not look like one."""
    email = value.strip()
    return email if len(email) <= 254 and EMAIL.match(email) else None


def _identifier(email: str) -> dict[str, Any]:
    """The learner's e-mail as an OB 3.0 IdentityObject, salted and hashed (not in clear)."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email.lower() + salt).encode("utf-8")).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


def template_for(
    credential_type: dict[str, Any], email: str, levels: dict[str, int] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The credential template and skills of ``credential_type`` for the learner at ``email``.

    ``levels`` (O*NET code -> level) replaces the type's usual level of a skill.
    """
    template = {
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identifier(email)],
            "achievement": credential_type["achievement"],
        }
    }
    skills = [
        {"skill": s["skill"], "level": (levels or {}).get(s["skill"], s["level"])}
        for s in credential_type["skills"]
    ]
    return template, skills


def _expiry(expires_at: str | None) -> str:
    try:
        return datetime.fromisoformat(str(expires_at)).strftime("%-d %B %Y")
    except ValueError:
        return "a week from now"


def email_text(college: str, learner: str, type_name: str, link: str, expires: str) -> str:
    """A plain e-mail a registrar can send as it is."""
    return (
        f"Dear {learner},\n\n"
        f"{college} has issued you a digital credential: {type_name}.\n\n"
        f"To add it to your digital wallet, open this link on your phone or computer before "
        f"{expires}:\n\n{link}\n\n"
        "Only the first wallet that opens the link receives the credential, so please do not "
        "share this e-mail. If the link has expired, ask us for a new one.\n\n"
        f"If you did not expect this message, contact the registrar's office of {college}.\n\n"
        f"Registrar's office, {college}\n"
    )


async def issue_to(
    college: AgentApi,
    college_label: str,
    credential_type: dict[str, Any],
    learner: str,
    email: str,
    levels: dict[str, int] | None = None,
) -> Handover:
    """Open an issuance exchange for one learner; raises :class:`AgentCallError` if refused.

    Nothing reaches the learner unless this returns: a refused or unanswered call leaves no link
    anyone holds (an exchange the agent may still have made expires unclaimed).
    """
    template, skills = template_for(credential_type, email, levels)
    exchange = await college.post(
        "/ler/badges/vc-api/exchanges/issuance",
        {"credential": template, "skills": skills, "ttl_seconds": LINK_SECONDS},
    )
    link = exchange["interaction_url"]
    expires = _expiry(exchange.get("expires_at"))
    return Handover(
        learner=learner,
        email=email,
        type_name=credential_type["name"],
        link=link,
        qr_text=exchange.get("qr_text") or link,
        email_subject=f"Your {credential_type['name']} credential from {college_label}",
        email_body=email_text(college_label, learner, credential_type["name"], link, expires),
        expires=expires,
    )
