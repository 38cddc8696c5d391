"""Sign-in with the state's OpenID Connect provider, in a real browser.

The provider is ``oidc-provider-mock`` on 127.0.0.1 (port 0), started by the test and stopped
after. The web app is a second instance of the network's own (its settings, accounts and agents)
with the ``oidc`` option added, served on 127.0.0.1 port 0 for these tests.
"""

from __future__ import annotations

import dataclasses
import os
import re
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import oidc_provider_mock
import pytest
import werkzeug.serving
import yaml
from aiohttp import web
from netkit import Network
from playwright.async_api import Browser, Page, expect

from ler_node.network.web_process import kept_settings, web_root
from ler_web.server import create_app
from ler_web.web_settings import OidcSettings, WebSettings, WebSettingsError

from .webkit import PHONE, Site, new_page, overflow, serious_violations

EMAIL_DOMAIN = "workforce.state.example"
USERS = [
    oidc_provider_mock.User(sub="officer-1", claims={"preferred_username": "state-officer"}),
]


@contextmanager
def provider() -> Iterator[str]:
    """An OpenID provider on 127.0.0.1 (any free port), stopped when the block ends."""
    app = oidc_provider_mock.app(require_nonce=True, user_claims=USERS)
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


async def _serve(settings: WebSettings) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


def _secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "oidc-client.secret"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("a-client-secret-for-tests\n")
    return path


async def _oidc_site(site: Site, network: Network, issuer: str, tmp_path: Path) -> web.AppRunner:
    settings = WebSettings.load(web_root(network.data_dir) / "web.yml")
    oidc = OidcSettings(
        issuer=issuer,
        client_id="ler-web",
        client_secret_file=_secret_file(tmp_path),
        email_domain=EMAIL_DOMAIN,
    )
    runner, url = await _serve(dataclasses.replace(settings, url_file=None, oidc=oidc))
    site.url = url
    return runner


@pytest.fixture
async def oidc(site: Site, network: Network, tmp_path: Path) -> AsyncIterator[tuple[Site, str]]:
    """(the web app with OIDC sign-in, the provider's issuer URL)."""
    with provider() as issuer:
        here = Site(site.url, site.passwords, network)
        runner = await _oidc_site(here, network, issuer, tmp_path)
        try:
            yield here, issuer
        finally:
            await runner.cleanup()


@pytest.fixture
async def phone(browser: Browser, oidc: tuple[Site, str]) -> AsyncIterator[Page]:
    context = await new_page(browser, oidc[0], PHONE)
    yield await context.new_page()
    await context.close()


async def _to_provider(page: Page, next_path: str = "") -> None:
    await page.goto("/sign-in" + (f"?next={next_path}" if next_path else ""))
    await page.get_by_role("link", name="Sign in with the state's sign-in service").click()
    await expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()


@pytest.mark.e2e
async def test_a_state_officer_signs_in_through_the_provider(phone: Page) -> None:
    await phone.goto("/sign-in")
    assert await serious_violations(phone) == []
    assert await overflow(phone) == []
    await _to_provider(phone, "/state/ledger")
    await phone.get_by_role("button", name="Authorize as officer-1").click()
    await expect(phone).to_have_url(re.compile(r"/state/ledger$"))
    await expect(phone.get_by_role("heading", level=1)).to_have_text("Ledger")
    response = await phone.goto("/state")
    assert response is not None and response.status == 200


@pytest.mark.e2e
async def test_an_email_at_the_states_domain_names_the_account(phone: Page) -> None:
    await _to_provider(phone)
    await phone.get_by_label("Subject").fill(f"employer@{EMAIL_DOMAIN}")
    await phone.get_by_role("button", name="Authorize", exact=True).click()
    await expect(phone).to_have_url(re.compile(r"/employer$"))
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Ask a candidate for a credential"
    )


@pytest.mark.e2e
async def test_someone_without_an_account_is_refused(phone: Page) -> None:
    await _to_provider(phone)
    await phone.get_by_label("Subject").fill("employer@elsewhere.example")  # not the domain
    await phone.get_by_role("button", name="Authorize", exact=True).click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "There is no account here for you"
    )
    assert await serious_violations(phone) == []
    response = await phone.goto("/employer")
    assert response is not None
    await expect(phone).to_have_url(re.compile(r"/sign-in\?next=/employer$"))  # not signed in


@pytest.mark.e2e
async def test_a_cancelled_sign_in_and_a_forged_state_sign_nobody_in(phone: Page) -> None:
    await _to_provider(phone)
    await phone.get_by_role("button", name="Deny access").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "The state's sign-in service did not sign you in"
    )

    await _to_provider(phone)
    provider_url = phone.url
    response = await phone.goto("/sign-in/oidc/callback?code=stolen&state=forged")
    assert response is not None and response.status == 400
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "This sign-in link is not valid"
    )
    assert await serious_violations(phone) == []
    # the real answer after that is refused too: the attempt ended with the forged one
    await phone.goto(provider_url)
    await phone.get_by_role("button", name="Authorize as officer-1").click()
    await expect(phone.get_by_role("heading", level=1)).to_have_text(
        "This sign-in link is not valid"
    )


@pytest.mark.e2e
async def test_a_provider_that_is_down_gets_a_plain_page(
    browser: Browser, site: Site, network: Network, tmp_path: Path
) -> None:
    with provider() as issuer:
        pass  # stopped: nothing answers at the issuer now
    here = Site(site.url, site.passwords, network)
    runner = await _oidc_site(here, network, issuer, tmp_path)
    context = await new_page(browser, here, PHONE)
    try:
        page = await context.new_page()
        await page.goto("/sign-in")
        await page.get_by_role("link", name="Sign in with the state's sign-in service").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "The state's sign-in service is not answering"
        )
        response = await page.goto("/sign-in/oidc")
        assert response is not None and response.status == 503
        assert await serious_violations(page) == []
    finally:
        await context.close()
        await runner.cleanup()


def test_the_client_secret_is_never_inline(tmp_path: Path) -> None:
    with pytest.raises(WebSettingsError, match="client_secret_file"):
        OidcSettings.from_mapping(
            {"issuer": "https://login.example", "client_id": "x", "client_secret": "s"}, tmp_path
        )
    with pytest.raises(WebSettingsError, match="not inline"):
        OidcSettings.from_mapping(
            {
                "issuer": "https://login.example",
                "client_id": "x",
                "client_secret_file": "s",
                "client_secret": "s",
            },
            tmp_path,
        )
    with pytest.raises(WebSettingsError, match="https"):
        OidcSettings.from_mapping(
            {"issuer": "http://login.example", "client_id": "x", "client_secret_file": "s"},
            tmp_path,
        )
    settings = OidcSettings.from_mapping(
        {"issuer": "https://login.example/", "client_id": "x", "client_secret_file": "s"},
        tmp_path,
    )
    assert settings.issuer == "https://login.example"
    with pytest.raises(WebSettingsError, match="cannot read"):
        settings.client_secret()


def test_the_network_keeps_the_operators_sign_in_settings(tmp_path: Path) -> None:
    web_yml = tmp_path / "web.yml"
    assert kept_settings(web_yml) == {}  # no file yet
    oidc = {"issuer": "https://login.example", "client_id": "x", "client_secret_file": "s"}
    web_yml.write_text(yaml.safe_dump({"oidc": oidc, "port": 8080, "secure_cookies": True}))
    assert kept_settings(web_yml) == {"oidc": oidc, "secure_cookies": True}
