"""Every page at a phone's size (390x844): axe-core finds no serious or critical violation, and
nothing is wider than the screen.

``make screenshots`` runs this with ``LER_SCREENSHOTS=<dir>``: then each page is also pictured, at
the phone's size and at a desktop's.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from .webkit import DESKTOP, PHONE, Issued, Site, new_page, serious_violations, sign_in

pytestmark = pytest.mark.e2e

ANONYMOUS = ["/", "/check", "/sign-in", "/no-such-page"]
STATE = [
    "/state",
    "/state/accreditations",
    "/state/endorsements",
    "/state/ledger",
    "/state/ledger/history",
    "/state/roles",
]
REGISTRAR = [
    "/registrar",
    "/registrar/ledger-writes",
    "/registrar/invite",
    "/registrar/issue",
    "/registrar/types",
    "/registrar/batches",
]
LEARNER = ["/wallet", "/wallet/receive", "/wallet/requests", "/wallet/backup"]
EMPLOYER = ["/employer"]
#: who signs in (an account of the accounts note) and the pages they see
VISITS = (
    (None, ANONYMOUS),
    ("state-officer", STATE),
    ("registrar", REGISTRAR),
    ("learner", LEARNER),
    ("employer", EMPLOYER),
)


def _name(path: str) -> str:
    return path.strip("/").replace("/", "-") or "home"


async def _judge(page: Page, name: str, problems: list[str]) -> None:
    problems += [
        f"{name}: {v['id']}: {v['help']} {v['nodes']}" for v in await serious_violations(page)
    ]
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{name}: {overflow}px wider than a phone's screen")
    if folder := os.environ.get("LER_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}-phone.png"), full_page=True)
        await page.set_viewport_size(DESKTOP)
        await page.screenshot(path=str(Path(folder) / f"{name}-desktop.png"), full_page=True)
        await page.set_viewport_size(PHONE)


async def test_every_page_is_accessible_and_fits_a_phone(
    browser: Browser, site: Site, badges: list[Issued]
) -> None:
    problems: list[str] = []
    for who, paths in VISITS:
        context = await new_page(browser, site, PHONE)
        page = await context.new_page()
        if who:
            await sign_in(page, site, who)
        for path in paths:
            await page.goto(path)
            await _judge(page, _name(path), problems)
        if who is None:  # the check page with a result
            await page.goto("/check")
            await page.get_by_label("Paste the credential").fill(json.dumps(badges[0].credential))
            await page.get_by_role("button", name="Check this credential").click()
            await page.get_by_role("heading", name="The checks").wait_for()
            await _judge(page, "check-result", problems)
        await context.close()
    assert problems == []
