"""A hosted learner in the browser tests: accounts, invitations, offers, reloading until shown."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from urllib.parse import urlsplit

from netkit import Network
from playwright.async_api import Locator, Page, expect

from ler_node.network.admin import AdminClient
from ler_node.network.hosting import Hosting
from ler_node.network.web_process import web_root
from ler_web.user_accounts import AccountStore


def learner_wallet_id(network: Network, username: str) -> str:
    """The wallet (tenant) id of a learner's web account."""
    account = AccountStore(web_root(network.data_dir) / "accounts.json").get(username)
    assert account is not None and account.role == "learner" and account.wallet_id
    return account.wallet_id


async def invite(admin: AdminClient, alias: str) -> tuple[str, str]:
    """An invitation link of ``admin``'s agent and its out-of-band record id."""
    made = await admin.post(
        "/out-of-band/create-invitation",
        {"handshake_protocols": ["https://didcomm.org/didexchange/1.1"], "alias": alias},
        auto_accept="true",
    )
    return made["invitation_url"], made["oob_id"]


async def connect_in_browser(
    page: Page, admin: AdminClient, alias: str, *, opened_from: str | None = None
) -> str:
    """The learner pastes ``admin``'s invitation link, or opens it on the site and sees it comes
    from ``opened_from``; returns ``admin``'s connection id."""
    link, oob_id = await invite(admin, alias)
    oob = await admin.get("/out-of-band/invitations", oob_id=oob_id)  # gone once used
    if opened_from:
        await page.goto("/wallet/receive?" + urlsplit(link).query)
        await expect(page.get_by_text("This link connects your wallet to")).to_contain_text(
            opened_from
        )
        await expect(page.get_by_label("Invitation link from your college")).not_to_be_empty()
    else:
        await page.goto("/wallet/receive")
        await page.get_by_label("Invitation link from your college").fill(link)
    await page.get_by_role("button", name="Connect my wallet").click()
    await expect(page.get_by_role("status")).to_contain_text("Your wallet is connecting to")
    connection_id = oob["connection_id"]
    await admin.wait_for(
        f"/connections/{connection_id}",
        lambda c: c["state"] in ("active", "completed"),
        what="the learner's connection",
    )
    return connection_id


async def reload_until(page: Page, path: str, locator: Locator, text: str) -> None:
    """Reload ``path`` until ``locator`` shows ``text`` (a status change reaches the ledger)."""
    deadline = time.monotonic() + 60
    while True:
        await page.goto(path)
        if await locator.count() and text in await locator.inner_text():
            return
        assert time.monotonic() < deadline, f"{path} never showed {text!r}"
        await page.wait_for_timeout(500)


async def accept_offer(page: Page, title: str) -> None:
    """Reload the receive page until the offer shows, then accept it."""
    await answer_offer(page, "Accept", title)


async def answer_offer(page: Page, choice: str, title: str) -> None:
    """Reload the receive page until the offer shows, then accept or decline it."""
    accept = page.get_by_role("button", name=re.compile(f"^{choice} {re.escape(title)}"))
    deadline = time.monotonic() + 30
    while True:
        await page.goto("/wallet/receive")
        if await accept.count():
            break
        assert time.monotonic() < deadline, (
            f"the offer of {title} never reached the wallet: {await page.inner_text('main')}"
        )
        await page.wait_for_timeout(300)
    await accept.click()
    done = {"Accept": "accepted", "Decline": "declined"}[choice]
    await expect(page.get_by_role("status")).to_contain_text(f"You {done} {title}")


def badge_request(subject: str, name: str) -> dict:
    return {
        "credentialSubject": {
            "id": subject,
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"https://prairieridge.example/achievements/{uuid.uuid4()}",
                "type": ["Achievement"],
                "name": name,
                "description": "Programs and runs a robotic welding cell.",
                "criteria": {"narrative": "Passed the practical assessment."},
                "achievementType": "Certificate",
            },
        }
    }


async def demo_learner_token(hosted: Hosting, network: Network) -> str:
    """A token of the demo learner's tenant, as the web app gets one (same second: same token)."""
    wallet_id = learner_wallet_id(network, "learner")
    return (await hosted.admin.post(f"/multitenancy/wallet/{wallet_id}/token"))["token"]


async def new_learner(network: Network, name: str = "Second Learner") -> tuple[str, str]:
    """A new hosted learner (account and tenant of its own), holding nothing: (user, password)."""
    async with Hosting.of(network.home("hosted")) as hosting:
        other = await hosting.create(name)
    password = secrets.token_urlsafe(16)
    username = f"learner-{uuid.uuid4().hex[:8]}"
    AccountStore(web_root(network.data_dir) / "accounts.json").add(
        username, name, "learner", password, other.wallet_id
    )
    return username, password
