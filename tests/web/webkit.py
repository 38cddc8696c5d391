"""Helpers of the browser tests: the site, axe-core, signing in, a real issued badge."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netkit import Network
from playwright.async_api import Browser, BrowserContext, Page

from ler_node.network.admin import AdminClient

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "ledger_config" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SKILLS = [{"skill": "2.B.3.k", "level": "Proficient"}, {"skill": "2.C.3.e", "level": 2}]


@dataclass
class Site:
    """The running web app and its first accounts."""

    url: str
    passwords: dict[str, str]
    network: Network


async def new_page(browser: Browser, site: Site, viewport: dict[str, int]) -> BrowserContext:
    """A fresh context (no cookies) at ``viewport``; axe is injected despite the page's CSP."""
    return await browser.new_context(base_url=site.url, viewport=viewport, bypass_csp=True)


async def serious_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    violations = await page.evaluate(
        """async () => (await axe.run(document)).violations.map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


async def sign_in(page: Page, site: Site, username: str, password: str | None = None) -> None:
    """Sign in through the form."""
    await page.goto("/sign-in")
    await page.get_by_label("User name").fill(username)
    await page.get_by_label("Password").fill(password or site.passwords[username])
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()


@dataclass
class Issued:
    """A credential the college issued to the learner, as the learner's wallet stored it."""

    credential: dict[str, Any]
    credential_id: str


async def issue_badge(network: Network, name: str) -> Issued:
    """Accredit the college for Certificate, connect it to the learner and issue one badge."""
    admins = {a: network.admin(a) for a in ("state", "college", "learner")}
    try:
        await admins["state"].post(
            "/ler/governance/accreditations",
            {
                "issuer": network.did("college"),
                "credential_type": "Certificate",
                "action": "accredit",
            },
        )
        college_conn, _ = await network.connection(admins, "college", "learner")
        created = await admins["learner"].post(
            "/wallet/did/create", {"method": "key", "options": {"key_type": "ed25519"}}
        )
        template = {
            "credentialSubject": {
                "id": created["result"]["did"],
                "type": ["AchievementSubject"],
                "achievement": {
                    "id": f"https://prairieridge.example/achievements/{uuid.uuid4()}",
                    "type": ["Achievement"],
                    "name": name,
                    "description": "Sets up and runs a three-axis mill.",
                    "criteria": {"narrative": "Passed the practical assessment."},
                    "achievementType": "Certificate",
                },
            }
        }
        offer = await admins["college"].post(
            "/ler/badges/credentials/send-offer",
            {
                "connection_id": college_conn,
                "credential": template,
                "skills": SKILLS,
                "issuer_did": network.did("college"),
            },
        )
        signed = await _signed(admins["college"], offer["cred_ex_id"])
        return Issued(signed, offer["credential_id"])
    finally:
        for admin in admins.values():
            await admin.close()


async def _signed(college: AdminClient, cred_ex_id: str) -> dict[str, Any]:
    """The credential as the college signed and sent it (what the learner's wallet holds)."""
    for _ in range(300):
        record = await college.get(f"/issue-credential-2.0/records/{cred_ex_id}")
        issued = (record.get("ld_proof") or {}).get("cred_issue") or (
            record["cred_ex_record"].get("by_format") or {}
        ).get("cred_issue", {}).get("ld_proof")
        if issued:
            return issued
        assert record["cred_ex_record"]["state"] != "abandoned", record["cred_ex_record"]
        await asyncio.sleep(0.1)
    raise AssertionError(f"the college never issued {cred_ex_id}")


async def overflow(page: Page) -> list[str]:
    """What makes the page wider than the window: [] if it fits, as on a phone it must.

    Each element reaching past the right edge that no scrolling box of its own holds in.
    """
    return await page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            if (document.documentElement.scrollWidth <= width) return [];
            const held = e => {
                for (let p = e.parentElement; p; p = p.parentElement) {
                    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)
                        && p !== document.documentElement && p !== document.body) return true;
                }
                return false;
            };
            const wide = [...document.body.querySelectorAll('*')]
                .filter(e => !held(e)
                    && (e.getBoundingClientRect().right + window.scrollX > width + 1
                        || (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0
                            && getComputedStyle(e).overflowX === 'visible')))
                .map(e => `${e.tagName.toLowerCase()}.${e.className}: `
                    + e.textContent.trim().slice(0, 40));
            return wide.length ? wide : [`${document.documentElement.scrollWidth - width}px wider`];
        }"""
    )
