"""The state and registrar consoles in a real browser, against the network's real agents."""

from __future__ import annotations

import asyncio
import json
import re
import uuid

import pytest
from netkit import Network
from playwright.async_api import Page, expect

from .webkit import Issued, Site, serious_violations, sign_in

pytestmark = pytest.mark.e2e


async def test_a_wrong_password_is_refused_and_the_right_one_opens_the_state_console(
    page: Page, site: Site
) -> None:
    await sign_in(page, site, "state-officer", "not the password at all")
    await expect(page.get_by_role("alert")).to_contain_text(
        "The user name or password is not right"
    )
    await expect(page).to_have_title(re.compile("^Error: Sign in"))
    await page.get_by_label("Password").fill(site.passwords["state-officer"])
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("State console")
    health = page.get_by_role("table", name="Parts of the network and whether they answer")
    await expect(health.get_by_role("row", name=re.compile("Prairie Ridge"))).to_contain_text("Up")
    await expect(health.get_by_role("row", name=re.compile("Tails server"))).to_contain_text("Up")
    await expect(health.get_by_role("row", name=re.compile("^Ledger"))).to_contain_text("block")
    assert await serious_violations(page) == []


async def test_a_registrar_cannot_open_the_state_console(page: Page, site: Site) -> None:
    await sign_in(page, site, "registrar")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "Credentials your college issued"
    )
    response = await page.goto("/state/accreditations")
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        "This page is for state officers"
    )
    await page.get_by_role("link", name="Go to your console").click()
    await expect(page).to_have_url(re.compile("/registrar$"))


async def test_the_state_accredits_and_suspends_with_a_reason_and_keeps_the_history(
    page: Page, site: Site, network: Network
) -> None:
    credential_type = f"WebConsoleType-{uuid.uuid4().hex[:8]}"
    college = network.did("college")
    await sign_in(page, site, "state-officer")
    await page.goto("/state/accreditations")
    await page.get_by_label("College", exact=True).select_option(value=college)
    await page.get_by_label("Credential type", exact=True).fill(credential_type)
    await page.get_by_label("Accredit", exact=True).check()
    await page.get_by_role("button", name="Save the change").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"You accredited Prairie Ridge Community College for {credential_type}"
    )
    now = page.get_by_role("table", name="Each college's accreditation by credential type")
    await expect(now.get_by_role("row", name=re.compile(credential_type))).to_contain_text("Active")

    await page.get_by_label("College", exact=True).select_option(value=college)
    await page.get_by_label("Credential type", exact=True).fill(credential_type)
    await page.get_by_label("Suspend", exact=True).check()
    await page.get_by_role("button", name="Save the change").click()  # no reason
    await expect(page.get_by_role("alert")).to_contain_text("Give a reason")
    await expect(page.get_by_label("Credential type", exact=True)).to_have_value(
        credential_type
    )  # kept
    await page.get_by_label("Reason", exact=True).fill("annual review overdue")
    await page.get_by_role("button", name="Save the change").click()
    await expect(page.get_by_role("status")).to_contain_text("You suspended")
    history = page.get_by_role("table", name=re.compile("Every accreditation change"))
    await expect(
        history.get_by_role("row", name=re.compile(credential_type)).first
    ).to_contain_text("annual review overdue")
    async with network.admin("state") as state:
        terms = await state.get(f"/ler/accreditations/{college}", credential_type=credential_type)
    assert terms["results"][0]["status"] == "suspended"
    assert await serious_violations(page) == []


async def _held(network: Network, names: list[str]) -> None:
    async with network.admin("state") as state:
        for _ in range(300):
            pending = await state.get("/ler/endorsement/requests", role="endorser", state="pending")
            held = [r for r in pending["results"] if any(n in r["object_id"] for n in names)]
            if len(held) == len(names):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"the state never held the writes of {names}")


async def test_the_state_approves_one_held_write_and_refuses_another_with_a_reason(
    page: Page, site: Site, network: Network
) -> None:
    names = [f"WebApprove{uuid.uuid4().hex[:6]}", f"WebRefuse{uuid.uuid4().hex[:6]}"]
    college_did = network.did("college")
    async with network.admin("state") as state, network.admin("college") as college:
        await state.put("/ler/endorsement/policy", {"auto_approve": False})
        try:
            for name in names:
                await college.post(
                    "/anoncreds/schema",
                    {
                        "schema": {
                            "attrNames": ["skill"],
                            "issuerId": college_did,
                            "name": name,
                            "version": "1.0",
                        }
                    },
                )
            await _held(network, names)
        finally:
            await state.put("/ler/endorsement/policy", {"auto_approve": True})
        await sign_in(page, site, "state-officer")
        await page.goto("/state/endorsements")
        approve_item = page.locator("li.check").filter(has_text=names[0])
        refuse_item = page.locator("li.check").filter(has_text=names[1])
        await expect(approve_item).to_contain_text("Prairie Ridge Community College asks to write")
        assert await serious_violations(page) == []
        await approve_item.get_by_role("button", name=re.compile("^Approve")).click()
        await expect(page.get_by_role("status")).to_contain_text("approved and sent to the ledger")
        await refuse_item.get_by_role("button", name=re.compile("^Refuse")).click()
        await expect(page.get_by_role("alert")).to_contain_text("Give a reason for refusing")
        await refuse_item.get_by_label("Reason for refusing").fill(
            "not on the approved programme list"
        )
        await refuse_item.get_by_role("button", name=re.compile("^Refuse")).click()
        await expect(page.get_by_role("status")).to_contain_text("was refused")
        decided = page.get_by_role("table", name=re.compile("latest endorsement requests"))
        await expect(decided.get_by_role("row", name=re.compile(names[1]))).to_contain_text(
            "not on the approved programme list"
        )
        # the refusal reaches the college over DIDComm after the page has said so
        for _ in range(100):
            authored = await college.get("/ler/endorsement/requests", role="author")
            states = {
                name: next(r["state"] for r in authored["results"] if name in r["object_id"])
                for name in names
            }
            if states[names[1]] != "request-sent":
                break
            await asyncio.sleep(0.1)
    assert states[names[1]] == "refused"
    assert states[names[0]] in ("request-sent", "done")  # done once the ledger has it


async def test_the_ledger_browser_shows_dids_and_accreditations(
    page: Page, site: Site, network: Network, badges: list[Issued]
) -> None:
    await sign_in(page, site, "state-officer")
    await page.goto("/state/ledger")
    dids = page.get_by_role("table", name="Decentralised identifiers and their versions")
    row = dids.get_by_role("row", name=re.compile("Prairie Ridge Community College"))
    await expect(row).to_contain_text(network.did("college"))
    await expect(row).to_contain_text("Created in block")
    history = page.get_by_role("table", name="Accreditation changes, oldest first")
    await expect(history.get_by_role("row", name=re.compile("Certificate")).first).to_contain_text(
        "Accredited"
    )
    assert await serious_violations(page) == []


async def test_the_registrar_revokes_a_badge_and_the_employers_check_then_fails(
    page: Page, site: Site, network: Network, badges: list[Issued]
) -> None:
    revoked = badges[1]
    await sign_in(page, site, "registrar")
    item = page.locator("li.check").filter(has_text=revoked.credential_id)
    await expect(item.locator(".badge")).to_have_text("Valid")
    await item.get_by_role("button", name="Revoke").click()  # no reason
    await expect(page.get_by_role("alert")).to_contain_text("Give a reason")
    await item.get_by_label(re.compile("^Reason")).fill("issued in error")
    await item.get_by_role("button", name="Revoke").click()
    await expect(page.get_by_role("status")).to_contain_text(f"You revoked {revoked.credential_id}")
    assert await serious_violations(page) == []
    async with network.admin("employer") as employer:  # the change lands once it is endorsed
        for _ in range(300):
            verdict = await employer.post("/ler/badges/verify", {"credential": revoked.credential})
            if "revoked" in verdict["reasons"]:
                break
            await asyncio.sleep(0.1)
    await page.goto("/check")
    await page.get_by_label("Paste the credential").fill(json.dumps(revoked.credential))
    await page.get_by_role("button", name="Check this credential").click()
    status = page.locator("li.check").filter(has=page.get_by_role("heading", name="Not revoked"))
    await expect(status.locator(".badge")).to_have_text("Failed")
    await expect(status).to_contain_text("The college has revoked it.")
    await expect(status).to_contain_text("What to do: Contact the college's registrar")

    await page.goto("/registrar/ledger-writes")
    writes = page.get_by_role("table", name=re.compile("ledger writes"))
    await expect(
        writes.get_by_role("row", name=re.compile("Badge status list")).first
    ).to_be_visible()


async def test_the_registrar_makes_an_invitation_link(page: Page, site: Site) -> None:
    await sign_in(page, site, "registrar")
    await page.goto("/registrar/invite")
    await page.get_by_role("button", name="Make an invitation link").click()
    await expect(page.get_by_role("alert")).to_contain_text("Enter the learner's name")
    await page.get_by_label("Learner's name").fill("Jordan Rivera")
    await page.get_by_role("button", name="Make an invitation link").click()
    link = page.get_by_label("Invitation link for Jordan Rivera")
    await expect(link).to_have_value(re.compile(r"^http://127\.0\.0\.1:\d+\?oob="))
    qr = page.get_by_role("img", name="QR code of the invitation link for Jordan Rivera")
    assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    email = page.get_by_label("E-mail to send to Jordan Rivera")
    await expect(email).to_have_value(re.compile(re.escape(await link.input_value())))
    assert await serious_violations(page) == []
