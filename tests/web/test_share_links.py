"""Share links in a real browser: the hosted learner shares a badge the college issued, anyone
with the link sees every check pass, the learner withdraws it; expired, unknown and other sites'
links are refused. Against the session network's agents and web app.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web
from netkit import Network
from playwright.async_api import Browser, Page, expect

from ler_node.network.hosting import Hosting
from ler_node.network.web_process import web_root
from ler_web.share_links import DAY, MAX_LIVE, PATH, ShareLinkStore, share_url, store_path
from ler_web.user_accounts import AccountStore

from .learnerkit import accept_offer, badge_request, connect_in_browser, demo_learner_token
from .webkit import DESKTOP, PHONE, SKILLS, Site, new_page, serious_violations, sign_in

TITLE = f"Shared Mill Setup {uuid.uuid4().hex[:6]}"


async def _no_serious_violations(page: Page, where: str) -> None:
    """axe-core at phone and desktop widths."""
    for viewport in (PHONE, DESKTOP):
        await page.set_viewport_size(viewport)
        assert await serious_violations(page) == [], f"{where} at {viewport['width']}px"


async def _badge_in_wallet(page: Page, network: Network) -> None:
    """The college issues a badge titled TITLE to the hosted learner, who accepts it."""
    college, state = network.admin("college"), network.admin("state")
    hosted = Hosting.of(network.home("hosted"))
    try:
        await state.post(  # as webkit.issue_badge does: the college may issue Certificates
            "/ler/governance/accreditations",
            {
                "issuer": network.did("college"),
                "credential_type": "Certificate",
                "action": "accredit",
            },
        )
        college_conn = await connect_in_browser(page, college, f"share-{uuid.uuid4()}")
        async with hosted.as_tenant("learner", await demo_learner_token(hosted, network)) as tenant:
            created = await tenant.post(
                "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
            )
        offer = await college.post(
            "/ler/badges/credentials/send-offer",
            {
                "connection_id": college_conn,
                "credential": badge_request(created["result"]["did"], TITLE),
                "skills": SKILLS,
                "issuer_did": network.did("college"),
            },
        )
        await accept_offer(page, f"{TITLE} from Prairie Ridge Community College")
        await college.wait_for(
            f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
            lambda r: r["cred_ex_record"]["state"] == "done",
            what="the badge stored by the hosted learner",
        )
    finally:
        for admin in (college, state, hosted.admin):
            await admin.close()


async def _other_site() -> tuple[web.AppRunner, str, list[str]]:
    """A site of someone else's on port 0 that records every request it gets."""
    hits: list[str] = []

    async def anything(request: web.Request) -> web.Response:
        hits.append(request.path)
        return web.json_response({"type": ["VerifiableCredential"]})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", anything)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    return runner, f"http://127.0.0.1:{port}", hits


async def _check_pasted(page: Page, text: str) -> None:
    await page.goto("/check")
    await page.get_by_label("Paste the credential").fill(text)
    await page.get_by_role("button", name="Check this credential").click()
    await page.wait_for_load_state()


async def test_a_learner_shares_a_badge_by_link_and_withdraws_it(
    browser: Browser, site: Site, network: Network
) -> None:
    learner_name = AccountStore(web_root(network.data_dir) / "accounts.json").get("learner").name
    wallet = await (await new_page(browser, site, PHONE)).new_page()
    visitor = await (await new_page(browser, site, DESKTOP)).new_page()
    runner, other, hits = await _other_site()
    try:
        await sign_in(wallet, site, "learner")
        await _badge_in_wallet(wallet, network)

        # the learner makes a link living 1 day, by keyboard
        await wallet.goto("/wallet")
        badge = (
            wallet.get_by_role("listitem")
            .filter(has_text=TITLE)
            .filter(has=wallet.get_by_role("button", name=f"Make a share link for {TITLE}"))
        )
        await expect(badge.locator(".credential-title")).to_contain_text("Valid", timeout=20000)
        days = wallet.get_by_label(f"How long the share link works for {TITLE}")
        await days.focus()
        await days.select_option("1")
        make = wallet.get_by_role("button", name=f"Make a share link for {TITLE}")
        # the button is the next control after the select, in the same form (Tab reaches it);
        # it is focused directly: a Tab right after choosing an option was once lost in chromium
        same_form = "([s, b]) => s.form === b.form && !!(s.compareDocumentPosition(b) & 4)"
        handles = [await days.element_handle(), await make.element_handle()]
        assert await wallet.evaluate(same_form, handles)
        await make.focus()
        await expect(make).to_be_focused()
        started = time.time()
        await wallet.keyboard.press("Enter")
        await expect(wallet.get_by_role("status")).to_contain_text("Your share link is ready")
        field = wallet.get_by_label(f"Share link for {TITLE}")
        link = await field.input_value()
        assert link.startswith(share_url(site.url, "")) and len(link.rsplit("/", 1)[1]) == 32
        entry = wallet.locator(".share-link").filter(has=field)
        await expect(entry).to_contain_text("Works until")
        shared = ShareLinkStore(store_path(web_root(network.data_dir) / "accounts.json"))
        kept = shared.open(link.rsplit("/", 1)[1])
        assert started + DAY - 60 < kept.expires < time.time() + DAY + 60
        assert kept.credential["credentialSubject"]["achievement"]["name"] == TITLE
        assert "proof" in kept.credential  # the credential exactly as held, signed
        await _no_serious_violations(wallet, "/wallet with a share link")

        # at the cap of live links, the learner is told plainly and no link is made
        filler = [
            shared.make("learner", learner_name, kept.record_id, "Filler", {}, DAY)
            for _ in range(MAX_LIVE - len(shared.live("learner")))
        ]
        try:
            await wallet.goto("/wallet")
            await wallet.get_by_role("button", name=f"Make a share link for {TITLE}").click()
            await expect(wallet.get_by_role("alert")).to_contain_text(
                f"You already have {MAX_LIVE} share links"
            )
            assert len(shared.live("learner")) == MAX_LIVE
        finally:
            for extra in filler:
                shared.withdraw("learner", extra.token)
        await wallet.goto("/wallet")

        # an anonymous visitor opens it: every check passes, the learner's name shows
        answer = await visitor.goto(link)
        assert answer is not None and answer.status == 200
        await expect(visitor.get_by_role("heading", level=1)).to_have_text(
            "A credential shared with you"
        )
        await expect(visitor.get_by_text("Shared by")).to_contain_text(learner_name)
        await expect(
            visitor.get_by_role("heading", name="This credential passed every check")
        ).to_be_visible()
        assert await visitor.locator(".check .badge").count() >= 4
        await expect(visitor.locator(".check .badge.failed")).to_have_count(0)
        await expect(visitor.locator("#result")).to_contain_text(TITLE)
        await _no_serious_violations(visitor, f"{PATH}…")

        # the same link pasted on the check page gives the same result
        await _check_pasted(visitor, link)
        await expect(
            visitor.get_by_role("heading", name="This credential passed every check")
        ).to_be_visible()
        await expect(visitor.locator("#result")).to_contain_text(f"Shared by {learner_name}")

        # another site's link is refused, and never fetched
        await _check_pasted(visitor, share_url(other, link.rsplit("/", 1)[1]))
        await expect(visitor.locator("#credential-error")).to_contain_text("another site")
        assert hits == []

        # the learner withdraws it, by keyboard: the link answers 410 with a plain page
        await field.focus()
        await wallet.keyboard.press("Tab")
        withdraw = wallet.get_by_role("button", name=f"Withdraw the share link for {TITLE}")
        await expect(withdraw).to_be_focused()
        await wallet.keyboard.press("Enter")
        await expect(wallet.get_by_role("status")).to_contain_text("no longer works")
        await expect(wallet.get_by_label(f"Share link for {TITLE}")).to_have_count(0)
        answer = await visitor.goto(link)
        assert answer is not None and answer.status == 410
        await expect(visitor.get_by_role("heading", level=1)).to_have_text(
            "This share link no longer works"
        )
        await expect(visitor.locator("main")).to_contain_text("withdrawn")
        await _no_serious_violations(visitor, "a withdrawn share link")
        await _check_pasted(visitor, link)
        await expect(visitor.locator("#credential-error")).to_contain_text("withdrawn")
    finally:
        await runner.cleanup()
        await wallet.context.close()
        await visitor.context.close()


async def test_expired_and_unknown_links_answer_gone_and_not_found(
    page: Page, site: Site, network: Network
) -> None:
    accounts = web_root(network.data_dir) / "accounts.json"
    made_two_days_ago = ShareLinkStore(store_path(accounts), clock=lambda: time.time() - 2 * DAY)
    expired = made_two_days_ago.make(
        "share-test-nobody", "Nobody", "rec", "Old badge", {"type": ["x"]}, DAY
    )
    answer = await page.goto(share_url("", expired.token))
    assert answer is not None and answer.status == 410
    await expect(page.locator("main")).to_contain_text("expired")

    for token in (expired.token[:-1] + ("A" if expired.token[-1] != "A" else "B"), "x" * 500):
        answer = await page.goto(share_url("", token))
        assert answer is not None and answer.status == 404
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "This share link does not exist"
        )
    await _no_serious_violations(page, "an unknown share link")


def test_an_anoncreds_credential_says_it_cannot_be_shared_by_link() -> None:
    """The wallet's form for each credential kind (the template, rendered as the app does)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("ler_web", "templates"),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
    )
    held: list[dict[str, Any]] = [
        {"id": "cred-1", "title": "Welding", "download": None},
        {"id": "rec-2", "title": "CNC", "download": "/wallet/badges/rec-2.json"},
    ]
    html = env.from_string(
        '{% for c in held %}<div id="{{ c.id }}">{% include "share_form.html" %}</div>{% endfor %}'
    ).render(held=held, lifetimes=(1, 7, 30), csrf_token="t")
    anoncreds, badge = html.split('<div id="rec-2">')
    assert "cannot be shared by a link" in anoncreds and "<form" not in anoncreds
    assert 'name="record_id" value="rec-2"' in badge and "cannot be shared" not in badge
    assert [f'value="{d}"' in badge for d in (1, 7, 30)] == [True] * 3


def test_the_store_lives_in_the_web_apps_data_directory(tmp_path: Path) -> None:
    assert store_path(tmp_path / "web" / "accounts.json") == tmp_path / "web" / "web-state.sqlite3"
