"""The employer's check page in a real browser, against the network's verifier agent."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from .webkit import Issued, serious_violations

pytestmark = pytest.mark.e2e


def check_item(page: Page, label: str):
    """The list item of one named check."""
    return page.locator("li.check").filter(has=page.get_by_role("heading", name=label))


async def test_a_genuine_credential_passes_every_check_and_shows_its_skills(
    page: Page, badges: list[Issued]
) -> None:
    await page.goto("/check")
    await page.get_by_label("Paste the credential").fill(json.dumps(badges[0].credential))
    await page.get_by_role("button", name="Check this credential").click()
    await expect(
        page.get_by_role("heading", name="This credential passed every check")
    ).to_be_visible()
    for label in ("Signature", "Format", "Dates", "Not revoked or suspended", "Skills"):
        await expect(check_item(page, label).locator(".badge")).to_have_text("Passed")
    await expect(check_item(page, "Issuer accredited by the state").locator(".badge")).to_have_text(
        "Passed"
    )
    skills = page.get_by_role("table", name="Skills and the level reached")
    await expect(skills).to_contain_text("Proficient")
    await expect(skills).to_contain_text("Developing")
    await expect(page.get_by_text("Prairie Ridge Community College")).to_be_visible()
    assert await serious_violations(page) == []


async def test_a_forged_credential_fails_its_signature_with_what_to_do(
    page: Page, badges: list[Issued], tmp_path: Path
) -> None:
    forged = copy.deepcopy(badges[0].credential)
    forged["credentialSubject"]["achievement"]["name"] = "Nuclear Reactor Operator"
    upload = tmp_path / "credential.json"
    upload.write_text(json.dumps(forged))
    await page.goto("/check")
    await page.get_by_label("Or upload the file").set_input_files(upload)
    await page.get_by_role("button", name="Check this credential").click()
    await expect(page.get_by_role("heading", name="This credential failed")).to_be_visible()
    signature = check_item(page, "Signature")
    await expect(signature.locator(".badge")).to_have_text("Failed")
    await expect(signature).to_contain_text("What to do: Do not rely on it.")
    await expect(check_item(page, "Not revoked or suspended").locator(".badge")).to_have_text(
        "Not checked"
    )
    assert await serious_violations(page) == []


async def test_text_that_is_not_json_is_explained_and_kept(page: Page) -> None:
    await page.goto("/check")
    await page.get_by_label("Paste the credential").fill('{"type": ["VerifiableCredential"],')
    await page.get_by_role("button", name="Check this credential").click()
    summary = page.get_by_role("alert")
    await expect(summary).to_contain_text("This is not valid JSON")
    await expect(summary).to_be_focused()
    await expect(page.get_by_label("Paste the credential")).to_have_value(
        '{"type": ["VerifiableCredential"],'
    )
    await expect(page).to_have_title(re.compile(r"^Error: Check a credential"))
    # the error summary's link takes the keyboard to the field
    await summary.get_by_role("link").click()
    await expect(page.get_by_label("Paste the credential")).to_be_focused()
    assert await serious_violations(page) == []


async def test_the_check_works_by_keyboard_alone(page: Page, badges: list[Issued]) -> None:
    await page.goto("/check")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    await page.keyboard.press("Enter")
    field = page.get_by_label("Paste the credential")
    for _ in range(10):  # from the top of main, Tab reaches the text box
        await page.keyboard.press("Tab")
        if await field.evaluate("e => e === document.activeElement"):
            break
    await expect(field).to_be_focused()
    await page.keyboard.insert_text(json.dumps(badges[0].credential))
    await page.keyboard.press("Tab")  # the file chooser
    await page.keyboard.press("Tab")  # the button
    await expect(page.get_by_role("button", name="Check this credential")).to_be_focused()
    await page.keyboard.press("Enter")
    verdict = page.get_by_role("heading", name="This credential passed every check")
    await expect(verdict).to_be_visible()
    await expect(verdict).to_be_focused()  # a screen reader reads the outcome first


async def test_a_form_sent_without_its_csrf_token_gets_a_clear_403(page: Page) -> None:
    await page.goto("/check")
    response = await page.request.post("/check", form={"credential": "{}"})
    assert response.status == 403
    assert "This form has expired" in await response.text()
