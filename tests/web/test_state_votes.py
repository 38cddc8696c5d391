"""The state console's roles and trustee votes, and the ledger as of a past moment, in a real
browser against the session network's state agent and ledger.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from chaintime import later_second
from netkit import Network
from playwright.async_api import Browser, Page, expect

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_node.network import flows

from .webkit import DESKTOP, PHONE, Site, new_page, overflow, serious_violations, sign_in

pytestmark = pytest.mark.e2e


async def _trustees(network: Network) -> list[str]:
    async with LedgerClient(NetworkDescriptor.load(network.info.descriptor)) as reader:
        return await reader.roles.members("TRUSTEE")


async def _remove_trustee(network: Network, newcomer: LocalSigner) -> None:
    """Undo a trustee change the test carried out: the state proposes, the newcomer agrees."""
    async with network.admin("state") as state:
        proposal = await state.post(
            "/ler/governance/trustees",
            {"action": "propose", "account": newcomer.address, "grant": False},
        )
    if not proposal["executed"]:
        descriptor = NetworkDescriptor.load(network.info.descriptor)
        async with LedgerClient(descriptor, newcomer) as own:
            await own.send(own.roles.approve_trustee_change(proposal["proposal_id"]))


async def test_the_state_proposes_a_trustee_and_a_second_vote_is_refused_in_plain_words(
    page: Page, site: Site, network: Network
) -> None:
    before = await _trustees(network)
    newcomer = LocalSigner.generate()
    await sign_in(page, site, "state-officer")
    await page.goto("/state")
    await page.get_by_role("link", name="Roles and votes").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Roles and trustee votes")
    trustees = page.get_by_role("list", name="Accounts holding TRUSTEE")
    async with network.admin("state") as state:
        state_account = (await state.get("/ler/account"))["address"]
    await expect(trustees).to_contain_text(state_account)
    await expect(trustees).to_contain_text("State Office of Workforce Credentials")
    assert await serious_violations(page) == []

    await page.get_by_label("Ledger account").fill("0x1234")
    await page.get_by_role("button", name="Propose the change").click()
    await expect(page.get_by_role("alert")).to_contain_text("Enter the ledger account")
    await expect(page.get_by_role("alert")).to_contain_text("Choose whether to add or remove")

    await page.get_by_label("Ledger account").fill(state_account)  # already a trustee
    await page.get_by_label("Add as a trustee").check()
    await page.get_by_role("button", name="Propose the change").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "already is, or already is not, a trustee"
    )

    await page.get_by_label("Ledger account").fill(newcomer.address)
    await page.get_by_label("Add as a trustee").check()
    await page.get_by_role("button", name="Propose the change").click()
    notice = page.get_by_role("status")
    await expect(notice).to_contain_text(f"add trustee {newcomer.address}")
    executed = len(before) == 1  # the state alone is a majority of one
    try:
        if executed:
            await expect(notice).to_contain_text("It has been carried out.")
            assert newcomer.address in await _trustees(network)
        else:
            await expect(notice).to_contain_text(f"It has 1 of the {len(before) // 2 + 1} votes")
            proposal_id = re.search(r"proposal (\d+)", await notice.inner_text())
            assert proposal_id is not None
            item = page.locator("li.check").filter(has_text=newcomer.address)
            await expect(item).to_contain_text("It has 1 of the")
            await item.get_by_role("button", name=f"Vote for proposal {proposal_id[1]}").click()
            await expect(page.get_by_role("alert")).to_contain_text(
                "The state has already voted for this change."
            )
            assert await _trustees(network) == before
        assert await serious_violations(page) == []
        await page.set_viewport_size(PHONE)
        assert await serious_violations(page) == []
        assert await overflow(page) == []
    finally:
        if newcomer.address in await _trustees(network):
            await _remove_trustee(network, newcomer)
    assert sorted(await _trustees(network)) == sorted(before)


async def test_someone_without_a_session_is_sent_to_sign_in(page: Page) -> None:
    await page.goto("/state/roles")
    await expect(page).to_have_url(re.compile(r"/sign-in\?next=/state/roles$"))
    response = await page.request.post("/state/roles", form={"action": "approve"})
    assert response.status == 403  # no CSRF token, no session


async def test_the_ledger_shows_revocations_and_accreditations_as_of_an_earlier_moment(
    browser: Browser, site: Site, network: Network
) -> None:
    name = f"WebHistory{uuid.uuid4().hex[:6]}"
    async with (
        network.admin("state") as state,
        network.admin("college") as college,
        network.admin("learner") as learner,
    ):
        await flows.set_accreditation(state, network.did("college"), name, "accredit")
        kind = await flows.publish_credential_type(
            college, network.did("college"), name=name, registry_size=10
        )
        admins = {"college": college, "learner": learner}
        connection, _ = await network.connection(admins, "college", "learner")
        issued = await flows.issue_credential(
            college,
            connection,
            kind.cred_def_id,
            {"program": "Web", "skill": "History", "level": "3", "date": "20261129"},
        )
        before = await later_second(NetworkDescriptor.load(network.info.descriptor))
        block_before = (await state.get("/ler/ledger/records"))["block"]
        assert (await flows.revoke(college, issued))["state"] == "done"
    assert issued.rev_reg_id and issued.cred_rev_id

    context = await new_page(browser, site, PHONE)
    page = await context.new_page()
    try:
        await sign_in(page, site, "state-officer")
        await page.goto("/state/ledger")
        await page.get_by_role("link", name="See the ledger as of an earlier moment").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("The ledger as of a moment")
        await page.get_by_label("Revocation registry").select_option(value=issued.rev_reg_id)
        await page.get_by_role("button", name="Show the ledger then").click()
        result = page.locator("#revoked-result")
        await expect(result).to_contain_text("1 revoked: index")
        await expect(result).to_contain_text(f"index {issued.cred_rev_id}.")
        standing = page.get_by_role("table", name="Each college's accreditation at that moment")
        await expect(standing.get_by_role("row", name=re.compile(name))).to_contain_text("Active")
        assert await overflow(page) == []  # a phone shows it whole
        assert await serious_violations(page) == []

        await page.get_by_label("Date and time (UTC)").fill(
            datetime.fromtimestamp(before, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        )
        await page.get_by_role("button", name="Show the ledger then").click()
        await expect(result).to_contain_text("None revoked.")

        await page.get_by_label("Date and time (UTC)").fill("")
        await page.get_by_label("Or block number").fill(str(block_before))
        await page.get_by_role("button", name="Show the ledger then").click()
        await expect(result).to_contain_text("None revoked.")
        await expect(page.get_by_role("main")).to_contain_text(f"(block {block_before})")

        await page.get_by_label("Or block number").fill("")
        await page.get_by_label("Date and time (UTC)").fill("2001-01-01")
        await page.get_by_role("button", name="Show the ledger then").click()
        await expect(page.get_by_role("main")).to_contain_text("No college was accredited then.")

        response = await page.goto("/state/ledger/history?when=last+tuesday")
        assert response is not None and response.status == 400
        await expect(page.get_by_role("alert")).to_contain_text(
            "Enter the date and time like 2026-11-29T08:00 (UTC)"
        )
        response = await page.goto(f"/state/ledger/history?block={'9' * 30}")
        assert response is not None and response.status == 400
        await expect(page.get_by_role("alert")).to_contain_text("A block number is a whole")
        registry = quote(issued.rev_reg_id, safe="")
        response = await page.goto(f"/state/ledger/history?rev_reg_id={registry}&block=99999999")
        assert response is not None and response.status == 400
        await expect(page.get_by_role("alert")).to_contain_text("not on the ledger yet")
        assert await serious_violations(page) == []
        await page.set_viewport_size(DESKTOP)
        assert await serious_violations(page) == []
    finally:
        await context.close()
