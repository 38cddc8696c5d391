"""The registrar defines credential types and issues them, to one learner or from a CSV file.

In a real browser against the session network's web app and college agent; a learner's VC-API
wallet (:mod:`ler_node.vcapi_wallet`) claims a link the batch made. The last test runs a batch
against a stand-in agent to show each row ends done or failed with a reason.
"""

from __future__ import annotations

import csv
import io
import re
import ssl
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from netkit import Network
from playwright.async_api import Browser, Page, expect

from ler_node.network.admin import AdminError
from ler_node.network.local_tls import tls_files
from ler_node.network.web_process import web_root
from ler_node.vcapi_wallet import VcApiWallet
from ler_web import WebSettings, create_app
from ler_web.agent_calls import AgentCallError
from ler_web.registrar_batch_store import BatchStore
from ler_web.registrar_batches import DONE, FAILED, WAITING, Batch, BatchRow, _cell, _run
from ler_web.registrar_csv import CsvRefused, Row, read_batch
from ler_web.web_store import store_path

from .webkit import DESKTOP, PHONE, Site, new_page, serious_violations, sign_in

TYPES = "/ler/badges/credential-types"
EXCHANGES = "/ler/badges/vc-api/exchanges"
LEVELS = [
    {"level": 1, "name": "Foundational"},
    {"level": 2, "name": "Developing"},
    {"level": 3, "name": "Proficient"},
    {"level": 4, "name": "Advanced"},
]


def _unique(name: str) -> str:
    return f"{name} {uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
async def welding(network: Network) -> dict[str, Any]:
    """A credential type of the college, defined through its admin API."""
    async with network.admin("college") as college:
        return await college.post(
            TYPES,
            {
                "name": _unique("Welding Fundamentals"),
                "description": "Runs safe MIG welds on mild steel.",
                "criteria": "Passed the practical assessment.",
                "achievement_type": "Certificate",
                "skills": [
                    {"skill": "2.B.3.k", "level": "Proficient"},
                    {"skill": "2.C.3.e", "level": 2},
                ],
            },
        )


async def _csv_upload(page: Page, content: str, type_name: str | None, name: str = "l.csv") -> None:
    await page.goto("/registrar/batches")
    if type_name:
        await page.get_by_label("Credential type for everyone").select_option(label=type_name)
    await page.get_by_label("CSV file of learners").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": content.encode("utf-8")}]
    )
    await page.get_by_role("button", name="Check the file").click()


@pytest.mark.e2e
async def test_the_registrar_defines_a_credential_type_from_the_catalogue(
    page: Page, site: Site, network: Network
) -> None:
    name = _unique("CNC Machining I")
    await sign_in(page, site, "registrar")
    await page.goto("/registrar/types")
    await page.get_by_role("button", name="Define the credential type").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Enter the name")
    await expect(alert).to_contain_text("Choose at least one skill")
    await expect(page).to_have_title(re.compile("^Error: Credential types"))
    assert await serious_violations(page) == []

    await page.get_by_label("Name", exact=True).fill(name)
    await page.get_by_label("What the learner can do").fill("Sets up and runs a three-axis mill.")
    await page.get_by_label("How it is earned").fill("Passed the practical assessment.")
    await page.get_by_label("Kind of credential").select_option(label="Industry certification")
    await page.get_by_text("Cross-Functional Skills").click()  # a closed group of the catalogue
    await page.get_by_label("Troubleshooting").select_option(label="3 Proficient")
    await page.get_by_text("Knowledge", exact=True).click()
    await page.get_by_label(re.compile(r"^Mechanical")).select_option(label="2 Developing")
    await page.get_by_role("button", name="Define the credential type").click()
    await expect(page.get_by_role("status")).to_contain_text(
        f"You defined the credential type {name}"
    )
    item = page.locator("li.check").filter(has=page.get_by_role("heading", name=name))
    await expect(item).to_contain_text("Troubleshooting: Proficient (level 3)")
    await expect(item).to_contain_text("Mechanical: Developing (level 2)")
    assert await serious_violations(page) == []

    async with network.admin("college") as college:
        [stored] = [t for t in (await college.get(TYPES))["results"] if t["name"] == name]
    assert stored["achievement_type"] == "Certification"
    assert [(s["skill"], s["level"]) for s in stored["skills"]] == [("2.B.3.k", 3), ("2.C.3.e", 2)]
    assert stored["achievement"]["criteria"] == {"narrative": "Passed the practical assessment."}

    await page.get_by_label("Name", exact=True).fill(name.upper())  # names are case-blind
    await page.get_by_label("What the learner can do").fill("Again.")
    await page.get_by_label("How it is earned").fill("Again.")
    await page.get_by_text("Cross-Functional Skills").click()
    await page.get_by_label("Troubleshooting").select_option(label="1 Foundational")
    await page.get_by_role("button", name="Define the credential type").click()
    await expect(page.get_by_role("alert")).to_contain_text("already has a credential type")


@pytest.mark.e2e
async def test_the_types_admin_api_refuses_bad_input_with_json(
    network: Network, welding: dict[str, Any]
) -> None:
    base = {"name": _unique("Bad"), "description": "d", "criteria": "c"}
    async with network.admin("college") as college:
        for body, status, words in (
            ({**base, "skills": [{"skill": "9.Z.9", "level": 1}]}, 422, "not in the skills"),
            ({**base, "skills": [{"skill": "2.B.3.k", "level": 9}]}, 422, "not a proficiency"),
            ({**base, "skills": []}, 422, "skills"),
            ({**welding, "name": welding["name"].lower()}, 409, "exists"),
        ):
            with pytest.raises(AdminError) as refused:
                await college.post(TYPES, body)
            assert (refused.value.status, words in str(refused.value)) == (status, True), body
        with pytest.raises(AdminError) as missing:
            await college.get(f"{TYPES}/{uuid.uuid4()}")
        assert missing.value.status == 404
        assert (await college.get(f"{TYPES}/{welding['type_id']}"))["name"] == welding["name"]


@pytest.mark.e2e
async def test_a_batch_issues_the_good_rows_and_reports_the_bad_one(
    page: Page, site: Site, network: Network, welding: dict[str, Any]
) -> None:
    tag = uuid.uuid4().hex[:6]
    good = [(f"Learner {tag} {i}", f"learner{i}.{tag}@example.org") for i in range(6)]
    lines = ["name,email,Troubleshooting"]
    lines += [f"{n},{e},{'4' if i == 0 else ''}" for i, (n, e) in enumerate(good[:3])]
    lines.append(f"Bad Row {tag},not-an-email,")
    lines += [f"{n},{e}," for n, e in good[3:]]
    async with network.admin("college") as college:
        before = {
            x["exchange_id"] for x in (await college.get(EXCHANGES, kind="issuance"))["results"]
        }

    await sign_in(page, site, "registrar")
    await _csv_upload(page, "\n".join(lines) + "\n", welding["name"])
    await expect(page.get_by_role("status")).to_contain_text(
        "We checked 7 learners: 6 can be issued, 1 cannot until the file is fixed"
    )
    problem = page.locator("li.check").filter(has_text=f"Bad Row {tag}")
    await expect(problem).to_contain_text("Line 5")
    await expect(problem).to_contain_text("'not-an-email' is not an e-mail address")
    assert await serious_violations(page) == []

    await page.get_by_role("button", name="Issue to the 6 learners without problems").click()
    await expect(page.get_by_label("Progress")).to_be_visible()
    await expect(page.get_by_role("status")).to_contain_text(
        "Finished: 6 of 6 learners issued, 1 not issued because of problems in the file",
        timeout=60_000,
    )
    batch_url = page.url
    rows = page.locator("#batch-progress li.check")
    await expect(rows).to_have_count(7)
    await expect(rows.filter(has_text=f"Bad Row {tag}").locator(".badge")).to_have_text(
        "Not issued"
    )
    await expect(rows.filter(has_text=good[0][0]).locator(".badge")).to_have_text("Issued")
    assert await serious_violations(page) == []

    await page.reload()  # the batch lives in the web app, not in the page
    await rows.filter(has_text=good[0][0]).get_by_role("link", name="QR code and e-mail").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Send {good[0][0]} their credential"
    )
    link = await page.get_by_label(f"Invitation link for {good[0][0]}").input_value()
    assert re.match(r"^https?://.+iuv=1", link), link
    qr = page.get_by_role("img", name=f"QR code of the invitation link for {good[0][0]}")
    assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
    email = await page.get_by_label(f"E-mail to send to {good[0][1]}").input_value()
    assert f"Dear {good[0][0]}," in email and link in email
    assert await serious_violations(page) == []
    await page.get_by_role("link", name=re.compile("^Back to all learners")).click()
    assert page.url == batch_url
    missing = await page.goto(batch_url + "/rows/5")  # the bad row has nothing to send
    assert missing is not None and missing.status == 404
    table = await page.request.get(batch_url + "/results.csv")
    assert table.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(await table.text())))
    assert lines[0][:6] == ["line", "name", "email", "result", "reason", "link"]
    assert [r[3] for r in lines[1:]] == ["done"] * 3 + ["not issued"] + ["done"] * 3
    assert link in lines[1] and "is not an e-mail address" in lines[4][4]

    # the batch is kept in the web app's state file: a new app object on it still shows it
    settings = WebSettings.load(web_root(network.data_dir) / "web.yml")
    restarted = web.AppRunner(create_app(settings))
    await restarted.setup()
    await web.TCPSite(restarted, "127.0.0.1", 0).start()
    try:  # the session cookie is valid there too: the same host and session key file
        port = restarted.addresses[0][1]
        await page.goto(f"http://127.0.0.1:{port}{urlsplit(batch_url).path}")
        await expect(page.get_by_role("status")).to_contain_text(
            "Finished: 6 of 6 learners issued, 1 not issued because of problems in the file"
        )
        await expect(rows.filter(has_text=good[0][0]).get_by_role("link")).to_have_text(
            f"QR code and e-mail for {good[0][0]}"
        )
    finally:
        await restarted.cleanup()

    async with network.admin("college") as college:
        after = (await college.get(EXCHANGES, kind="issuance"))["results"]
    made = [x for x in after if x["exchange_id"] not in before]
    assert len(made) == 6  # one per good row; none for the bad one

    trust = ssl.create_default_context(cafile=str(tls_files(network.data_dir).ca_file))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as http:
        wallet = VcApiWallet()  # the learner's wallet claims the link
        answer = await wallet.run(http, link)
    [badge] = answer["verifiablePresentation"]["verifiableCredential"]
    subject = badge["credentialSubject"]
    assert subject["id"] == wallet.did
    assert subject["achievement"]["name"] == welding["name"]
    assert subject["identifier"][0]["hashed"] is True  # the e-mail is not in the credential
    assert good[0][1] not in str(badge)
    reached = {r["achievedLevel"].rsplit(":", 1)[-1] for r in subject["result"]}
    assert reached == {"4", "2"}  # the file's level for Troubleshooting, the type's otherwise

    await page.goto("/registrar")  # the claimed badge can be suspended, with a reason, and back
    item = page.locator("li.check").filter(has_text=badge["id"])
    await item.get_by_label(re.compile("^Reason")).fill("conduct review pending")
    await item.get_by_role("button", name="Suspend").click()
    await expect(page.get_by_role("status")).to_contain_text(f"You suspended {badge['id']}")
    for _ in range(100):  # it takes effect once the state endorses the list's new version
        if await item.locator(".badge").text_content() == "Suspended":
            break
        await page.wait_for_timeout(200)
        await page.reload()  # the address is the form's (/registrar/status): it leads back
    await expect(item).to_contain_text("Reason given: conduct review pending")
    await item.get_by_role("button", name="Reinstate").click()
    await expect(page.get_by_role("status")).to_contain_text(f"You reinstated {badge['id']}")


@pytest.mark.e2e
async def test_the_batch_page_shows_progress_while_it_runs(
    page: Page, site: Site, welding: dict[str, Any]
) -> None:
    tag = uuid.uuid4().hex[:6]
    lines = ["name,email"] + [f"P{i} {tag},p{i}.{tag}@example.org" for i in range(30)]
    await sign_in(page, site, "registrar")
    await _csv_upload(page, "\n".join(lines), welding["name"])
    await page.get_by_role("button", name="Issue to the 30 learners without problems").click()
    bar = page.get_by_label("Progress")
    await expect(bar).to_have_attribute("max", "30")
    # a keyboard user reading elsewhere keeps their place while the progress updates itself
    await page.get_by_role("link", name="Check a credential").focus()
    focused = "document.activeElement.textContent"
    seen: set[str] = set()
    for _ in range(600):  # the bar moves without a reload (htmx polls), to the end
        seen.add(await bar.get_attribute("value") or "")
        assert await page.evaluate(focused) == "Check a credential"
        if "30" in seen:
            break
        await page.wait_for_timeout(100)
    assert "30" in seen and len(seen) >= 2, seen
    assert await page.evaluate(focused) == "Check a credential"
    await expect(page.get_by_role("status")).to_contain_text("Finished: 30 of 30 learners issued")


@pytest.mark.e2e
async def test_files_that_cannot_be_used_are_refused_in_plain_words(
    page: Page, site: Site, welding: dict[str, Any]
) -> None:
    await sign_in(page, site, "registrar")
    await _csv_upload(page, "learner,mail\nJo,jo@example.org\n", welding["name"])
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("it has no column name and no column email")
    await expect(alert).to_contain_text("we do not know the column 'learner', 'mail'")
    assert await serious_violations(page) == []

    await _csv_upload(page, "name,email\nJo,jo@example.org\n", None)
    await expect(page.get_by_role("alert")).to_contain_text("Pick the credential type")

    big = "name,email\n" + "".join(f"Learner {i},l{i}@example.org\n" for i in range(8000))
    await page.goto("/registrar/batches")
    await page.get_by_label("CSV file of learners").set_input_files(
        files=[{"name": "big.csv", "mimeType": "text/csv", "buffer": big.encode()}]
    )
    async with page.expect_response(re.compile("/registrar/batches$")) as answer:
        await page.get_by_role("button", name="Check the file").click()
    assert (await answer.value).status == 413
    await expect(page.get_by_role("heading", level=1)).to_have_text("The file is too large")
    await expect(page.get_by_text("Nothing was issued.")).to_be_visible()

    await page.goto("/registrar/batches")
    async with page.expect_response(re.compile("/registrar/batches$")) as answer:
        await page.get_by_role("button", name="Check the file").click()
    assert (await answer.value).status == 400
    await expect(page.get_by_role("alert")).to_contain_text("Choose a CSV file of learners")


@pytest.mark.e2e
async def test_other_roles_and_forms_without_the_csrf_token_are_refused(
    browser: Browser, site: Site
) -> None:
    context = await new_page(browser, site, PHONE)
    officer = await context.new_page()
    await sign_in(officer, site, "state-officer")
    for path in ("/registrar/batches", "/registrar/types", "/registrar/issue"):
        response = await officer.goto(path)
        assert response is not None and response.status == 403
        await expect(officer.get_by_role("heading", level=1)).to_have_text(
            "This page is for college registrars"
        )
    assert await serious_violations(officer) == []
    await context.close()

    context = await new_page(browser, site, DESKTOP)
    page = await context.new_page()
    await sign_in(page, site, "registrar")
    for path, form in (
        ("/registrar/types", {"name": "No token", "description": "d", "criteria": "c"}),
        ("/registrar/issue", {"learner": "Jo", "email": "jo@example.org"}),
        ("/registrar/batches", {"type_id": ""}),
        (f"/registrar/batches/{uuid.uuid4().hex}/start", {}),
    ):
        answer = await page.request.post(path, form=form)
        assert answer.status == 403, path
        assert "This form has expired" in await answer.text()
    missing = await page.goto(f"/registrar/batches/{uuid.uuid4().hex}")
    assert missing is not None and missing.status == 404
    await context.close()


@pytest.mark.e2e
async def test_issue_to_one_learner_gives_a_link_a_qr_code_and_an_email(
    browser: Browser, site: Site, welding: dict[str, Any]
) -> None:
    for viewport in (PHONE, DESKTOP):
        context = await new_page(browser, site, viewport)
        page = await context.new_page()
        await sign_in(page, site, "registrar")
        await page.goto("/registrar/issue")
        await page.get_by_label("Learner's e-mail address").fill("not an address")
        await page.get_by_role("button", name="Issue the credential").click()
        alert = page.get_by_role("alert")
        await expect(alert).to_contain_text("Enter the learner's name")
        await expect(alert).to_contain_text("Enter the learner's e-mail address")
        await expect(alert).to_contain_text("Choose the credential type")
        assert await serious_violations(page) == []
        await page.get_by_label("Learner's name").fill("Jordan Rivera")
        await page.get_by_label("Learner's e-mail address").fill("jordan@example.org")
        await page.get_by_label("Credential type").select_option(label=welding["name"])
        await page.get_by_role("button", name="Issue the credential").click()
        await expect(page.get_by_role("status")).to_contain_text(
            f"The {welding['name']} credential for Jordan Rivera is ready"
        )
        link = await page.get_by_label("Invitation link for Jordan Rivera").input_value()
        assert "iuv=1" in link
        qr = page.get_by_role("img", name="QR code of the invitation link for Jordan Rivera")
        assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml;base64,")
        email = await page.get_by_label("E-mail to send to jordan@example.org").input_value()
        assert link in email and "Dear Jordan Rivera," in email
        assert await serious_violations(page) == []
        await context.close()


async def test_each_row_ends_done_or_failed_with_a_reason(tmp_path: Path) -> None:
    """A stand-in agent refuses one row and does not answer another; the others are issued."""

    class College:
        calls: list[str] = []

        async def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
            email = str(body["credential"]["credentialSubject"]["identifier"])
            self.calls.append(path)
            if len(self.calls) == 2:
                raise AgentCallError("college", 422, "the state has not accredited this type")
            if len(self.calls) == 3:
                raise AgentCallError("college", 0, "the agent did not answer")
            assert email
            return {"interaction_url": f"https://c.example/x?iuv=1&n={len(self.calls)}"}

    kind = {"name": "Welding", "achievement": {"name": "Welding"}, "skills": []}
    rows = [BatchRow(Row(n, f"L{n}", f"l{n}@example.org", kind), WAITING) for n in range(2, 6)]
    batch = Batch("b", "f.csv", rows)
    store = BatchStore(store_path(tmp_path / "accounts.json"))
    store.add(batch)
    lock = store.claim("b")
    assert lock is not None
    await _run(store, batch, College(), "Prairie Ridge", lock)  # type: ignore[arg-type]
    assert [r.state for r in rows] == [DONE, FAILED, FAILED, DONE]
    assert (
        rows[1].reason == "The college's agent refused it: the state has not accredited this type"
    )
    assert "did not answer, so no link was made" in rows[2].reason
    assert rows[0].handover is not None and rows[1].handover is None
    kept = store.get("b")  # as written, row by row
    assert kept is not None and kept.state == "finished" and kept.rows == rows


def test_rows_are_checked_against_the_types_and_levels() -> None:
    types = [
        {
            "name": "Welding",
            "skills": [{"skill": "2.B.3.k", "level": 3, "name": "Troubleshooting"}],
        },
        {
            "name": "Nursing",
            "skills": [{"skill": "2.A.1.a", "level": 2, "name": "Reading Comprehension"}],
        },
    ]
    data = (
        b"Name,Email,Type,2.B.3.k\n"
        b"Jo,jo@example.org,welding,Advanced\n"
        b"Sam,sam@example.org,Plumbing,\n"
        b"Al,al@example.org,Nursing,2\n"
        b"Bo,bo@example.org,Welding,7\n"
        b"Jo again,JO@example.org,Welding,\n"
    )
    rows = read_batch(data, types, None, LEVELS)
    assert rows[0].problems == [] and rows[0].levels == {"2.B.3.k": 4}
    assert rows[1].problems == ["There is no credential type called 'Plumbing'. Define it first."]
    assert rows[2].problems == ["Nursing does not certify the skill '2.B.3.k'."]
    assert "'7' is not a level of '2.B.3.k'" in rows[3].problems[0]
    assert rows[4].problems == ["The same learner and type are on line 2 too."]
    with pytest.raises(CsvRefused, match="more than 500 learners"):
        read_batch(b"name,email\n" + b"a,a@b.org\n" * 501, types, types[0], LEVELS)
    with pytest.raises(CsvRefused, match="no learners"):
        read_batch(b"name,email\n", types, types[0], LEVELS)


@pytest.mark.e2e
async def test_the_new_pages_fit_a_phone_and_pass_axe(
    browser: Browser, site: Site, welding: dict[str, Any]
) -> None:
    context = await new_page(browser, site, PHONE)
    page = await context.new_page()
    await sign_in(page, site, "registrar")
    problems = []
    for path in ("/registrar/types", "/registrar/issue", "/registrar/batches"):
        await page.goto(path)
        problems += [f"{path}: {v['id']} {v['nodes']}" for v in await serious_violations(page)]
        overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{path}: {overflow}px wider than a phone's screen")
    await context.close()
    assert problems == []


def test_result_cells_never_become_spreadsheet_formulas() -> None:
    assert _cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [_cell(v) for v in ("+1", "-1", "@a", "Jo")] == ["'+1", "'-1", "'@a", "Jo"]


@pytest.mark.e2e
async def test_issuing_to_one_learner_works_by_keyboard_alone(
    page: Page, site: Site, welding: dict[str, Any]
) -> None:
    await sign_in(page, site, "registrar")
    await page.goto("/registrar/issue")
    await page.get_by_label("Learner's name").focus()
    await page.keyboard.type("Casey Morgan")
    await page.keyboard.press("Tab")
    await expect(page.get_by_label("Learner's e-mail address")).to_be_focused()
    await page.keyboard.type("casey@example.org")
    await page.keyboard.press("Tab")
    chooser = page.get_by_label("Credential type")
    await expect(chooser).to_be_focused()
    for _ in range(len(await chooser.locator("option").all())):
        if await chooser.evaluate("s => s.options[s.selectedIndex].text") == welding["name"]:
            break
        await page.keyboard.press("ArrowDown")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("button", name="Issue the credential")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("status")).to_contain_text(
        f"The {welding['name']} credential for Casey Morgan is ready"
    )
    await expect(page.get_by_role("status")).to_be_focused()  # read out first, then the link
