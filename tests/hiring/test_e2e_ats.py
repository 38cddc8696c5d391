"""The ATS hand-off through the session network's running agents.

The employer's network-file entry names an ATS webhook (``ats:``, written into its plugin
config by the launcher): the session's receiver (:class:`netkit.WebhookSink`, POST /ats), with
``signing: vp`` and the HMAC key in a file of the data directory. The receiver answers 503 to the
posts a test asks it to refuse, so retries, the delivery log and a delivery that ends ``failed``
are seen for real. Each hand-off is a presentation signed by the agent's DID, checked here as an
ATS would: the employer's by its did:ler (its only DID), against the DID document read from the
ledger; the college's (an employer of its own staff) by its did:web, against the document it
serves.
"""

from __future__ import annotations

import json
import ssl
from typing import Any

import aiohttp
import pytest
from netkit import ATS_SECRET, Network, WebhookSink

from ler_badges import ProofError, decode_multikey, verify_proof
from ler_chain import LedgerClient, NetworkDescriptor
from ler_chain.did_document import build_did_document
from ler_hiring.ats_config import signature_valid
from ler_hiring.ats_presentation import HAND_OFF
from ler_node.network.admin import AdminClient
from ler_node.network.local_tls import tls_files

from .kit import IMPOSTOR, employment
from .test_e2e_hiring import POSTING

pytestmark = pytest.mark.e2e


def logged(deliveries: dict, delivery_id: str) -> dict | None:
    """A delivery of the log once it ended (delivered or failed)."""
    found = [d for d in deliveries["results"] if d["delivery_id"] == delivery_id]
    return found[0] if found and found[0]["state"] != "queued" else None


async def ats_case(network: Network) -> tuple[WebhookSink, bytes, dict]:
    """The session's ATS receiver, its HMAC key, and a signed record to put in a résumé."""
    sink = network.webhooks
    assert sink is not None
    secret = (network.data_dir / ATS_SECRET).read_bytes().strip()
    record = await IMPOSTOR.sign(employment([{"skill": "2.A.1.e", "level": 3}], issuer=IMPOSTOR))
    return sink, secret, record


async def hand_off(employer: AdminClient, job_id: str, record: dict) -> tuple[dict, dict]:
    """Match ``record`` against the job; the report and its delivery once the log ends it."""
    report = await employer.post(f"/ler/hiring/jobs/{job_id}/match", {"credentials": [record]})
    delivery_id = report["ats_delivery"]["delivery_id"]
    deliveries = await employer.wait_for(
        "/ler/hiring/ats/deliveries",
        lambda found: logged(found, delivery_id),
        timeout=15,
        interval=0.05,
        what=f"ATS delivery {delivery_id} ended",
    )
    return report, logged(deliveries, delivery_id) or {}


async def test_a_match_report_reaches_the_ats_signed_after_a_retry_or_ends_failed(
    network: Network,
) -> None:
    sink, secret, record = await ats_case(network)
    async with network.admin("employer") as employer:
        # the ATS is unavailable once, then takes it
        job = await employer.post("/ler/hiring/jobs", POSTING)
        sink.refuse_ats(job["job_id"], 1)
        report, delivery = await hand_off(employer, job["job_id"], record)
        assert delivery["state"] == "delivered", delivery
        assert [a["detail"] for a in delivery["attempts"]] == ["HTTP 503", "HTTP 200"]
        posts = sink.ats_posts_with(job["job_id"])
        assert [p.status for p in posts] == [503, 200]
        assert {p.headers["X-LER-Delivery"] for p in posts} == {delivery["delivery_id"]}
        for post in posts:
            assert post.method == "POST"
            assert signature_valid(secret, post.body, post.headers["X-LER-Signature"])
            assert not signature_valid(secret, post.body + b" ", post.headers["X-LER-Signature"])
        hand = json.loads(posts[-1].body)[HAND_OFF]  # a presentation (test below), HMAC'd too
        assert hand["delivery_id"] == delivery["delivery_id"]
        assert hand["report"]["match_id"] == report["match_id"]
        assert hand["report"]["fit"] == report["fit"]
        assert hand["verdicts"][0]["credential_id"] == record["id"]

        # the ATS refuses every attempt: the delivery ends failed, with why, kept for a retry
        job = await employer.post("/ler/hiring/jobs", POSTING)
        sink.refuse_ats(job["job_id"], 100)
        _report, delivery = await hand_off(employer, job["job_id"], record)
        assert delivery["state"] == "failed"
        assert [a["detail"] for a in delivery["attempts"]] == ["HTTP 503"] * 3
        assert len(sink.ats_posts_with(job["job_id"])) == 3


def keys_of(document: dict[str, Any]) -> dict[str, bytes]:
    """The keys a DID document lists, by verification method id."""
    did = document["id"]
    return {
        (did + m["id"] if m["id"].startswith("#") else m["id"]): decode_multikey(
            m["publicKeyMultibase"]
        )
        for m in document["verificationMethod"]
    }


async def did_web_keys(network: Network, did_web: str) -> dict[str, bytes]:
    """The keys a did:web's served document lists, fetched trusting the test CA only."""
    host = did_web.removeprefix("did:web:").replace("%3A", ":")
    url = f"https://{host}/.well-known/did.json"
    context = ssl.create_default_context(cafile=str(tls_files(network.data_dir).ca_file))
    async with aiohttp.ClientSession() as http, http.get(url, ssl=context) as response:
        document: dict[str, Any] = await response.json(content_type=None)
    assert document["id"] == did_web
    return keys_of(document)


async def ledger_keys(network: Network, did: str) -> dict[str, bytes]:
    """The keys of a did:ler's DID document, read from the ledger (no agent asked)."""
    descriptor = NetworkDescriptor.load(network.info.descriptor)
    async with LedgerClient(descriptor) as ledger:
        document = build_did_document(await ledger.dids.resolve(did))
    assert document["id"] == did
    return keys_of(document)


def one_byte_changed(body: bytes, inside: str) -> bytes:
    """``body`` with the first character of ``inside`` (found in it) replaced."""
    at = body.index(inside.encode())
    return body[:at] + (b"1" if body[at : at + 1] != b"1" else b"2") + body[at + 1 :]


async def test_a_hand_off_signed_by_the_employers_did_ler_verifies_against_the_ledger(
    network: Network,
) -> None:
    """The employer has a did:ler and no did:web: the presentation is signed with that key."""
    sink, secret, record = await ats_case(network)
    async with network.admin("employer") as employer:
        job = await employer.post("/ler/hiring/jobs", POSTING)
        report, delivery = await hand_off(employer, job["job_id"], record)
    assert delivery["state"] == "delivered"
    [post] = sink.ats_posts_with(job["job_id"])
    vp = json.loads(post.body)
    did = network.did("employer")
    assert did.startswith("did:ler:") and vp["holder"] == did
    assert vp[HAND_OFF]["report"]["match_id"] == report["match_id"]
    assert vp["verifiableCredential"] == [record]
    keys = await ledger_keys(network, did)
    [proof] = await verify_proof(vp, lambda method: keys[method])
    assert proof.verification_method == f"{did}#key-1"
    assert signature_valid(secret, post.body, post.headers["X-LER-Signature"])  # the key is set
    # one byte of the report changed: neither the proof nor the HMAC holds
    changed = one_byte_changed(post.body, report["match_id"])
    with pytest.raises(ProofError):
        await verify_proof(json.loads(changed), lambda method: keys[method])
    assert not signature_valid(secret, changed, post.headers["X-LER-Signature"])


async def test_a_hand_off_signed_by_the_employers_did_verifies_against_its_did_document(
    network: Network,
) -> None:
    sink, _secret, record = await ats_case(network)
    async with network.admin("college") as college:
        job = await college.post("/ler/hiring/jobs", POSTING)
        sink.refuse_ats(job["job_id"], 1)
        report, delivery = await hand_off(college, job["job_id"], record)
    assert delivery["state"] == "delivered" and len(delivery["attempts"]) == 2
    posts = sink.ats_posts_with(job["job_id"])
    assert [p.status for p in posts] == [503, 200] and posts[0].body == posts[1].body
    assert "X-LER-Signature" not in posts[1].headers  # no shared key: the DID signs
    vp = json.loads(posts[1].body)
    assert vp["type"] == ["VerifiablePresentation"] and vp["holder"].startswith("did:web:")
    assert vp[HAND_OFF]["delivery_id"] == delivery["delivery_id"]
    assert vp[HAND_OFF]["report"]["match_id"] == report["match_id"]
    assert vp["verifiableCredential"] == [record]
    keys = await did_web_keys(network, vp["holder"])
    [proof] = await verify_proof(vp, lambda method: keys[method])
    assert proof.verification_method.startswith(vp["holder"] + "#")
    vp[HAND_OFF]["report"]["fit"]["proven"] += 1
    with pytest.raises(ProofError):
        await verify_proof(vp, lambda method: keys[method])
