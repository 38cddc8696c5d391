"""Sign-in with the state's OpenID Connect provider (authorization code flow with PKCE).

The provider proves who the person is; the ``preferred_username`` claim (or an e-mail address at
the configured ``email_domain``) names their :class:`~ler_web.user_accounts.Account`, and the
session opens at :func:`ler_web.sign_in.open_session`, as with a password.

Only the configured issuer is fetched: its discovery document must name that issuer, and the
token and key endpoints it lists must be on the issuer's own origin (no URL from anywhere else is
ever fetched). ``state`` (in this browser's session) and ``nonce`` (in the ID token) are checked;
the ID token's signature, issuer, audience and expiry too (joserfc).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import get_session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .app_keys import ACCOUNTS, SETTINGS
from .error_pages import error_page
from .sign_in import _safe_next, open_session
from .user_accounts import Account
from .web_settings import OidcSettings, WebSettingsError

SESSION_KEY = "oidc_pending"
TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_ANSWER = 256 * 1024  # bytes read from the provider per answer
ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]
CALLBACK = "/sign-in/oidc/callback"


class ProviderError(Exception):
    """The provider did not answer, or answered something unusable."""


def _same_origin(url: str, issuer: str) -> bool:
    a, b = urlsplit(url), urlsplit(issuer)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)


async def _get_json(session: aiohttp.ClientSession, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        async with session.request(kwargs.pop("method", "GET"), url, **kwargs) as response:
            raw = b""
            async for chunk in response.content.iter_chunked(64 * 1024):
                raw += chunk
                if len(raw) > MAX_ANSWER:
                    raise ProviderError(f"{url} answered more than {MAX_ANSWER} bytes")
            if response.status != 200:
                raise ProviderError(f"{url} answered {response.status}")
        body = json.loads(raw) if raw else None
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise ProviderError(f"{url}: {exc}") from exc
    if not isinstance(body, dict):
        raise ProviderError(f"{url} did not answer a JSON object")
    return body


async def _discovery(oidc: OidcSettings) -> dict[str, Any]:
    """The provider's metadata, checked to be the configured issuer's own."""
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        meta = await _get_json(session, oidc.issuer + "/.well-known/openid-configuration")
    if str(meta.get("issuer", "")).rstrip("/") != oidc.issuer:
        raise ProviderError("the discovery document names another issuer")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str) or not meta[key].startswith(("https://", "http://")):
            raise ProviderError(f"the discovery document has no {key}")
    for key in ("token_endpoint", "jwks_uri"):  # fetched by this server
        if not _same_origin(meta[key], oidc.issuer):
            raise ProviderError(f"the {key} is not on the issuer's site")
    return meta


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _redirect_url(request: web.Request, oidc: OidcSettings) -> str:
    return oidc.redirect_url or f"{request.scheme}://{request.host}{CALLBACK}"


async def _refused(request: web.Request, status: int, title: str, lines: list[str]) -> web.Response:
    return await error_page(
        request, status, title, lines, next_step=("/sign-in", "Back to sign in")
    )


async def _provider_down(request: web.Request) -> web.Response:
    return await _refused(
        request,
        503,
        "The state's sign-in service is not answering",
        [
            "You are not signed in. Try again in a few minutes, or sign in with your user name "
            "and password."
        ],
    )


def _settings(request: web.Request) -> OidcSettings:
    oidc = request.app[SETTINGS].oidc
    if oidc is None:
        raise web.HTTPNotFound()
    return oidc


async def start(request: web.Request) -> web.Response:
    """Send the browser to the provider, with state, nonce and a PKCE challenge."""
    oidc = _settings(request)
    try:
        meta = await _discovery(oidc)
    except ProviderError:
        return await _provider_down(request)
    pending = {
        "state": secrets.token_urlsafe(32),
        "nonce": secrets.token_urlsafe(32),
        "verifier": secrets.token_urlsafe(64),
        "next": _safe_next(request.query.get("next")) or "",
    }
    session = await get_session(request)
    session[SESSION_KEY] = pending
    challenge = _b64(hashlib.sha256(pending["verifier"].encode("ascii")).digest())
    query = urlencode(
        {
            "response_type": "code",
            "client_id": oidc.client_id,
            "redirect_uri": _redirect_url(request, oidc),
            "scope": "openid profile email",
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in meta["authorization_endpoint"] else "?"
    raise web.HTTPSeeOther(meta["authorization_endpoint"] + separator + query)


async def _claims(request: web.Request, oidc: OidcSettings, code: str, pending: dict) -> dict:
    """The ID token's claims, after the code is exchanged and the token checked."""
    meta = await _discovery(oidc)
    try:
        secret = oidc.client_secret()
    except WebSettingsError as exc:
        raise ProviderError(str(exc)) from exc
    basic = {"Authorization": aiohttp.encode_basic_auth(oidc.client_id, secret)}
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        tokens = await _get_json(
            session,
            meta["token_endpoint"],
            method="POST",
            headers=basic,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": _redirect_url(request, oidc),
                "code_verifier": pending["verifier"],
            },
        )
        keys = await _get_json(session, meta["jwks_uri"])
    if not isinstance(tokens.get("id_token"), str):
        raise ProviderError("the token answer has no ID token")
    try:
        token = jwt.decode(tokens["id_token"], KeySet.import_key_set(keys), algorithms=ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": oidc.issuer},
            aud={"essential": True, "value": oidc.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": pending["nonce"]},
        ).validate(token.claims)
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise InvalidIdToken(str(exc)) from exc
    return token.claims


class InvalidIdToken(Exception):
    """The ID token's signature or claims are not right: nobody is signed in."""


def _account(request: web.Request, oidc: OidcSettings, claims: dict) -> Account | None:
    """The account the provider's identity names, if there is one."""
    accounts = request.app[ACCOUNTS]
    username = claims.get("preferred_username")
    if isinstance(username, str) and (account := accounts.get(username.strip().lower())):
        return account
    email = claims.get("email")
    if oidc.email_domain and isinstance(email, str) and claims.get("email_verified") is not False:
        name, _, domain = email.strip().lower().rpartition("@")
        if name and domain == oidc.email_domain:
            return accounts.get(name)
    return None


async def callback(request: web.Request) -> web.Response:
    """Where the provider sends the browser back: check everything, then open the session."""
    oidc = _settings(request)
    session = await get_session(request)
    pending = session.pop(SESSION_KEY, None)
    sent_state = request.query.get("state", "")
    if not isinstance(pending, dict) or not hmac.compare_digest(
        sent_state.encode(), str(pending.get("state", "")).encode()
    ):
        return await _refused(
            request,
            400,
            "This sign-in link is not valid",
            [
                "It does not belong to a sign-in started in this browser, or it was already "
                "used. Nobody was signed in.",
                "Start again from the sign-in page.",
            ],
        )
    if "error" in request.query or not request.query.get("code"):
        return await _refused(
            request,
            401,
            "The state's sign-in service did not sign you in",
            ["You may have cancelled. Start again from the sign-in page."],
        )
    try:
        claims = await _claims(request, oidc, request.query["code"], pending)
    except ProviderError:
        return await _provider_down(request)
    except InvalidIdToken:
        return await _refused(
            request,
            401,
            "The state's sign-in service sent an answer we cannot trust",
            ["Nobody was signed in. Start again from the sign-in page."],
        )
    account = _account(request, oidc, claims)
    if account is None:
        return await _refused(
            request,
            403,
            "There is no account here for you",
            [
                "The state's sign-in service knows you, but this site has no account for that "
                "name. Ask the state's help desk to make one.",
            ],
        )
    await open_session(request, account, pending.get("next") or None)
    raise AssertionError("open_session always redirects")  # pragma: no cover


def setup(app: web.Application) -> None:
    """Add the routes, and tell the sign-in page whether to offer the provider."""
    aiohttp_jinja2.get_env(app).globals["oidc_sign_in"] = app[SETTINGS].oidc is not None
    app.router.add_get("/sign-in/oidc", start)
    app.router.add_get(CALLBACK, callback)
