"""The web pages in a real browser: Debian's chromium driven by Playwright, against the web app
the session's network started (``network.info.web_url``) and its real agents.

One browser per session; each test gets a fresh browser context (its own cookies).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from netkit import Network
from playwright.async_api import Browser, Page, async_playwright

from ler_node.network.web_process import accounts_note

from .webkit import CHROMIUM, DESKTOP, Issued, Site, issue_badge, new_page


@pytest.fixture(scope="session")
def site(network: Network) -> Site:
    """The web app of the session's network, with the passwords the launcher made."""
    assert network.info.web_url.startswith("http://127.0.0.1:"), network.info.web_url
    passwords = {}
    for line in accounts_note(network.data_dir).read_text("utf-8").splitlines():
        username, _, password = line.partition(": ")
        passwords[username.split(" ")[0]] = password
    return Site(network.info.web_url, passwords, network)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless (installed by `make browser`)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, site: Site) -> AsyncIterator[Page]:
    """A desktop-sized page with no session."""
    context = await new_page(browser, site, DESKTOP)
    yield await context.new_page()
    await context.close()


@pytest.fixture(scope="session")
async def badges(network: Network) -> list[Issued]:
    """Two badges the college issued to the learner: one to keep, one to revoke."""
    return [
        await issue_badge(network, "CNC Machining I"),
        await issue_badge(network, "Blueprint Reading"),
    ]
