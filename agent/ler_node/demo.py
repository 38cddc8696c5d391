"""The LER story on a running network, one narrated and timed step at a time.

1. The state accredits a community college for a credential type.
2. The college's DID is on the ledger (endorsed by the state); it publishes a schema and a
   revocable credential definition for a skills credential.
3. A learner connects and receives two skills credentials (and, when the network has the state's
   hosted agent, a learner without an agent of their own, a tenant of it, shows a skill).
4. An employer asks for proof of a skill at a minimum level, from an accredited issuer, not
   revoked; it learns only what it asked for.
5. The college revokes one credential; the employer's next check fails and says why.
6. The state withdraws the accreditation; the employer's check now reports it.
7. The college issues an Open Badge over VC-API to a learner's wallet (a did:key wallet, as
   Learner Credential Wallet is: :mod:`.vcapi_wallet`).
8. An employer asks that wallet for the badge over VC-API and verifies it, the college found in
   the issuer registry the state publishes.
9. Skills-based hiring: the employer posts a job; the college issues the learner an Open Badge
   with skills; the learner applies with an LER résumé exported from its wallet; the employer
   sees the verified match, skill by skill (``ler_hiring``).

Every step checks what it should have achieved; :class:`StoryError` says which did not.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from .errors import LerNodeError
from .network import flows
from .network.admin import AdminClient, quoted
from .network.agents import AgentHome
from .network.hosting import Hosting
from .network.launcher import NetworkInfo, connect
from .network.local_tls import tls_files
from .network.spec import NetworkSpec
from .vcapi_wallet import VcApiWallet

CREDENTIAL_TYPE = "SkillsCredential"
SKILL_ATTRIBUTES = ["program", "skill", "skill_code", "level", "date"]
WELDING = {
    "program": "Advanced Manufacturing Technician",
    "skill": "Welding",
    "skill_code": "O*NET 2.B.3.a",
    "level": "4",
}
BLUEPRINTS = {**WELDING, "skill": "Blueprint Reading", "skill_code": "O*NET 2.A.1.a", "level": "3"}
EXCHANGES = "/ler/badges/vc-api/exchanges"
BADGE_TYPE = "Certificate"  # the badge's achievementType, the credential type accredited for it
BADGE = {
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "credentialSubject": {
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://prairieridge.example/achievements/cnc-1",
            "type": ["Achievement"],
            "name": "CNC Machining I",
            "description": "Sets up and runs a three-axis CNC mill.",
            "criteria": {"narrative": "Passed the practical and written assessments."},
            "achievementType": BADGE_TYPE,
        },
    },
}


class StoryError(LerNodeError):
    """A step of the story did not behave as described."""


Narrate = Callable[[str], None]


@dataclass
class Cast:
    """The agents of the story and their admin clients."""

    state: AdminClient
    college: AdminClient
    learner: AdminClient
    employer: AdminClient
    college_did: str
    http: aiohttp.ClientSession  # the learner's VC-API wallet's (trusts the network's test CA)
    awarded: str = ""
    hosting: Hosting | None = None  # the state's hosted agent, if the network has one


async def _step(narrate: Narrate, number: int, title: str, action: Awaitable[str]) -> None:
    start = time.perf_counter()
    outcome = await action
    narrate(f"{number}. {title}: {outcome} ({time.perf_counter() - start:.2f} s)")


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise StoryError(message)


async def _credential_type(cast: Cast) -> flows.CredentialType:
    """The college's skills credential type, published once."""
    listed = await cast.college.get("/anoncreds/credential-definitions", issuer_id=cast.college_did)
    for cred_def_id in listed["credential_definition_ids"]:
        cred_def = await cast.college.get(f"/anoncreds/credential-definition/{quoted(cred_def_id)}")
        schema_id = cred_def["credential_definition"]["schemaId"]
        if f"/SCHEMA/{CREDENTIAL_TYPE}/" in schema_id:
            return flows.CredentialType(schema_id, cred_def_id)
    return await flows.publish_credential_type(
        cast.college, cast.college_did, name=CREDENTIAL_TYPE, attributes=SKILL_ATTRIBUTES
    )


async def run_story(spec: NetworkSpec, data_dir: Path, narrate: Narrate = print) -> dict[str, Any]:
    """Tell the story on a network brought up by ``network_up``; returns what happened."""
    info = NetworkInfo.load(data_dir)
    ids = {role: spec.by_role(role)[0].id for role in ("endorser", "issuer", "holder", "verifier")}
    async with AsyncExitStack() as stack:
        clients = {
            role: await stack.enter_async_context(
                AgentHome(data_dir, next(a for a in spec.agents if a.id == agent_id)).admin()
            )
            for role, agent_id in ids.items()
        }
        college_did = info.agent(ids["issuer"]).did
        _expect(bool(college_did), "the college has no public DID; run `ler-node network up` first")
        trust = ssl.create_default_context(cafile=str(tls_files(data_dir).ca_file))
        http = await stack.enter_async_context(
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=trust), timeout=aiohttp.ClientTimeout(total=60)
            )
        )
        cast = Cast(
            clients["endorser"],
            clients["issuer"],
            clients["holder"],
            clients["verifier"],
            college_did,
            http,
        )
        hosted = [a for a in spec.agents if a.multitenant]
        if hosted:
            cast.hosting = await stack.enter_async_context(
                Hosting.of(AgentHome(data_dir, hosted[0]))
            )
        return await _tell(cast, narrate)


async def _tell(cast: Cast, narrate: Narrate) -> dict[str, Any]:
    story: dict[str, Any] = {}

    async def accredit() -> str:
        await flows.set_accreditation(cast.state, cast.college_did, CREDENTIAL_TYPE, "accredit")
        status = await cast.state.get(
            f"/ler/accreditations/{cast.college_did}", credential_type=CREDENTIAL_TYPE
        )
        _expect(status["results"][0]["accredited"], "the accreditation did not take effect")
        return f"{cast.college_did} may issue {CREDENTIAL_TYPE}"

    async def publish() -> str:
        endorsed = await cast.state.get("/ler/endorsement/requests", role="endorser")
        anchored = [r for r in endorsed["results"] if r["object_id"] == cast.college_did]
        _expect(
            any(r["state"] == "endorsed" for r in anchored),
            "the college's DID was not anchored through the state's endorser",
        )
        story["type"] = await _credential_type(cast)
        return (
            f"DID endorsed by the state; schema {story['type'].schema_id.rsplit('/', 2)[-2]} and "
            "a revocable credential definition on the ledger"
        )

    async def issue() -> str:
        college_conn, _ = await connect(cast.college, cast.learner, "learner")
        story["college_conn"] = college_conn
        cred_def_id = story["type"].cred_def_id
        # the award time tells this run's credentials apart from earlier runs' ones
        cast.awarded = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        story["welding"] = await flows.issue_credential(
            cast.college, college_conn, cred_def_id, {**WELDING, "date": cast.awarded}
        )
        story["blueprints"] = await flows.issue_credential(
            cast.college,
            college_conn,
            cred_def_id,
            {**BLUEPRINTS, "date": cast.awarded},
        )
        return "the learner holds Welding (level 4) and Blueprint Reading (level 3)"

    async def prove() -> str:
        employer_conn, _ = await connect(cast.employer, cast.learner, "learner")
        story["employer_conn"] = employer_conn
        verdict = await _check(cast, story, "Welding", 4)
        _expect(verdict["verified"], f"the proof did not verify: {verdict['reasons']}")
        _expect(
            verdict["revealed"] == {"skill": {"skill": "Welding", "date": cast.awarded}},
            f"the employer learned more than it asked: {verdict['revealed']}",
        )
        return "verified: Welding at level >= 4, accredited issuer, not revoked (level not shown)"

    async def hosted_learner() -> str:
        assert cast.hosting is not None
        tenant = await cast.hosting.create("Avery Hosted")
        async with cast.hosting.as_tenant(tenant) as wallet:
            college_conn, _ = await connect(cast.college, wallet, "hosted learner")
            await flows.issue_credential(
                cast.college,
                college_conn,
                story["type"].cred_def_id,
                {**WELDING, "date": cast.awarded},
            )
            employer_conn, learner_conn = await connect(cast.employer, wallet, "hosted learner")
            # the hosted agent answers nothing by itself: the learner shares what the plan shows
            async with asyncio.TaskGroup() as both:
                asking = both.create_task(_check(cast, story, "Welding", 4, employer_conn))
                both.create_task(flows.share_requested_proof(wallet, learner_conn))
        verdict = asking.result()
        _expect(
            verdict["verified"], f"the hosted learner's proof did not verify: {verdict['reasons']}"
        )
        return (
            f"learner tenant {tenant.wallet_id[:8]}... of the state's hosted agent (PostgreSQL) "
            "holds Welding; the employer verified it"
        )

    async def revoke() -> str:
        reason = "The welding assessment was scored in error; retake it to be issued again."
        update = await flows.revoke(cast.college, story["welding"], reason)
        _expect(update["state"] == "done", f"the revocation was not published: {update}")
        verdict = await _check(cast, story, "Welding", 4)
        _expect(not verdict["verified"], "a revoked credential still verified")
        _expect("revoked" in verdict["reasons"], f"wrong reason: {verdict['reasons']}")
        return (
            f"the employer's check now fails: {', '.join(verdict['reasons'])}; "
            f"the learner was told why: {reason!r}"
        )

    async def withdraw() -> str:
        await flows.set_accreditation(
            cast.state, cast.college_did, CREDENTIAL_TYPE, "withdraw", "accreditation lapsed"
        )
        verdict = await _check(cast, story, "Blueprint Reading", 3)
        _expect(not verdict["verified"], "a credential of an unaccredited issuer still verified")
        _expect(
            verdict["reasons"] == ["issuer-not-accredited"], f"wrong reason: {verdict['reasons']}"
        )
        return "the employer's check of Blueprint Reading reports: issuer-not-accredited"

    async def badge() -> str:
        await flows.set_accreditation(cast.state, cast.college_did, BADGE_TYPE, "accredit")
        offer = await cast.college.post(f"{EXCHANGES}/issuance", {"credential": BADGE})
        wallet = story["wallet"] = VcApiWallet()
        answer = await wallet.run(cast.http, offer["lcw_request_url"])
        [received] = answer["verifiablePresentation"]["verifiableCredential"]
        _expect(received["credentialSubject"]["id"] == wallet.did, "the badge is not the wallet's")
        story["badge"] = received
        return f"{wallet.did[:24]}... holds {BADGE['credentialSubject']['achievement']['name']}"

    async def verify_badge() -> str:
        issuer = story["badge"]["issuer"]["id"]
        location = await cast.state.get("/ler/badges/issuer-registry")
        async with cast.http.get(location["url"]) as response:
            _expect(response.status == 200, f"the state's registry answered {response.status}")
            registry = await response.json()
        entry = registry["registry"].get(issuer)
        _expect(entry is not None, f"{issuer} is not in the state's issuer registry")
        types = [a["credentialType"] for a in entry["accreditations"]]
        also = ", ".join(d for d in entry.get("dids", []) if d != issuer) or "-"
        narrate(f"   registry {location['url']}: {issuer} (also {also}), accredited {types}")
        asked = await cast.employer.post(
            f"{EXCHANGES}/presentation", {"achievement_type": BADGE_TYPE}
        )
        await story["wallet"].run(cast.http, asked["interaction_url"])
        shown = await cast.employer.get(f"{EXCHANGES}/{asked['exchange_id']}")
        verdict = shown.get("verdict") or {}
        _expect(shown["state"] == "done", f"the exchange did not end done: {shown}")
        _expect(bool(shown["verified"]), f"the badge did not verify: {verdict.get('reasons')}")
        return "verified over VC-API: signature, status, accredited issuer, shown by its learner"

    async def hire() -> str:
        return await _hire(cast, story["college_conn"])

    steps = [
        ("The state accredits the college", accredit),
        ("The college publishes its skills credential", publish),
        ("A learner connects and receives credentials", issue),
        ("An employer checks a skill", prove),
        *(
            [("A learner without an agent, hosted by the state, shows a skill", hosted_learner)]
            if cast.hosting is not None
            else []
        ),
        ("The college revokes the Welding credential", revoke),
        ("The state withdraws the college's accreditation", withdraw),
        ("A learner's VC-API wallet receives an Open Badge", badge),
        ("An employer verifies the badge over VC-API", verify_badge),
        ("An employer posts a job; the learner applies with an LER résumé", hire),
    ]
    for number, (title, action) in enumerate(steps, start=1):
        await _step(narrate, number, title, action())
    return story


JOB = {
    "title": "CNC Machinist",
    "onet_code": "51-4041.00",
    "required_skills": [
        {"skill": "2.B.3.k", "min_level": "Proficient"},
        {"skill": "2.A.1.e", "min_level": 2},
    ],
}


async def _hire(cast: Cast, college_conn: str) -> str:
    """Job, badge with skills, résumé, verified match (step 9)."""
    job = await cast.employer.post("/ler/hiring/jobs", JOB)
    subject = await cast.learner.post(
        "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
    )
    badge = {
        **BADGE,
        "credentialSubject": {**BADGE["credentialSubject"], "id": subject["result"]["did"]},
    }
    offer = await cast.college.post(
        "/ler/badges/credentials/send-offer",
        {
            "connection_id": college_conn,
            "credential": badge,
            "skills": [{"skill": "2.B.3.k", "level": 3}],
        },
    )
    issued = await cast.college.wait_for(
        f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
        lambda r: r["cred_ex_record"]["state"] in ("done", "abandoned"),
        what="the badge's issuance",
    )
    _expect(issued["cred_ex_record"]["state"] == "done", "the badge was not issued")
    deadline = time.monotonic() + 30
    found: dict[str, Any] = {"results": []}
    while not found["results"] and time.monotonic() < deadline:
        found = await cast.learner.post("/credentials/w3c", {"given_id": offer["credential_id"]})
        await asyncio.sleep(0 if found["results"] else 0.2)
    _expect(bool(found["results"]), "the learner's wallet did not store the badge")
    resume = await cast.learner.post(
        "/ler/hiring/resumes/export",
        {
            "person": {"name": {"formattedName": "Jordan Rivera"}},
            "record_ids": [found["results"][0]["record_id"]],
            "skills": [{"name": "Mathematics", "level": 3}],
        },
    )
    report = await cast.employer.post(f"/ler/hiring/jobs/{job['job_id']}/match", {"resume": resume})
    statuses = {r["skill"]["name"]: r["status"] for r in report["required_skills"]}
    _expect(
        statuses == {"Troubleshooting": "proven", "Mathematics": "unverified"},
        f"unexpected match: {statuses}",
    )
    return (
        f"match {report['fit']['proven']}/{report['fit']['required']}: Troubleshooting proven "
        "by the college's badge (accredited), Mathematics only stated (not counted)"
    )


async def _check(
    cast: Cast, story: dict[str, Any], skill: str, level: int, connection: str | None = None
) -> dict[str, Any]:
    """The employer asks ``connection`` (else the story's learner) for ``skill`` at ``level``+."""
    request = flows.skill_proof_request(story["type"].cred_def_id, min_level=level)
    # This run's credential (earlier runs' ones stay in the wallet): its skill and award time,
    # revealed together, since ACA-Py checks value restrictions against revealed values only.
    restriction = {
        **request["requested_attributes"]["skill"]["restrictions"][0],
        "attr::skill::value": skill,
        "attr::date::value": cast.awarded,
    }
    request["requested_attributes"] = {
        "skill": {"names": ["skill", "date"], "restrictions": [restriction]},
    }
    request["requested_predicates"]["level"]["restrictions"] = [restriction]
    return await flows.request_proof(cast.employer, connection or story["employer_conn"], request)
