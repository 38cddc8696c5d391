"""The employer's request by QR code, in a real browser: the verifier agent opens a VC-API
exchange, a did:key wallet (the demo's, :mod:`ler_node.vcapi_wallet`) answers the link the page
shows, and the page updates itself with the verdict.
"""

from __future__ import annotations

import re
import ssl
import uuid

import aiohttp
import pytest
from netkit import Network
from playwright.async_api import Browser, Page, expect

from ler_node.network.local_tls import tls_files
from ler_node.vcapi_wallet import ExchangeFailed, VcApiWallet

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
