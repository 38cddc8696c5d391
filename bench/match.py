"""Verified-skills match benchmark: an LER résumé with 50 embedded credentials against a job.

Everything runs in process, with the real code: each credential is an OB 3.0 AchievementCredential
with two catalogued skills, signed (eddsa-rdfc-2022) by one of five did:key colleges; verification
is ``ler_badges.verify_credential`` (signature, schema, dates, status, accreditation) with keys
from did:key and accreditations from a set, so no ledger or network time is in the figures.

The **baseline**, measured in the same run on the same credentials, is what an employer's agent
already did before ``ler_hiring``: verify each credential. The measured path adds reading the
résumé, turning verdicts into evidence and the match itself; the report gives both, their ratio,
and the match step alone. Rounds alternate baseline and measured, so drift hits both alike.

    python -m bench.match [--credentials 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ler_badges import (
    Check,
    ResolvedKey,
    StatusEntry,
    add_proof,
    add_skills,
    catalogue,
    did_key_resolver,
    did_key_verification_method,
    local_signer,
    public_key_of,
    verify_credential,
)
from ler_badges.multikey import did_key_from_public_key
from ler_hiring.jobs import validate_job
from ler_hiring.matching import evidence_from_credential, match, self_reported
from ler_hiring.resume import read_resume, resume_document

NOW = datetime(2026, 6, 1, tzinfo=UTC)
COLLEGES = [bytes([n]) * 32 for n in range(1, 6)]


@dataclass
class Environment:
    """did:key keys, no status lists, accreditations from a set, a fixed time."""

    accredited: set[str] = field(default_factory=set)
    require_accreditation: bool = True

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        """The did:key's own key."""
        key = did_key_resolver(verification_method)
        return ResolvedKey(key, verification_method.split("#")[0])

    async def check_status(self, issuer: str, entry: StatusEntry, **_: Any) -> Check:
        """No credential here has a status entry."""
        return Check.passed("status", "valid")

    async def check_binding(self, did_web: str) -> tuple[Check, str | None]:
        """No did:web issuer here."""
        return Check.failed("binding", "unbound", did_web), None

    async def check_accreditation(self, issuer: str, credential_type: str) -> Check:
        """Accredited if listed."""
        return Check.of("accreditation", issuer in self.accredited, issuer, "not-accredited")

    def now(self) -> datetime:
        """A fixed time."""
        return NOW


async def credentials(count: int) -> list[dict[str, Any]]:
    """``count`` signed credentials, two catalogued skills each, from five colleges."""
    skills = catalogue()
    made = []
    for index in range(count):
        seed = COLLEGES[index % len(COLLEGES)]
        key = public_key_of(seed)
        issuer = did_key_from_public_key(key)
        credential = {
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            ],
            "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"],
            "issuer": {"id": issuer, "type": ["Profile"], "name": f"College {index % 5}"},
            "validFrom": "2026-01-01T00:00:00Z",
            "name": f"Course {index}",
            "credentialSubject": {
                "id": "did:key:z6MkBenchLearner",
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": f"https://college.example/achievements/{index}",
                    "type": ["Achievement"],
                    "achievementType": "Certificate",
                    "name": f"Course {index}",
                    "description": "A course.",
                    "criteria": {"narrative": "Passed."},
                },
            },
        }
        picked = [skills[(2 * index) % len(skills)], skills[(2 * index + 1) % len(skills)]]
        add_skills(credential, [{"skill": s.onet_code, "level": 1 + index % 4} for s in picked])
        method = did_key_verification_method(key)
        made.append(
            await add_proof(credential, sign=local_signer(seed), verification_method=method)
        )
    return made


def job() -> dict[str, Any]:
    """A job needing eight skills at levels 2-3, preferring four more."""
    skills = catalogue()
    return validate_job(
        {
            "title": "Benchmark role",
            "onet_code": "51-4041.00",
            "required_skills": [
                {"skill": s.onet_code, "min_level": 2 + i % 2} for i, s in enumerate(skills[:8])
            ],
            "preferred_skills": [{"skill": s.onet_code, "min_level": 1} for s in skills[8:12]],
        }
    )


async def baseline(items: list[dict[str, Any]], env: Environment) -> float:
    """Seconds to verify every credential (no résumé, no match)."""
    start = time.perf_counter()
    for credential in items:
        await verify_credential(credential, env)
    return time.perf_counter() - start


async def measured(
    document: dict[str, Any], posting: dict[str, Any], env: Environment
) -> tuple[float, float, dict[str, Any]]:
    """Seconds for read + verify + match, seconds of the match step alone, and the report."""
    start = time.perf_counter()
    resume = read_resume(document)
    evidence = [self_reported(code, level, "the résumé") for code, level in resume.stated_skills]
    verdicts = []
    for credential in resume.credentials:
        verdicts.append((credential, (await verify_credential(credential, env)).as_dict()))
    matched = time.perf_counter()
    for credential, verdict in verdicts:
        evidence += evidence_from_credential(credential, verdict)
    report = match(posting, evidence)
    end = time.perf_counter()
    return end - start, end - matched, report


async def run(count: int, rounds: int) -> dict[str, Any]:
    """Alternate baseline and measured rounds; medians and ratios."""
    items = await credentials(count)
    env = Environment({did_key_from_public_key(public_key_of(seed)) for seed in COLLEGES[:4]})
    document = resume_document(
        {"name": {"formattedName": "Bench Learner"}},
        items,
        skills=[{"name": "Writing", "level": 3}],
    )
    posting = job()
    await measured(document, posting, env)  # warm caches (contexts, schema validators)
    base, full, step = [], [], []
    report: dict[str, Any] = {}
    for _ in range(rounds):
        base.append(await baseline(items, env))
        total, matching, report = await measured(document, posting, env)
        full.append(total)
        step.append(matching)
    median_base, median_full = statistics.median(base), statistics.median(full)
    return {
        "benchmark": "match",
        "credentials": count,
        "rounds": rounds,
        "baseline_verify_only_s": round(median_base, 4),
        "resume_verify_match_s": round(median_full, 4),
        "match_step_only_ms": round(statistics.median(step) * 1000, 3),
        "ratio_to_baseline": round(median_full / median_base, 3),
        "per_credential_ms": round(median_full / count * 1000, 3),
        "fit": report["fit"],
    }


def main() -> None:
    """Parse arguments, run, print JSON (also saved under bench/results/)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results = asyncio.run(run(args.credentials, args.rounds))
    text = json.dumps(results, indent=2)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "match.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
