"""The web app in process, without agents: sessions, CSRF, roles, limits and error pages.

The unit layer (no anvil, no agents); the pages against real agents are the browser tests.
"""

from __future__ import annotations

import ast
import re
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ler_web import AccountStore, WebSettings, WebSettingsError, create_app
from ler_web.check_words import explain
from ler_web.page_rendering import setup_templates
from ler_web.rate_limit import RateLimit, TooManyChecks
from ler_web.user_accounts import AccountError

PASSWORD = "a long enough password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def accounts(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Two accounts, hashed once for the module (argon2 is slow on purpose)."""
    store = AccountStore(tmp_path_factory.mktemp("accounts") / "accounts.json")
    store.add("officer", "Sam Officer", "state_officer", PASSWORD)
    store.add("registrar", "Riley Registrar", "registrar", PASSWORD)
    return store.path.read_text()


@pytest.fixture
async def client(tmp_path: Path, accounts: str) -> AsyncIterator[TestClient]:
    """The app with two accounts, a verifier whose admin API does not answer, 2 checks/min."""
    (tmp_path / "verifier.key").write_text("not-a-real-key\n")
    settings = WebSettings.from_mapping(
        {
            "accounts_file": "accounts.json",
            "session_key_file": "session.key",
            "checks_per_minute": 2,
            "agents": {
                "employer": {"admin_url": "http://127.0.0.1:9", "api_key_file": "verifier.key"}
            },
            "verifier": "employer",
        },
        tmp_path,
    )
    settings.accounts_file.write_text(accounts)
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as test_client:
        yield test_client


async def token(client: TestClient, path: str = "/sign-in") -> str:
    response = await client.get(path)
    match = TOKEN.search(await response.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def test_pages_render_with_security_headers(client: TestClient) -> None:
    for path in ("/", "/check", "/sign-in"):
        response = await client.get(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert '<html lang="en">' in await response.text()


async def test_a_form_without_its_csrf_token_is_refused(client: TestClient) -> None:
    await token(client)
    missing = await client.post("/sign-in", data={"username": "officer", "password": PASSWORD})
    assert missing.status == 403
    assert "This form has expired" in await missing.text()
    wrong = await client.post(
        "/sign-in", data={"username": "officer", "password": PASSWORD, "csrf_token": "forged"}
    )
    assert wrong.status == 403


async def test_sign_in_opens_the_roles_console_and_only_that(client: TestClient) -> None:
    bad = await client.post(
        "/sign-in",
        data={
            "username": "officer",
            "password": "wrong password!",
            "csrf_token": await token(client),
        },
    )
    assert bad.status == 401
    assert "The user name or password is not right" in await bad.text()
    good = await client.post(
        "/sign-in",
        data={"username": "officer", "password": PASSWORD, "csrf_token": await token(client)},
        allow_redirects=False,
    )
    assert (good.status, good.headers["Location"]) == (303, "/state")
    other = await client.get("/registrar")
    assert other.status == 403
    assert "This page is for college registrars" in await other.text()


async def test_consoles_send_strangers_to_sign_in(client: TestClient) -> None:
    response = await client.get("/state/ledger", allow_redirects=False)
    assert (response.status, response.headers["Location"]) == (303, "/sign-in?next=/state/ledger")


async def test_a_next_path_cannot_leave_the_site(client: TestClient) -> None:
    page = await (await client.get("/sign-in?next=//evil.example/")).text()
    assert "evil.example" not in page


async def test_unknown_page_and_method_are_plain_4xx(client: TestClient) -> None:
    missing = await client.get("/no-such-page")
    assert missing.status == 404
    assert "Page not found" in await missing.text()
    wrong_method = await client.put("/check")
    assert wrong_method.status == 405


async def test_check_page_explains_bad_input_and_keeps_it(client: TestClient) -> None:
    response = await client.post(
        "/check", data={"credential": '{"broken": ', "csrf_token": await token(client, "/check")}
    )
    assert response.status == 400
    text = await response.text()
    assert "This is not valid JSON" in text
    assert "{&#34;broken&#34;: </textarea>" in text  # what was pasted is not lost


async def test_check_page_says_when_the_verifier_is_down(client: TestClient) -> None:
    response = await client.post(
        "/check", data={"credential": '{"type": []}', "csrf_token": await token(client, "/check")}
    )
    assert response.status == 503
    assert "The checking service is not answering" in await response.text()


async def test_anonymous_checks_are_rate_limited(client: TestClient) -> None:
    csrf = await token(client, "/check")
    for _ in range(2):
        assert (
            await client.post("/check", data={"credential": "", "csrf_token": csrf})
        ).status == 400
    limited = await client.post("/check", data={"credential": "", "csrf_token": csrf})
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert "Too many checks" in await limited.text()


async def test_too_large_a_request_is_a_413_page(client: TestClient) -> None:
    csrf = await token(client, "/check")
    response = await client.post("/check", data={"credential": "x" * 2_000_000, "csrf_token": csrf})
    assert response.status == 413
    assert "too large" in await response.text()


def test_rate_limit_counts_per_address() -> None:
    limit = RateLimit(2)
    limit.take("a")
    limit.take("a")
    limit.take("b")
    with pytest.raises(TooManyChecks):
        limit.take("a")


def test_accounts_are_hashed_private_and_checked(tmp_path: Path) -> None:
    store = AccountStore(tmp_path / "accounts.json")
    store.add("officer", "Sam", "state_officer", PASSWORD)
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert PASSWORD not in store.path.read_text()
    assert "$argon2" in store.path.read_text()
    assert store.verify("officer", PASSWORD).role == "state_officer"
    assert store.verify("officer", "wrong") is None
    assert store.verify("nobody", PASSWORD) is None
    with pytest.raises(AccountError):
        store.add("officer", "Sam", "emperor", PASSWORD)
    with pytest.raises(AccountError):
        store.add("officer", "Sam", "registrar", "short")


def test_settings_name_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(WebSettingsError, match="accounts_file"):
        WebSettings.from_mapping({"session_key_file": "k"}, tmp_path)
    with pytest.raises(WebSettingsError, match="not one of the agents"):
        WebSettings.from_mapping(
            {"accounts_file": "a", "session_key_file": "k", "verifier": "ghost"}, tmp_path
        )


def test_every_check_reads_in_plain_words() -> None:
    verdict = {
        "verified": False,
        "kind": "AchievementCredential",
        "issuer": {"id": "did:ler:local:x", "name": "Prairie Ridge"},
        "checks": [
            {"name": "signature", "outcome": "failed", "code": "signature-mismatch", "detail": "d"},
            {"name": "status", "outcome": "failed", "code": "revoked", "detail": "d"},
            {"name": "validity", "outcome": "passed", "detail": "d"},
        ],
        "skills": [{"name": "Reading", "code": "2.A.1.a", "level": {"name": "Proficient"}}],
    }
    shown = explain(verdict, {"credentialSubject": {"achievement": {"name": "CNC I"}}})
    checks = {c["name"]: c for c in shown["groups"][0]["checks"]}
    assert shown["failed"] == 2
    assert checks["signature"]["todo"].startswith("Do not rely on it")
    assert checks["status"]["explanation"] == "The college has revoked it."
    assert checks["validity"]["todo"] == ""
    assert checks["skills"]["outcome"] == "passed"
    assert shown["skills"] == [
        {"name": "Reading", "code": "2.A.1.a", "level": "Proficient", "framework": ""}
    ]
    assert shown["title"] == "CNC I"


def _imports(package: Path) -> set[str]:
    found = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                found.add((node.module or "").split(".")[0])
    return found


def test_the_web_app_reaches_agents_only_through_admin_apis() -> None:
    root = Path(__file__).resolve().parents[2]
    forbidden = {"acapy_agent", "ler_ledger", "ler_badges", "ler_chain", "ler_node", "web3"}
    assert _imports(root / "agent" / "ler_web") & forbidden == set()
    for plugin in ("ler_ledger", "ler_badges"):
        assert "ler_web" not in _imports(root / "plugins" / plugin)


def test_each_share_form_label_names_its_own_select() -> None:
    """Two badges in the wallet: each "how long" label points at the select of its own form."""
    app = web.Application()
    setup_templates(app)
    badges = [
        {"id": f"rec-{n}", "title": f"Badge {n}", "status": "valid", "download": f"/b/{n}.json"}
        for n in (1, 2)
    ]
    html = (
        aiohttp_jinja2.get_env(app)
        .get_template("learner_credentials.html")
        .render(credentials=badges, lifetimes=[1, 7], share_links=[])
    )
    forms = re.findall(r'<form method="post" action="/wallet/share-links".*?</form>', html, re.S)
    assert len(forms) == 2
    ids = [re.search(r'<select id="([^"]+)"', form)[1] for form in forms]
    labels = [re.search(r'<label for="([^"]+)"', form)[1] for form in forms]
    assert labels == ids and len(set(ids)) == 2
