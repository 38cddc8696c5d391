"""The employer's request by QR code, in a real browser: the verifier agent opens a VC-API
exchange, a did:key wallet (the demo's, :mod:`ler_node.vcapi_wallet`) answers the link the page
shows, and the page updates itself with the verdict. Or the employer makes a connectionless
DIDComm request, which a hosted learner opens in the wallet pages, previews and shares.
"""

from __future__ import annotations

import re
import secrets
import ssl
import uuid
from urllib.parse import urlsplit

import aiohttp
import pytest
from netkit import Network
from playwright.async_api import Browser, Locator, Page, expect

from ler_node.network import flows
from ler_node.network.hosting import Hosting
from ler_node.network.launcher import connect
from ler_node.network.local_tls import tls_files
from ler_node.network.web_process import web_root
from ler_node.vcapi_wallet import ExchangeFailed, VcApiWallet
from ler_web.didcomm_requests import invitation_link, outcome, skill_proof_request
from ler_web.learner_offers import attached_request, read_invitation
from ler_web.user_accounts import AccountStore

from .learnerkit import new_learner
from .test_request_links import qr_version
from .webkit import (
    DESKTOP,
    PHONE,
    SKILLS,
    Issued,
    Site,
    new_page,
    overflow,
    serious_violations,
    sign_in,
)

pytestmark = pytest.mark.e2e

EXCHANGES = "/ler/badges/vc-api/exchanges"
SKILL = "2.B.3.k"  # the first of webkit.SKILLS, at level Proficient
OTHER_SKILL = "2.C.3.e"  # Mechanical


def _wallet_http(network: Network) -> aiohttp.ClientSession:
    """The wallet's HTTP client; it trusts the local network's test CA (agents serve https)."""
    trust = ssl.create_default_context(cafile=str(tls_files(network.data_dir).ca_file))
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=trust), timeout=aiohttp.ClientTimeout(total=30)
    )


async def _wallet_with_a_badge(network: Network, http: aiohttp.ClientSession) -> VcApiWallet:
    """A wallet the college issued a Certificate with two skills to, through a VC-API link."""
    template = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://prairieridge.example/achievements/{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": "Quality Control Basics",
                "description": "Measures parts against the drawing.",
                "criteria": {"narrative": "Passed the practical assessment."},
                "achievementType": "Certificate",
            },
        },
    }
    wallet = VcApiWallet()
    async with network.admin("college") as college:
        created = await college.post(
            f"{EXCHANGES}/issuance", {"credential": template, "skills": SKILLS}
        )
    await wallet.run(http, created["interaction_url"])
    assert len(wallet.credentials) == 1
    return wallet


async def test_only_a_signed_in_employer_can_make_a_request(page: Page, site: Site) -> None:
    await page.goto("/employer")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=/employer$"))
    await sign_in(page, site, "registrar")
    response = await page.goto("/employer")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text("This page is for employers")
    response = await page.goto(f"/employer/requests/{uuid.uuid4()}")
    assert response is not None and response.status == 403
    await page.goto("/check")  # the paste check stays open to everyone
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check a credential")


async def test_an_employer_asks_by_qr_code_and_sees_the_wallets_answer(
    browser: Browser, site: Site, network: Network, badges: list[Issued]
) -> None:
    # ``badges``: the college is accredited for Certificate
    context = await new_page(browser, site, PHONE)
    page = await context.new_page()
    try:
        async with _wallet_http(network) as http:
            wallet = await _wallet_with_a_badge(network, http)
            await sign_in(page, site, "employer")
            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "Ask a candidate for a credential"
            )
            assert await serious_violations(page) == []
            await page.get_by_label("Kind of credential (optional)").fill("Certificate")
            await page.get_by_role("button", name="Make a request").click()
            await expect(page.get_by_role("alert")).to_contain_text("Choose the skill")
            await expect(page.get_by_label("Kind of credential (optional)")).to_have_value(
                "Certificate"
            )
            await page.get_by_label("Skill", exact=True).select_option(value=SKILL)
            await page.get_by_role("button", name="Make a request").click()

            await expect(page.get_by_role("heading", level=1)).to_have_text(
                "Your request for a credential"
            )
            qr = page.get_by_role("img", name="QR code of the request link")
            assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
            await expect(
                page.get_by_role("heading", name="Waiting for the candidate")
            ).to_be_visible()
            assert await overflow(page) == []  # a phone shows it whole
            assert await serious_violations(page) == []
            link = await page.get_by_role(
                "link", name="Request link for the candidate's wallet"
            ).get_attribute("href")
            assert link and re.match(
                r"^https?://[^/]+/exchanges/[0-9a-f-]{36}/protocols\?iuv=1$", link
            )

            url, request = await wallet.start(http, link)
            assert wallet.select(request) == wallet.credentials
            assert await wallet.answer(http, url, request) == {}

        status = page.locator("#request-status")  # htmx polls it; no reload here
        await expect(status.get_by_role("heading", name="The candidate answered")).to_be_visible(
            timeout=15_000
        )
        await expect(status.get_by_role("status")).to_contain_text("The credential shows the skill")
        await expect(status.get_by_role("status")).to_contain_text("at level Proficient")
        await expect(
            status.get_by_role("heading", name="This credential passed every check")
        ).to_be_visible()
        await expect(page.get_by_role("img", name="QR code of the request link")).to_have_count(1)
        assert await serious_violations(page) == []
        assert await overflow(page) == []
        await page.set_viewport_size(DESKTOP)
        assert await serious_violations(page) == []

        async with _wallet_http(network) as http:
            with pytest.raises(ExchangeFailed) as replay:  # the link works once
                await wallet.answer(http, url, request)
        assert replay.value.status == 409
    finally:
        await context.close()


async def test_another_session_cannot_open_the_request(
    browser: Browser, site: Site, page: Page
) -> None:
    await sign_in(page, site, "employer")
    await page.get_by_label("Skill", exact=True).select_option(value=SKILL)
    await page.get_by_role("button", name="Make a request").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your request for a credential")
    mine = page.url
    other = await new_page(browser, site, PHONE)
    try:
        second = await other.new_page()
        await sign_in(second, site, "employer")
        response = await second.goto(mine)
        assert response is not None and response.status == 404
        response = await second.goto(mine + "/status")
        assert response is not None and response.status == 404
    finally:
        await other.close()


DIDCOMM_TYPE = "EmployerAskSkills"  # its own AnonCreds type: other tests use theirs
DIDCOMM_SKILL = {"skill": "Troubleshooting", "skill_code": f"O*NET {SKILL}", "level": "4"}


def test_a_didcomm_request_asks_for_the_skill_code_and_level_only() -> None:
    request = skill_proof_request({"onet_code": SKILL, "name": "Troubleshooting"}, now=1000)
    assert request["requested_attributes"] == {
        "skill": {
            "names": ["skill_code", "level"],
            "restrictions": [{"attr::skill_code::value": f"O*NET {SKILL}"}],
        }
    }
    assert request["requested_predicates"] == {}
    assert request["non_revoked"] == {"from": 1000, "to": 1000}
    asked = {"@type": "https://didcomm.org/present-proof/2.0/request-presentation", "@id": "t-1"}
    invitation = {"requests~attach": [{"data": {"json": asked}}]}
    assert attached_request(invitation) == "t-1"
    assert attached_request({"requests~attach": [{"data": {"base64": "%%"}}]}) is None
    assert attached_request({"handshake_protocols": ["x"]}) is None


def test_a_didcomm_answer_reads_with_the_check_pages_words() -> None:
    skill = {"onet_code": SKILL, "name": "Troubleshooting"}
    levels = [{"level": 4, "name": "Advanced"}]
    did = "did:ler:local:C4CGpVAKX8dJqDJ8KPbqoe"
    record = {  # the verifier's record, with its verdict (GET /ler/verifier/presentations/{id})
        "state": "done",
        "by_format": {"pres": {"anoncreds": {"identifiers": [{
            "schema_id": f"{did}/anoncreds/v0/SCHEMA/EmployerAskSkills/1.0",
            "cred_def_id": f"{did}/anoncreds/v0/CLAIM_DEF/1/default",
        }]}}},
        "verdict": {
            "verified": True, "reasons": [],
            "checks": [
                {"name": "proof", "outcome": "passed", "detail": "verified"},
                {"name": "issuer-accreditation", "outcome": "passed", "detail": "accredited"},
            ],
            "revealed": {"skill": {"skill_code": f"O*NET {SKILL}", "level": "4"}},
        },
    }  # fmt: skip
    shown = outcome(record, skill, levels)
    assert shown["verified"] and shown["answered"] and shown["problems"] == []
    assert shown["skill_shown"]["name"] == "Troubleshooting"
    assert shown["skill_shown"]["level"] == "4 (Advanced)"
    (result,) = shown["results"]
    assert result["title"] == "EmployerAskSkills" and result["issuer_id"] == did
    assert "DIDComm wallet" in result["kind_label"]
    labels = [c["label"] for c in result["groups"][0]["checks"]]
    assert labels == ["Proof", "Issuer accredited by the state", "Skills"]

    other = {"skill": {"skill_code": "O*NET 2.A.1.a", "level": "4"}}
    record["verdict"] = {**record["verdict"], "revealed": other}
    assert outcome(record, skill, levels)["skill_shown"] is None
    timed_out = "abandoned: no progress for 15 s in state request-sent (...); start a new exchange"
    gone = outcome({"state": "abandoned", "error_msg": timed_out}, skill, levels, 1000, 1001)
    assert gone["final"] and not gone["answered"]
    assert gone["ending"].kind == "expired"
    assert "no progress" not in gone["ending"].words
    deleted = outcome({"state": "deleted"}, skill, levels, 1000, 1001)
    assert deleted["ending"] == gone["ending"]
    assert outcome({"state": "request-sent"}, skill, levels) == {"final": False}


def test_a_didcomm_link_is_what_the_wallet_pages_read() -> None:
    invitation = {
        "@type": "https://didcomm.org/out-of-band/1.1/invitation",
        "label": "Crossroads",
        "services": [{"serviceEndpoint": "http://127.0.0.1:9", "recipientKeys": ["did:key:z"]}],
    }
    link = invitation_link(invitation)
    assert link.startswith("http://127.0.0.1:9?oob=")
    assert read_invitation(link) == invitation


async def _learner_with_a_skill(network: Network) -> tuple[str, str]:
    """A new hosted learner (account and tenant) holding a college's AnonCreds credential of
    ``DIDCOMM_SKILL``; returns (user name, password)."""
    async with (
        Hosting.of(network.home("hosted")) as hosting,
        network.admin("state") as state,
        network.admin("college") as college,
    ):
        tenant = await hosting.create("DIDComm Learner")
        await flows.set_accreditation(state, network.did("college"), DIDCOMM_TYPE, "accredit")
        kind = await flows.publish_credential_type(
            college,
            network.did("college"),
            name=DIDCOMM_TYPE,
            attributes=list(DIDCOMM_SKILL),
            registry_size=10,
        )
        async with hosting.as_tenant(tenant) as learner:
            college_conn, _ = await connect(college, learner, f"didcomm-{uuid.uuid4()}")
            # the hosted agent takes a credential offer by itself
            await flows.issue_credential(college, college_conn, kind.cred_def_id, DIDCOMM_SKILL)
    password = secrets.token_urlsafe(16)
    username = f"learner-{uuid.uuid4().hex[:8]}"
    AccountStore(web_root(network.data_dir) / "accounts.json").add(
        username, "DIDComm Learner", "learner", password, tenant.wallet_id
    )
    return username, password


async def test_a_hosted_learner_answers_a_didcomm_request_from_the_employers_qr_code(
    browser: Browser, site: Site, network: Network
) -> None:
    username, password = await _learner_with_a_skill(network)
    employer_context = await new_page(browser, site, PHONE)
    learner_context = await new_page(browser, site, PHONE)
    try:
        learner = await learner_context.new_page()
        await sign_in(learner, site, username, password)
        employer = await employer_context.new_page()
        await sign_in(employer, site, "employer")
        await employer.get_by_label("Skill", exact=True).select_option(value=SKILL)
        await employer.get_by_label("A DIDComm wallet (connectionless request)").check()
        await employer.get_by_label("Kind of credential (optional)").fill("Certificate")
        await employer.get_by_role("button", name="Make a request").click()
        await expect(employer.get_by_role("alert")).to_contain_text("leave the kind")
        await employer.get_by_label("Kind of credential (optional)").fill("")
        await employer.get_by_role("button", name="Make a request").click()

        await expect(employer.get_by_role("heading", level=1)).to_have_text(
            "Your request for a credential"
        )
        qr = employer.get_by_role("img", name=re.compile("^QR code of the request link"))
        assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
        short = await employer.get_by_label("Request link", exact=True).input_value()
        assert re.fullmatch(re.escape(site.url) + r"/r/[A-Za-z0-9_-]{32}", short), short
        # the whole invitation, for another DIDComm wallet: behind a disclosure, by keyboard
        await _tab_to(employer, employer.get_by_text("The candidate uses another DIDComm wallet"))
        await employer.keyboard.press("Enter")
        link = await employer.get_by_label(
            "Whole request link for another DIDComm wallet"
        ).input_value()
        assert "?oob=" in link
        # the QR code shows the short link: a light code (version 4 or 5, against 30 and more)
        assert qr_version(short) <= 5 < 30 <= qr_version(link), (len(short), len(link))
        await expect(
            employer.get_by_role("heading", name="Waiting for the candidate")
        ).to_be_visible()
        assert await overflow(employer) == []
        assert await serious_violations(employer) == []

        # a garbled or cut link: a plain error, never a 500
        await learner.goto("/wallet/receive")
        middle = len(link) // 2
        for bad in (link[:middle] + "~~" + link[middle + 2 :], link[: link.index("oob=") + 40]):
            await learner.get_by_label("Invitation link from your college").fill(bad)
            async with learner.expect_response(lambda r: r.request.method == "POST") as answered:
                await learner.get_by_role("button", name="Connect my wallet").click()
            assert (await answered.value).status == 400
            await expect(learner.get_by_role("alert")).to_contain_text("damaged")

        # the learner opens the short link, which opens the wallet with the whole invitation
        await learner.goto(short)
        await expect(learner).to_have_url(re.compile(r"/wallet/receive\?oob="))
        assert read_invitation(learner.url) == read_invitation(link)
        await expect(learner.get_by_text("This link is a request from")).to_contain_text(
            network.home("employer").spec.name
        )
        assert await serious_violations(learner) == []
        await learner.get_by_role("button", name="Open the request").click()
        await expect(learner.get_by_role("status")).to_contain_text("asks you for a proof")
        waiting = learner.get_by_role("listitem").filter(has_text="asks for")
        await expect(waiting).to_contain_text("the skill Troubleshooting")
        await expect(waiting).to_contain_text(f"Your skill code: O*NET {SKILL}")
        await expect(waiting).to_contain_text("Your level: 4")
        assert await overflow(learner) == []
        assert await serious_violations(learner) == []
        await waiting.get_by_role("button", name=re.compile("^Share")).click()
        await expect(learner.get_by_role("status")).to_contain_text("You shared it with")

        status = employer.locator("#request-status")  # htmx polls it; no reload here
        await expect(status.get_by_role("heading", name="The candidate answered")).to_be_visible(
            timeout=15_000
        )
        await expect(status.get_by_role("status")).to_contain_text("The credential shows the skill")
        await expect(status.get_by_role("status")).to_contain_text("at level 4 (Advanced)")
        await expect(
            status.get_by_role("heading", name="This credential passed every check")
        ).to_be_visible()
        await expect(status).to_contain_text("Issuer accredited by the state")
        assert await overflow(employer) == []
        assert await serious_violations(employer) == []

        # the same link again: nothing new is shared
        await learner.goto("/wallet/receive?" + urlsplit(link).query)
        await learner.get_by_role("button", name="Open the request").click()
        await expect(learner.get_by_role("status")).to_contain_text("already opened this request")
        await expect(learner.get_by_role("button", name=re.compile("^Share"))).to_have_count(0)
    finally:
        await employer_context.close()
        await learner_context.close()


async def _tab_to(page: Page, target: Locator, presses: int = 40) -> None:
    """Move the focus with the Tab key alone until it is on ``target``."""
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await target.evaluate("e => e === document.activeElement"):
            return
    raise AssertionError(f"{target} cannot be reached with the Tab key")


async def _didcomm_request(page: Page, skill: str) -> str:
    """Ask for ``skill`` from a DIDComm wallet on the employer's page; returns the short link."""
    await page.goto("/employer")
    await page.get_by_label("Skill", exact=True).select_option(value=skill)
    await page.get_by_label("A DIDComm wallet (connectionless request)").check()
    await page.get_by_role("button", name="Make a request").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Your request for a credential")
    return await page.get_by_label("Request link", exact=True).input_value()


async def _open_request(learner: Page, short_link: str) -> None:
    """The learner opens an employer's short link, then the request in it, in their wallet."""
    await learner.goto(short_link)
    await learner.get_by_role("button", name="Open the request").click()
    await expect(learner.get_by_role("status")).to_contain_text("asks you for a proof")


async def test_a_didcomm_request_declined_or_expired_says_so_on_both_pages(
    browser: Browser, site: Site, network: Network
) -> None:
    """One request the learner declines, one left to expire (the session's 15 s exchange timeout,
    ``ler.exchange_timeout``): each page says what happened in plain words, and what to do."""
    username, password = await new_learner(network, "Pat Learner")
    employer_context = await new_page(browser, site, PHONE)
    learner_context = await new_page(browser, site, PHONE)
    try:
        learner = await learner_context.new_page()
        await sign_in(learner, site, username, password)
        expiring = await employer_context.new_page()
        await sign_in(expiring, site, "employer")
        # the learner opens one request at once, and leaves it unanswered
        expiring_link = await _didcomm_request(expiring, SKILL)
        await _open_request(learner, expiring_link)
        until = re.compile(r"It stops working at (1[0-2]|[1-9]):[0-5]\d [AP]M \S+\.")
        await expect(expiring.get_by_text(until)).to_be_visible()

        # the learner declines another: the employer's page says so in place
        declined = await employer_context.new_page()
        declined_link = await _didcomm_request(declined, OTHER_SKILL)
        await _open_request(learner, declined_link)
        waiting = learner.get_by_role("listitem").filter(has_text="the skill Mechanical")
        await waiting.get_by_role("button", name=re.compile("^Decline")).click()
        await expect(learner.get_by_role("status")).to_contain_text("Nothing was shared.")
        status = declined.locator("#request-status")  # htmx polls it; no reload here
        await expect(status.get_by_role("heading", name="The candidate declined")).to_be_visible(
            timeout=15_000
        )
        await expect(status).to_contain_text("Nothing was shared with you.")
        await expect(status).not_to_contain_text("abandoned")
        await expect(status.get_by_role("link", name="Ask the candidate again")).to_be_visible()
        assert await overflow(declined) == []
        assert await serious_violations(declined) == []

        # the first waits in the wallet, unanswered, until it expires: both pages say so
        status = expiring.locator("#request-status")
        await expect(status.get_by_role("heading", name="This request expired")).to_be_visible(
            timeout=30_000
        )
        expired_at = re.compile(
            r"This request expired at (1[0-2]|[1-9]):[0-5]\d [AP]M \S+, before the candidate "
            r"answered\."
        )
        await expect(status.get_by_text(expired_at)).to_be_visible()
        await expect(status).to_contain_text("Ask the candidate again")
        await expect(status).not_to_contain_text("no progress")
        assert await overflow(expiring) == []
        assert await serious_violations(expiring) == []

        await learner.goto("/wallet/requests")
        waiting = learner.get_by_role("listitem").filter(has_text="asks for")
        await expect(waiting).to_have_count(1)
        await expect(waiting).to_contain_text(
            re.compile(r"This request expired at .*\. Nothing can be shared with it now\.")
        )
        await expect(waiting).to_contain_text(
            f"ask {network.home('employer').spec.name} to send you a new request"
        )
        assert await overflow(learner) == []
        assert await serious_violations(learner) == []
        # sharing it anyway (a form sent by hand) is refused in the same words
        await waiting.locator("button[value=decline]").evaluate("b => { b.value = 'share'; }")
        async with learner.expect_response(lambda r: r.request.method == "POST") as answered:
            await waiting.get_by_role("button", name=re.compile("^Decline")).click()
        assert (await answered.value).status == 409
        await expect(learner.get_by_role("status")).to_contain_text("This request expired at")

        response = await learner.goto(expiring_link)  # its short link: gone, and says so
        assert response is not None and response.status == 410
        await expect(learner.get_by_role("heading", level=1)).to_have_text(
            "This request has expired"
        )
        await expect(
            learner.get_by_text("ask the employer to show you a new QR code")
        ).to_be_visible()
        assert await serious_violations(learner) == []

        # asking again, by keyboard alone: the form comes back filled in
        await _tab_to(expiring, status.get_by_role("link", name="Ask the candidate again"))
        await expiring.keyboard.press("Enter")
        await expect(expiring.get_by_role("heading", level=1)).to_have_text(
            "Ask a candidate for a credential"
        )
        await expect(expiring.get_by_label("Skill", exact=True)).to_have_value(SKILL)
        await expect(
            expiring.get_by_label("A DIDComm wallet (connectionless request)")
        ).to_be_checked()
    finally:
        await employer_context.close()
        await learner_context.close()
