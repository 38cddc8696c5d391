"""``signing: vp``: the hand-off as a presentation signed by the employer's DID.

Signed with ler_badges' eddsa-rdfc-2022 signer (a did:key employer here) and checked with
ler_badges' own verification, as an ATS would; the presentation goes to a real local HTTP server.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from acapy_agent.config.settings import Settings
from acapy_agent.utils.testing import create_test_profile
from aiohttp import web

from ler_badges import ProofError, local_signer, verify_proof
from ler_badges.acapy.config import BadgesConfig
from ler_badges.acapy.service import BadgesService
from ler_hiring import routes
from ler_hiring.ats_config import AtsConfig
from ler_hiring.ats_delivery import AtsDeliveries
from ler_hiring.ats_presentation import HAND_OFF, authentic, signed_presentation
from ler_hiring.errors import ERRORS, AtsConfigError, AtsSigningError
from ler_ledger import ErrorKind, register_errors
from ler_ledger.http_errors import error_kind

from .kit import COLLEGE, EMPLOYER, badge, resolve_locally, verified
from .test_ats import open_store, until

HAND = {"report": {"fit": {"proven": 1, "score": 0.5}, "job": {"title": "Machinist"}}}


async def employer_vp(delivery_id: str, payload: dict, credentials: list[dict]) -> dict:
    return await signed_presentation(
        delivery_id,
        payload,
        credentials,
        holder=EMPLOYER.did,
        sign=local_signer(EMPLOYER.seed),
        verification_method=EMPLOYER.method,
    )


@pytest.mark.asyncio(loop_scope="function")
async def test_the_presentation_verifies_and_a_changed_byte_does_not() -> None:
    credential = await COLLEGE.sign(badge(COLLEGE, [{"skill": "2.B.3.k", "level": 3}]))
    vp = await employer_vp("d-1", HAND, [credential])

    assert vp["type"] == ["VerifiablePresentation"] and vp["holder"] == EMPLOYER.did
    assert vp[HAND_OFF] == {"delivery_id": "d-1", **HAND}
    [proof] = await verify_proof(vp, resolve_locally)
    assert proof.verification_method == EMPLOYER.method
    [embedded] = vp["verifiableCredential"]
    assert (await verified(embedded))["verified"]

    for change in (
        lambda d: d[HAND_OFF]["report"]["fit"].update(score=0.51),
        lambda d: d.update(holder=COLLEGE.did),
        lambda d: d["verifiableCredential"][0]["credentialSubject"].update(id="did:key:z6Mkx"),
    ):
        tampered = copy.deepcopy(vp)
        change(tampered)
        with pytest.raises(ProofError):
            await verify_proof(tampered, resolve_locally)


@pytest.mark.asyncio(loop_scope="function")
async def test_only_credentials_whose_signature_verified_are_presented() -> None:
    good = await COLLEGE.sign(badge(COLLEGE, [{"skill": "2.B.3.k", "level": 3}]))
    forged = json.loads(json.dumps(good).replace(":level:3", ":level:4"))
    unaccredited = await EMPLOYER.sign(badge(EMPLOYER, [], name="Forklift Safety"))
    credentials = [good, forged, unaccredited]
    verdicts = [await verified(c) for c in credentials]
    assert [v["verified"] for v in verdicts] == [True, False, False]
    assert authentic(credentials, verdicts) == [good, unaccredited]  # trust is in the verdicts


def vp_config(url: str, secret_file: Path | None = None) -> AtsConfig:
    section = {"url": url, "allow_hosts": ["127.0.0.1"], "signing": "vp", "retry_seconds": 0.05}
    if secret_file:
        section["secret_file"] = str(secret_file)
    config = AtsConfig.from_plugin_config({"ats": section})
    assert config is not None and config.signing == "vp"
    return config


class Receiver:
    """An ATS on 127.0.0.1 that answers 503 once, then 200, recording bodies and headers."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict]] = []
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append((await request.read(), dict(request.headers)))
        return web.Response(status=200 if len(self.received) > 1 else 503)


@pytest_asyncio.fixture(loop_scope="function")
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = web.Application()
    app.router.add_post("/hook", hook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    hook.url = f"http://{host}:{port}/hook"
    yield hook
    await runner.cleanup()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_vp_delivery_posts_the_presentation_made_when_it_was_queued(
    receiver: Receiver, tmp_path: Path
) -> None:
    received = receiver.received
    wallet = await open_store(tmp_path, provision=True)
    deliveries = AtsDeliveries(vp_config(receiver.url), poll=0.05)
    try:
        with pytest.raises(AtsConfigError, match="signing is vp"):
            await deliveries.enqueue(wallet, HAND)  # nothing to sign with: refused, not queued
        assert await wallet.queued() == []

        async def present(delivery_id: str, payload: dict) -> dict:
            return await employer_vp(delivery_id, payload, [])

        delivery = await deliveries.enqueue(wallet, HAND, present)
        await until(lambda: _state(wallet, delivery["delivery_id"], "delivered"), "delivered")
    finally:
        await deliveries.stop()
        await wallet.store.close()
    assert len(received) == 2 and received[0][0] == received[1][0]  # the same signed body
    body, headers = received[1]
    assert "X-LER-Signature" not in headers  # no HMAC key configured: the proof is the signature
    assert headers["X-LER-Delivery"] == delivery["delivery_id"]
    vp = json.loads(body)
    await verify_proof(vp, resolve_locally)
    assert vp["id"] == f"urn:uuid:{delivery['delivery_id']}" and vp[HAND_OFF]["report"]


def test_vp_signing_needs_no_hmac_key_but_other_values_are_refused() -> None:
    assert vp_config("http://127.0.0.1:9/hook").secret_file is None
    with pytest.raises(AtsConfigError, match="hmac or vp"):
        AtsConfig.from_plugin_config(
            {"ats": {"url": "http://a.example/", "allow_hosts": ["a.example"], "signing": "jws"}}
        )


async def _state(wallet, key: str, state: str) -> dict | None:
    delivery = await wallet.load(key)
    return delivery if delivery["state"] == state else None


@pytest.mark.asyncio(loop_scope="function")
async def test_an_employer_without_a_public_did_is_refused_before_anything_is_queued() -> None:
    profile = await create_test_profile()
    try:
        profile.context.injector.bind_instance(
            BadgesService, BadgesService(BadgesConfig.from_settings(Settings({})))
        )
        profile.context.injector.bind_instance(
            AtsDeliveries, AtsDeliveries(vp_config("http://127.0.0.1:9/hook"))
        )
        with pytest.raises(AtsSigningError, match="public did:ler, and it has none") as refused:
            await routes._employer_presenter(profile, [])
        register_errors({cls: ErrorKind(*kind) for cls, kind in ERRORS.items()})
        assert error_kind(refused.value) == ErrorKind(409, "no-signing-did")
        # HMAC signing needs no DID
        profile.context.injector.bind_instance(
            AtsDeliveries, AtsDeliveries(AtsConfig.from_plugin_config(HMAC))
        )
        assert await routes._employer_presenter(profile, []) is None
    finally:
        await profile.close()


HMAC = {"ats": {"url": "http://127.0.0.1:9/", "allow_hosts": ["127.0.0.1"], "secret_file": "k"}}
