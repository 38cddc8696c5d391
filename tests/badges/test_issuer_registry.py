"""The state's issuer registry: the DCC registry format, built from the ledger, signed, served."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import yaml

from ler_badges import verify_proof
from ler_badges.acapy.environment import AgentEnvironment
from ler_badges.acapy.service import BadgesService
from ler_badges.issuer_registry import RegisteredIssuer, issuer_registry
from ler_chain import LedgerClient
from ler_node.network.registry_profiles import write_registry_profiles
from ler_node.network.spec import NetworkSpec

from .test_agent_issuance import set_accreditation

NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_each_did_of_an_accredited_issuer_is_listed_in_the_dcc_format() -> None:
    college = RegisteredIssuer(
        ["did:ler:local:abc", "did:web:college.example"],
        [("Certificate", 1_700_000_000, 0), ("Degree", 1_700_000_000, 1_800_000_000)],
        {"name": "Prairie Ridge", "location": "Prairie Ridge, IN, USA", "ctid": "ce-123"},
    )
    lapsed = RegisteredIssuer(["did:ler:local:old"], [], {"name": "Gone"})
    document = issuer_registry([college, lapsed], name="Indiana", updated=NOW, block=42)
    assert document["meta"] == {
        "name": "Indiana",
        "updated": "2026-05-01T00:00:00Z",
        "ledgerBlock": 42,
    }
    assert set(document["registry"]) == {"did:ler:local:abc", "did:web:college.example"}
    entry = document["registry"]["did:web:college.example"]
    assert entry["name"] == "Prairie Ridge" and entry["location"] == "Prairie Ridge, IN, USA"
    assert entry["credentialEngineUrl"].endswith("/ce-123")
    assert entry["accreditations"] == [
        {"credentialType": "Certificate", "validFrom": "2023-11-14T22:13:20Z"},
        {
            "credentialType": "Degree",
            "validFrom": "2023-11-14T22:13:20Z",
            "validUntil": "2027-01-15T08:00:00Z",
        },
    ]


async def test_the_registry_follows_the_ledger_and_is_signed(
    college, descriptor, trustee, tmp_path
) -> None:
    """The in-process college agent stands in for the state's node (any agent can publish)."""
    profiles = tmp_path / "issuers.yml"
    profiles.write_text(f"{college.did}:\n  name: Prairie Ridge\n  ctid: ce-9\n", "utf-8")
    college.profile.settings["plugin_config"]["ler_badges"]["issuer_registry"] = {
        "profiles": str(profiles),
        "name": "Test State",
    }
    url = college.profile.inject(BadgesService).server.url + "/registry/issuers.json"

    async def fetch() -> dict:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            assert response.status == 200
            assert response.headers["Access-Control-Allow-Origin"] == "*"  # browser verifiers
            return await response.json()

    async with LedgerClient(descriptor, trustee) as state:
        await set_accreditation(state, college.did, "accredit")
        listed = await fetch()
        entry = listed["registry"][college.did]
        assert entry["name"] == "Prairie Ridge" and entry["ctid"] == "ce-9"
        assert "Certificate" in [a["credentialType"] for a in entry["accreditations"]]
        env = AgentEnvironment(college.profile)

        async def key(method: str) -> bytes:
            return (await env.resolve_key(method)).public_key

        await verify_proof(listed, key)
        assert listed["issuer"]["id"] == college.did

        await set_accreditation(state, college.did, "withdraw")
        try:
            withdrawn = await fetch()
            assert withdrawn["meta"]["ledgerBlock"] > listed["meta"]["ledgerBlock"]
            assert college.did not in withdrawn["registry"]
        finally:
            await set_accreditation(state, college.did, "accredit")


def test_the_local_network_names_its_colleges_with_example_profiles(tmp_path) -> None:
    spec = NetworkSpec.load()
    colleges = spec.by_role("issuer")
    path = write_registry_profiles(tmp_path, spec, {colleges[0].id: "did:ler:local:one"})
    assert path.read_text("utf-8").startswith("# The state's issuer registry")
    assert "EXAMPLE VALUES" in path.read_text("utf-8")
    first = yaml.safe_load(path.read_text("utf-8"))["did:ler:local:one"]
    assert first["name"] == colleges[0].name and first["ctid"].startswith("ce-00000000-")
    assert first["location"].endswith("(example)")
    # an operator's edit is kept; a college not yet listed is added
    path.write_text("did:ler:local:one:\n  name: Edited\n", "utf-8")
    ids = {colleges[0].id: "did:ler:local:one", colleges[1].id: "did:ler:local:two"}
    loaded = yaml.safe_load(write_registry_profiles(tmp_path, spec, ids).read_text("utf-8"))
    assert loaded["did:ler:local:one"] == {"name": "Edited"}
    assert loaded["did:ler:local:two"]["name"] == colleges[1].name
    # an unreadable file is the operator's to fix: left as it is
    path.write_text("did:ler:local:one: [unclosed\n", "utf-8")
    write_registry_profiles(tmp_path, spec, ids)
    assert path.read_text("utf-8") == "did:ler:local:one: [unclosed\n"
