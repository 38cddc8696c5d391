"""The baseline: stock ACA-Py 1.7 (no plugin, no ledger) issuing W3C ``ld_proof`` credentials.

Three agents like ours (college, learner, employer), ``--wallet-type askar-anoncreds`` and
``--no-ledger``; the college signs with a ``did:key`` (Ed25519Signature2018), the learner's
``did:key`` is the credential subject, and the employer verifies a DIF presentation (present-proof
2.0 ``dif`` format) that the learner signs with that key. Every JSON-LD context used is in ACA-Py's
offline context cache (credentials v1, security v2, DIF submission v1) plus one inline context, so
nothing is fetched from the network.

A flow mirrors ours: a new college-learner connection, one issuance, a new employer-learner
connection, one verified presentation.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ler_node.network.admin import AdminClient, AdminError
from ler_node.processes import ProcessFiles, free_port

from .flowkit import ExchangeFailed, Steps, connect, keep_only_logs, poll, wait_issued

PROOF_TYPE = "Ed25519Signature2018"
VC_CONTEXT = "https://www.w3.org/2018/credentials/v1"
SKILLS_CONTEXT = {
    "SkillsCredential": "https://ler.example/vocab#SkillsCredential",
    "program": "https://ler.example/vocab#program",
    "skill": "https://ler.example/vocab#skill",
    "level": "https://ler.example/vocab#level",
    "date": "https://ler.example/vocab#date",
}
COMMON_FLAGS = [
    "--outbound-transport", "http",
    "--wallet-type", "askar-anoncreds",
    "--auto-provision",
    "--no-ledger",
    "--auto-accept-invites",
    "--auto-accept-requests",
    "--auto-ping-connection",
    "--preserve-exchange-records",
    "--log-level", "info",
]  # fmt: skip
ROLE_FLAGS = {
    "college": [],
    "learner": [
        "--auto-respond-credential-offer",
        "--auto-store-credential",
        "--auto-respond-presentation-request",
    ],
    "employer": ["--auto-verify-presentation"],
}
START_TIMEOUT = 120.0


@dataclass(frozen=True)
class StockAgent:
    """One stock ACA-Py process: ports, key and files."""

    id: str
    root: Path
    admin_port: int = field(default_factory=free_port)
    inbound_port: int = field(default_factory=free_port)
    api_key: str = field(default_factory=lambda: secrets.token_urlsafe(24))

    @property
    def process(self) -> ProcessFiles:
        """PID and log."""
        return ProcessFiles(f"stock {self.id}", self.root / "agent.pid", self.root / "agent.log")

    def admin(self) -> AdminClient:
        """Admin API client."""
        return AdminClient(self.id, f"http://127.0.0.1:{self.admin_port}", self.api_key)

    def command(self, extra_args: list[str]) -> list[str]:
        """``aca-py start`` arguments (bound to 127.0.0.1; keys come from the environment)."""
        endpoint = f"http://127.0.0.1:{self.inbound_port}"
        return [
            str(Path(sys.executable).with_name("aca-py")), "start",
            "--label", f"stock {self.id}",
            "--inbound-transport", "http", "127.0.0.1", str(self.inbound_port),
            "--endpoint", endpoint,
            "--admin", "127.0.0.1", str(self.admin_port),
            "--wallet-name", self.id,
            *COMMON_FLAGS, *ROLE_FLAGS[self.id], *extra_args,
        ]  # fmt: skip

    async def start(self, extra_args: list[str]) -> None:
        """Start the process with HOME in its own directory; wait until ready."""
        env = {
            "HOME": str(self.root),
            "ACAPY_ADMIN_API_KEY": self.api_key,
            "ACAPY_WALLET_KEY": secrets.token_urlsafe(16),
        }
        self.process.start(self.command(extra_args), env=env, cwd=self.root)
        async with self.admin() as admin:
            loop = asyncio.get_running_loop()
            until = loop.time() + START_TIMEOUT
            while not await admin.ready():
                if (error := self.process.exited_early()) is not None:
                    raise error
                if loop.time() > until:
                    raise TimeoutError(f"stock {self.id} not ready; see {self.process.log_file}")
                await asyncio.sleep(0.25)


@dataclass
class StockStack:
    """Running stock agents, their admin clients and did:key DIDs."""

    agents: dict[str, StockAgent]
    admins: dict[str, AdminClient]
    issuer_did: str = ""
    subject_did: str = ""

    @property
    def root(self) -> Path:
        """The directory holding the agents' wallets and logs."""
        return next(iter(self.agents.values())).root.parent

    def pids(self) -> dict[str, int]:
        """PIDs of the agents."""
        return {n: pid for n, a in self.agents.items() if (pid := a.process.pid()) is not None}

    async def flow(self, index: int) -> dict[str, float]:
        """One full flow; its step times, or ExchangeStuck / ExchangeFailed."""
        college, learner, employer = (self.admins[a] for a in ("college", "learner", "employer"))
        credential_id = f"urn:uuid:{uuid.uuid4()}"
        steps = Steps()
        college_conn = await connect(college, learner, f"learner-{index}")
        steps.mark("connect_college")
        await self.issue(college, college_conn, credential_id)
        steps.mark("issue")
        employer_conn = await connect(employer, learner, f"learner-{index}")
        steps.mark("connect_employer")
        await verify(employer, employer_conn, credential_id)
        steps.mark("verify")
        return steps.seconds

    async def issue(self, college: AdminClient, connection_id: str, credential_id: str) -> None:
        """Offer an ld_proof credential (did:key issuer, learner's did:key as subject)."""
        credential = {
            "@context": [VC_CONTEXT, SKILLS_CONTEXT],
            "id": credential_id,
            "type": ["VerifiableCredential", "SkillsCredential"],
            "issuer": self.issuer_did,
            "issuanceDate": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "credentialSubject": {
                "id": self.subject_did,
                "program": "Advanced Manufacturing",
                "skill": "Welding",
                "level": 4,
                "date": "20261115",
            },
        }
        try:
            offer = await college.post(
                "/issue-credential-2.0/send-offer",
                {
                    "connection_id": connection_id,
                    "auto_issue": True,
                    "auto_remove": False,
                    "filter": {
                        "ld_proof": {"credential": credential, "options": {"proofType": PROOF_TYPE}}
                    },
                },
            )
        except AdminError as exc:
            raise ExchangeFailed("issuance", str(exc)) from exc
        await wait_issued(college, offer["cred_ex_id"])


def presentation_definition(credential_id: str) -> dict[str, Any]:
    """Ask for the skill, level >= 3, holder binding, and exactly this credential (by id)."""
    subject = str(uuid.uuid4())  # field ids must be UUID4
    return {
        "id": str(uuid.uuid4()),
        "format": {"ldp_vp": {"proof_type": [PROOF_TYPE]}},
        "input_descriptors": [
            {
                "id": "skills",
                "name": "skills check",
                "schema": [{"uri": "https://www.w3.org/2018/credentials#VerifiableCredential"}],
                "constraints": {
                    "is_holder": [{"directive": "required", "field_id": [subject]}],
                    "fields": [
                        {"id": subject, "path": ["$.credentialSubject.id"]},
                        {"path": ["$.id"], "filter": {"const": credential_id}},
                        {"path": ["$.credentialSubject.skill"], "filter": {"const": "Welding"}},
                        {
                            "path": ["$.credentialSubject.level"],
                            "filter": {"type": "number", "minimum": 3},
                        },
                    ],
                },
            }
        ],
    }


async def verify(employer: AdminClient, connection_id: str, credential_id: str) -> None:
    """Request a DIF presentation and wait until the employer verified it."""
    try:
        sent = await employer.post(
            "/present-proof-2.0/send-request",
            {
                "connection_id": connection_id,
                "auto_remove": False,
                "presentation_request": {
                    "dif": {
                        "options": {"challenge": str(uuid.uuid4()), "domain": "employer"},
                        "presentation_definition": presentation_definition(credential_id),
                    }
                },
            },
        )
    except AdminError as exc:
        raise ExchangeFailed("presentation", str(exc)) from exc

    def final(record: dict[str, Any]) -> bool:
        if record["state"] == "abandoned" or record.get("error_msg"):
            raise ExchangeFailed("presentation", f"{record['state']}: {record.get('error_msg')}")
        return record["state"] == "done"

    record = await poll(
        employer, f"/present-proof-2.0/records/{sent['pres_ex_id']}", final, "presentation"
    )
    if record.get("verified") != "true":
        raise ExchangeFailed("presentation", f"not verified: {record.get('verified_msgs')}")


@asynccontextmanager
async def stock_stack(extra_args: list[str] | None = None) -> AsyncIterator[StockStack]:
    """Start the three stock agents in a temp dir, create the did:keys; stop them at the end."""
    root = Path(tempfile.mkdtemp(prefix="ler-bench-stock-"))
    agents = {name: StockAgent(name, root / name) for name in ROLE_FLAGS}
    admins = {name: agent.admin() for name, agent in agents.items()}
    try:
        for agent in agents.values():
            agent.root.mkdir(parents=True)
        await asyncio.gather(*(a.start(extra_args or []) for a in agents.values()))
        stack = StockStack(agents, admins)
        stack.issuer_did = await did_key(admins["college"])
        stack.subject_did = await did_key(admins["learner"])
        yield stack
    finally:
        for admin in admins.values():
            await admin.close()
        for agent in agents.values():
            agent.process.stop()
        keep_only_logs(root)


async def did_key(admin: AdminClient) -> str:
    """A new ed25519 did:key in the agent's wallet."""
    created = await admin.post(
        "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
    )
    return created["result"]["did"]
