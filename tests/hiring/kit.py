"""Credentials for hiring tests: signed for real, verified by ler_badges' own checks.

Only where keys, status and accreditations come from is a stand-in (as in tests/badges).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ler_badges import (
    Check,
    ResolvedKey,
    StatusEntry,
    add_proof,
    add_skills,
    did_key_resolver,
    did_key_verification_method,
    local_signer,
    public_key_of,
    verify_credential,
)
from ler_badges.multikey import did_key_from_public_key
from ler_hiring.employment import employment_credential
from ler_hiring.jobs import validate_job

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@dataclass(frozen=True)
class Signer:
    """A did:key issuer, or one with a did:ler (its key then comes from :data:`LEDGER`)."""

    seed: bytes
    name: str
    ledger_did: str | None = None

    @property
    def did(self) -> str:
        return self.ledger_did or did_key_from_public_key(public_key_of(self.seed))

    @property
    def method(self) -> str:
        if self.ledger_did:
            return f"{self.ledger_did}#key-1"
        return did_key_verification_method(public_key_of(self.seed))

    def profile(self) -> dict[str, Any]:
        return {"id": self.did, "type": ["Profile"], "name": self.name}

    async def sign(self, credential: dict[str, Any]) -> dict[str, Any]:
        return await add_proof(
            credential, sign=local_signer(self.seed), verification_method=self.method
        )


COLLEGE = Signer(bytes(range(32)), "Prairie Ridge Community College")
DIPLOMA_MILL = Signer(bytes(range(1, 33)), "Quick Diplomas LLC")
EMPLOYER = Signer(
    bytes(range(2, 34)),
    "Crossroads Precision Manufacturing",
    "did:ler:local:0x2222222222222222222222222222222222222222",
)
#: a did:key made up to sign in the employer's name (nothing on the ledger knows it)
IMPOSTOR = Signer(bytes(range(3, 35)), "Crossroads Precision Manufacturing")
#: the keys of the did:ler DIDs above, as the state's ledger holds them
LEDGER = {EMPLOYER.did: public_key_of(EMPLOYER.seed)}


def resolve_locally(verification_method: str) -> bytes:
    """The key of a did:key, or of a did:ler of :data:`LEDGER`."""
    did = verification_method.split("#")[0]
    return LEDGER[did] if did in LEDGER else did_key_resolver(verification_method)


@dataclass
class Environment:
    """did:key keys, no status lists, accreditations from a set, a fixed time."""

    accredited: set[tuple[str, str]] = field(default_factory=set)
    require_accreditation: bool = True

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        return ResolvedKey(resolve_locally(verification_method), verification_method.split("#")[0])

    async def check_status(self, issuer: str, entry: StatusEntry, **_: Any) -> Check:
        return Check.passed("status", "valid")

    async def check_binding(self, did_web: str) -> tuple[Check, str | None]:
        return Check.failed("binding", "unbound", "no did:web here"), None

    async def check_accreditation(self, issuer: str, credential_type: str) -> Check:
        if (issuer, credential_type) in self.accredited:
            return Check.passed("accreditation", f"{issuer} is accredited for {credential_type}")
        return Check.failed(
            "accreditation", "not-accredited", f"{issuer} is not accredited for {credential_type}"
        )

    def now(self) -> datetime:
        return NOW


def environment() -> Environment:
    return Environment(accredited={(COLLEGE.did, "Certificate")})


def badge(
    issuer: Signer, skills: list[dict], name: str = "CNC Machining I", **changes: Any
) -> dict:
    slug = name.lower().replace(" ", "-")
    credential = {
        "@context": CONTEXT,
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, issuer.did + name)}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.profile(),
        "validFrom": "2026-05-01T00:00:00Z",
        "name": name,
        "credentialSubject": {
            "id": "did:key:z6MkjLearner",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://college.example/achievements/{slug}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": name,
                "description": "Sets up and runs a three-axis mill.",
                "criteria": {"narrative": "Passed the practical assessment."},
            },
        },
    }
    credential.update(changes)
    return add_skills(credential, skills)


def employment(
    skills: list[dict], issuer: Signer = EMPLOYER, creator: Signer | None = None
) -> dict:
    credential = employment_credential(
        employer=(creator or issuer).profile(),
        subject_id="did:key:z6MkjLearner",
        role="Machinist",
        start="2023-04-01",
        end="2025-06-30",
        onet_code="51-4041.00",
        occupation="Machinists",
        skills=skills,
    )
    credential["issuer"] = issuer.profile()
    credential["id"] = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, issuer.did + 'employment')}"
    credential["validFrom"] = "2025-07-01T00:00:00Z"
    return credential


async def verified(credential: dict, env: Environment | None = None) -> dict:
    """The verdict ``verify_credential`` gives, as the match route passes it on."""
    return (await verify_credential(credential, env or environment())).as_dict()


def machinist_job() -> dict[str, Any]:
    return validate_job(
        {
            "title": "CNC Machinist",
            "onet_code": "51-4041.00",
            "required_skills": [
                {"skill": "2.B.3.k", "min_level": 3},
                {"skill": "Mathematics", "min_level": "Developing"},
                {"skill": "2.A.1.a", "min_level": 2},
            ],
            "preferred_skills": [{"skill": "2.B.3.a", "min_level": 1}],
        }
    )
