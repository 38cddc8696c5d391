"""The learner wallet in a real browser: a hosted learner (a tenant of the state's hosted agent)
receives credentials from the college, answers the employer after a preview, backs up, restores.

Everything runs against the session network: the college and employer agents, the hosted agent
on PostgreSQL, and the web app with the demo learner account the launcher bound to a tenant.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from pathlib import Path

import pytest
from netkit import Network
from playwright.async_api import Browser, expect

from ler_node.network import flows
from ler_node.network.admin import AdminClient, quoted
from ler_node.network.hosting import Hosting
from ler_web.learner_offers import BadLink, read_invitation
from ler_web.learner_sharing import plan_words, predicate_words
from ler_web.user_accounts import AccountError, AccountStore

from .learnerkit import (
    accept_offer,
    answer_offer,
    badge_request,
    connect_in_browser,
    demo_learner_token,
    new_learner,
    reload_until,
)
from .webkit import DESKTOP, PHONE, SKILLS, Site, new_page, serious_violations, sign_in

SKILL_TYPE = "WalletSkills"  # its own credential type: the demo and other tests use theirs
WELDER = {"program": "Welding Technology", "skill": "Welding", "level": "4", "date": "20261120"}
PAGES = ["/wallet", "/wallet/receive", "/wallet/requests", "/wallet/backup"]


def test_an_invitation_link_is_decoded_never_fetched() -> None:
    invitation = {"@type": "https://didcomm.org/out-of-band/1.1/invitation", "services": ["x"]}
    encoded = base64.urlsafe_b64encode(json.dumps(invitation).encode()).decode().rstrip("=")
    assert read_invitation(f"https://college.example/any/path?oob={encoded}") == invitation
    assert read_invitation(f"  didcomm://invite?oob={encoded}\n") == invitation
    not_oob = base64.urlsafe_b64encode(b'{"@type": "other"}').decode()
    for link, says in (
        ("", "Paste the invitation link"),
        ("https://college.example/welcome", "not an invitation link"),
        ("file:///etc/passwd?oob=" + encoded, "not an invitation link"),
        ("https://college.example/?oob=%%%", "damaged"),
        ("https://college.example/?oob=" + not_oob, "not a wallet invitation"),
        ("https://college.example/?oob=" + "A" * 9000, "too long"),
    ):
        with pytest.raises(BadLink, match=says):
            read_invitation(link)


def test_a_predicate_reads_as_what_is_proven_and_the_plan_is_what_is_sent() -> None:
    assert predicate_words("level", ">=", 4) == (
        "You will prove your level is at least 4, not the level itself."
    )
    assert predicate_words("years_of_practice", "<", 2) == (
        "You will prove your years of practice is less than 2, not the years of practice itself."
    )
    plan = {  # as the hosted agent's /ler/wallet/proof-requests/{id}/plan gives it
        "format": "anoncreds",
        "attributes": [
            {"referent": "skill", "names": ["skill", "award_date"], "cred_id": "c1",
             "values": {"skill": "Welding", "award_date": "20261120"}},
        ],
        "predicates": [
            {"referent": "level", "name": "level", "p_type": ">=", "p_value": 4, "cred_id": "c1"}
        ],
        "missing": [
            {"referent": "x", "kind": "attribute", "names": ["first_name"]},
            {"referent": "y", "kind": "predicate", "name": "years", "p_type": "<", "p_value": 2},
        ],
        "shareable": False,
    }  # fmt: skip
    assert plan_words(plan) == {
        "format": "anoncreds",
        "attributes": [{"values": [("skill", "Welding"), ("award date", "20261120")]}],
        "predicates": [{"words": "You will prove your level is at least 4, not the level itself."}],
        "missing": ["first name", "your years is less than 2"],
        "shareable": False,
    }


def test_only_a_learner_account_is_bound_to_a_wallet(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "accounts.json")
    store.add("ana", "Ana", "learner", "a long password 1", "wallet-1")
    assert store.verify("ana", "a long password 1") == store.get("ana")
    assert store.get("ana").wallet_id == "wallet-1"
    with pytest.raises(AccountError):
        store.add("bo", "Bo", "learner", "a long password 2")
    with pytest.raises(AccountError):
        store.add("cy", "Cy", "registrar", "a long password 3", "wallet-2")


@pytest.fixture(scope="module")
async def wallet_type(network: Network) -> flows.CredentialType:
    """An accredited, published AnonCreds skills credential of the college."""
    async with network.admin("state") as state, network.admin("college") as college:
        await flows.set_accreditation(state, network.did("college"), SKILL_TYPE, "accredit")
        return await flows.publish_credential_type(college, network.did("college"), name=SKILL_TYPE)


async def test_a_hosted_learner_receives_shares_after_a_preview_and_sees_the_history(
    browser: Browser, site: Site, network: Network, wallet_type: flows.CredentialType
) -> None:
    context = await new_page(browser, site, PHONE)
    page = await context.new_page()
    college, employer = network.admin("college"), network.admin("employer")
    hosted = Hosting.of(network.home("hosted"))
    try:
        await sign_in(page, site, "learner")
        await expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")

        # the college's AnonCreds credential: offered, waiting, accepted by the learner
        college_conn = await connect_in_browser(page, college, f"web-learner-{uuid.uuid4()}")
        offer = await college.post(
            "/issue-credential-2.0/send-offer",
            {
                "connection_id": college_conn,
                "auto_issue": True,
                "auto_remove": False,
                "credential_preview": {
                    "@type": "issue-credential/2.0/credential-preview",
                    "attributes": [{"name": k, "value": v} for k, v in WELDER.items()],
                },
                "filter": {"anoncreds": {"cred_def_id": wallet_type.cred_def_id}},
            },
        )
        await accept_offer(page, "Welding Technology from Prairie Ridge Community College")
        await college.wait_for(
            f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
            lambda r: r["cred_ex_record"]["state"] == "done",
            what="the credential stored by the hosted learner",
        )

        # an offer the learner does not want: declined, the college is told
        unwanted = await college.post(
            "/issue-credential-2.0/send-offer",
            {
                "connection_id": college_conn,
                "auto_issue": True,
                "auto_remove": False,
                "credential_preview": {
                    "@type": "issue-credential/2.0/credential-preview",
                    "attributes": [
                        {"name": k, "value": v}
                        for k, v in {**WELDER, "program": "Unwanted Program"}.items()
                    ],
                },
                "filter": {"anoncreds": {"cred_def_id": wallet_type.cred_def_id}},
            },
        )
        await answer_offer(page, "Decline", "Unwanted Program from Prairie Ridge Community College")
        declined = await college.wait_for(
            f"/issue-credential-2.0/records/{unwanted['cred_ex_id']}",
            lambda r: r["cred_ex_record"]["state"] == "abandoned",
            what="the college told of the declined offer",
        )
        assert "declined" in declined["cred_ex_record"]["error_msg"]
        await expect(page.get_by_text("Unwanted Program")).to_have_count(1)  # the notice only

        # an Open Badges 3.0 badge, also accepted in the browser
        async with hosted.as_tenant("learner", await demo_learner_token(hosted, network)) as tenant:
            subject = (
                await tenant.post(
                    "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
                )
            )["result"]["did"]
        badge_offer = await college.post(
            "/ler/badges/credentials/send-offer",
            {
                "connection_id": college_conn,
                "credential": badge_request(subject, "Robotic Welding Cell"),
                "skills": SKILLS,
                "issuer_did": network.did("college"),
            },
        )
        await accept_offer(page, "Robotic Welding Cell from Prairie Ridge Community College")
        await college.wait_for(
            f"/issue-credential-2.0/records/{badge_offer['cred_ex_id']}",
            lambda r: r["cred_ex_record"]["state"] == "done",
            what="the badge stored by the hosted learner",
        )

        await page.goto("/wallet")
        welding = page.get_by_role("listitem").filter(has_text="Welding Technology")
        await expect(welding).to_contain_text("Valid")
        await expect(welding).to_contain_text("Prairie Ridge Community College")
        await expect(welding).to_contain_text("Welding: level 4")
        badge = page.get_by_role("listitem").filter(has_text="Robotic Welding Cell")
        await expect(badge.locator(".credential-title")).to_contain_text("Valid", timeout=20000)
        async with page.expect_download() as download_info:
            await badge.get_by_role("link", name=re.compile("^Download the Open Badges")).click()
        downloaded = json.loads(Path(await (await download_info.value).path()).read_text())
        assert downloaded["credentialSubject"]["id"] == subject
        assert downloaded["credentialSubject"]["achievement"]["name"] == "Robotic Welding Cell"
        badge_file = (await download_info.value).url.rsplit("/", 1)[1]
        assert badge_file.endswith(".json")
        await _another_learner_sees_none_of_it(browser, site, network, badge_file)

        # the employer asks straight away (no proposal from the learner): the hosted agent does
        # not answer by itself; the learner sees exactly what will be shared, then shares
        employer_conn = await connect_in_browser(
            page,
            employer,
            f"web-learner-{uuid.uuid4()}",
            opened_from=network.home("employer").spec.name,
        )
        proof = flows.skill_proof_request(wallet_type.cred_def_id, min_level=3)
        pres_ex_id = await _employer_asks(employer, employer_conn, proof)
        waiting = page.get_by_role("listitem").filter(has_text="asks for")
        await reload_until(page, "/wallet/requests", waiting, "Share")
        await expect(waiting).to_contain_text("Your skill: Welding")
        await expect(waiting).to_contain_text(
            "You will prove your level is at least 3, not the level itself."
        )
        await expect(waiting).not_to_contain_text("Your level")
        asked = await employer.get(f"/present-proof-2.0/records/{pres_ex_id}")
        assert asked["state"] == "request-sent"  # shown to the learner, not yet shared
        await waiting.get_by_role("button", name=re.compile("^Share")).click()
        await expect(page.get_by_role("status")).to_contain_text("You shared it with")
        await employer.wait_for(
            f"/present-proof-2.0/records/{pres_ex_id}",
            lambda r: r["state"] in ("done", "abandoned"),
            what="the employer's verification",
        )
        verdict = await employer.get(f"/ler/verifier/presentations/{pres_ex_id}")
        assert verdict["verified"] is True, verdict
        assert verdict["revealed"] == {"skill": "Welding"}

        await page.goto("/wallet/requests")
        history = page.get_by_role("listitem").filter(has_text="You showed your skill: Welding")
        await expect(history.first).to_contain_text("You proved your level was at least 3")
        await expect(history.first).to_contain_text("Shared")

        # asked again, the learner declines: nothing is shared, the employer is told
        pres_ex_id = await _employer_asks(employer, employer_conn, proof)
        await reload_until(page, "/wallet/requests", waiting, "Decline")
        await page.get_by_role("button", name=re.compile("^Decline")).click()
        await expect(page.get_by_role("status")).to_contain_text("Nothing was shared")
        refused = await employer.wait_for(
            f"/present-proof-2.0/records/{pres_ex_id}",
            lambda r: r["state"] == "abandoned",
            what="the employer told of the refusal",
        )
        assert "declined" in refused["error_msg"]
        await expect(page.get_by_text("You declined.")).to_have_count(1)

        # a code a college can scan to connect to the wallet
        await page.goto("/wallet/receive")
        await page.get_by_role("button", name="Show a code for my wallet").click()
        qr = page.get_by_role("img", name=re.compile("^QR code of the link to your wallet"))
        assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
        assert "oob=" in await page.get_by_label("Link to your wallet").input_value()
        assert await serious_violations(page) == []

        # the college revokes the AnonCreds credential and suspends the badge: the wallet says so
        issued = flows.IssuedCredential(offer["cred_ex_id"], college_conn, None, None)
        assert (await flows.revoke(college, issued))["state"] == "done"
        await college.post(
            f"/ler/badges/credentials/{quoted(badge_offer['credential_id'])}/status",
            {"status": "suspended", "reason": "under review"},
        )
        await reload_until(page, "/wallet", welding.locator(".credential-title"), "Revoked")
        await expect(welding).to_contain_text("The college has revoked it")
        await reload_until(page, "/wallet", badge.locator(".credential-title"), "Suspended")
        await expect(badge).to_contain_text("The college has suspended it for now")

        # every wallet page passes axe-core, at a phone's width and a desktop's
        problems = []
        for viewport in (PHONE, DESKTOP):
            await page.set_viewport_size(viewport)
            for path in PAGES:
                await page.goto(path)
                problems += [f"{path} {viewport}: {v}" for v in await serious_violations(page)]
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - window.innerWidth"
                )
                if overflow > 0:
                    problems.append(f"{path} {viewport}: {overflow}px wider than the screen")
        assert problems == []
    finally:
        await context.close()
        for admin in (college, employer, hosted.admin):
            await admin.close()


async def _employer_asks(employer: AdminClient, employer_conn: str, proof: dict) -> str:
    """The employer sends ``proof`` straight to the learner; returns its record id."""
    sent = await employer.post(
        "/present-proof-2.0/send-request",
        {
            "connection_id": employer_conn,
            "presentation_request": {"anoncreds": proof},
            "auto_remove": False,
        },
    )
    return sent["pres_ex_id"]


async def test_refusals_wrong_role_another_learners_data_bad_link_wrong_passphrase(
    browser: Browser, site: Site, network: Network
) -> None:
    context = await new_page(browser, site, DESKTOP)
    page = await context.new_page()
    try:
        # a registrar cannot open the wallet
        await sign_in(page, site, "registrar")
        response = await page.goto("/wallet")
        assert response is not None and response.status == 403
        await expect(page.get_by_role("heading", level=1)).to_have_text("This page is for learners")
        await context.clear_cookies()

        username, password = await new_learner(network)
        await sign_in(page, site, username, password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")

        # a bad invitation link: a clear error, 400
        await page.goto("/wallet/receive")
        for link, message in (
            ("not a link at all", "This is not an invitation link"),
            ("https://college.example/?oob=%%%not-base64", "damaged"),
        ):
            await page.get_by_label("Invitation link from your college").fill(link)
            async with page.expect_response(lambda r: r.request.method == "POST") as answered:
                await page.get_by_role("button", name="Connect my wallet").click()
            assert (await answered.value).status == 400
            await expect(page.get_by_role("alert")).to_contain_text(message)
        response = await page.goto("/wallet/receive?oob=eyJub3QiOiJhbiBpbnZpdGF0aW9uIn0")
        assert response is not None and response.status == 400

        # backup, then a restore with the wrong passphrase, then the right one
        await page.goto("/wallet/backup")
        await page.get_by_label("Passphrase (at least 12 characters)").fill("correct horse 42")
        async with page.expect_download() as download_info:
            await page.get_by_role("button", name="Download a backup").click()
        backup = Path(await (await download_info.value).path())
        assert backup.read_bytes().startswith(b"SQLite format 3\x00")
        await page.get_by_label("Backup file").set_input_files(str(backup))
        await page.get_by_label("The backup's passphrase").fill("wrong horse 42!")
        await page.get_by_role("button", name="Restore").click()
        await expect(page.get_by_role("alert")).to_contain_text("does not open this backup")
        await page.get_by_label("Backup file").set_input_files(str(backup))
        await page.get_by_label("The backup's passphrase").fill("correct horse 42")
        await page.get_by_role("button", name="Restore").click()
        await expect(page.get_by_role("status")).to_contain_text("Your wallet was restored")

        # a form without the session's CSRF token is refused
        answer = await page.request.post("/wallet/my-link", form={"x": "1"})
        assert answer.status == 403
    finally:
        await context.close()


async def _another_learner_sees_none_of_it(
    browser: Browser, site: Site, network: Network, badge_file: str
) -> None:
    """Another learner's wallet lists none of the first's credentials nor serves its badge."""
    username, password = await new_learner(network)
    context = await new_page(browser, site, DESKTOP)
    page = await context.new_page()
    try:
        await sign_in(page, site, username, password)
        await expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")
        await expect(page.get_by_text("Your wallet has no credentials yet")).to_be_visible()
        response = await page.goto(f"/wallet/badges/{badge_file}")
        assert response is not None and response.status == 404
    finally:
        await context.close()
