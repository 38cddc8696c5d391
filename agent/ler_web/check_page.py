"""The employer's check page: paste or upload a credential, see each named check.

No sign-in; each address may check a few credentials a minute. The credential goes to the
verifier agent's admin API (``POST /ler/badges/verify``); nothing is kept.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import ACCOUNTS, CHECK_LIMIT, SHARE_LINKS, agent_api
from .check_words import explain
from .page_rendering import page
from .share_links import LinkGone, ShareLink, ShareLinkError, UnknownLink, token_in

MAX_CREDENTIAL = 512 * 1024


async def check_form(request: web.Request) -> web.Response:
    """The empty check page."""
    return await page(request, "check.html", {"errors": {}})


def _read(form: Any) -> tuple[str, dict[str, str], str]:
    """(the JSON text to check, errors by field, what to put back in the text box)."""
    pasted = str(form.get("credential") or "")
    upload = form.get("credential_file")
    if isinstance(upload, web.FileField) and upload.filename:
        data = upload.file.read(MAX_CREDENTIAL + 1)
        if len(data) > MAX_CREDENTIAL:
            return "", {"credential_file": "The file is larger than 512 KB"}, pasted
        try:
            return data.decode("utf-8"), {}, pasted
        except UnicodeDecodeError:
            return "", {"credential_file": "The file is not a JSON text file"}, pasted
    if not pasted.strip():
        return "", {"credential": "Paste the credential, or choose its file"}, pasted
    if len(pasted.encode()) > MAX_CREDENTIAL:
        return "", {"credential": "The credential is larger than 512 KB"}, ""
    return pasted, {}, pasted


def _parse(text: str, field: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    try:
        credential = json.loads(text)
    except ValueError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
        return None, {field: f"This is not valid JSON{where}: copy the whole credential again"}
    if not isinstance(credential, dict):
        return None, {field: "A credential is a JSON object, starting with {"}
    return credential, {}


class CheckFailed(Exception):
    """The verifier could not check a credential: ``message`` for a person, HTTP ``status``."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.message, self.status = message, status


async def verify(request: web.Request, credential: dict[str, Any]) -> dict[str, Any]:
    """The verifier agent's verdict on ``credential``, in plain words (see ``check_words``)."""
    try:
        verdict = await agent_api(request, "verifier").post(
            "/ler/badges/verify", {"credential": credential}
        )
    except AgentCallError as exc:
        if exc.status == 0 or exc.status >= 500:
            raise CheckFailed(
                "The checking service is not answering. Try again in a few minutes.", 503
            ) from exc
        raise CheckFailed(f"The credential could not be checked: {exc.message}", 400) from exc
    return explain(verdict, credential)


def shared_link(request: web.Request, pasted: str) -> tuple[ShareLink | None, str]:
    """The share link of this site ``pasted`` names: (link, "") or (None, why not).

    (None, "") when ``pasted`` is no web address. Another site's link is never fetched.
    """
    try:
        token = token_in(pasted, str(request.url.origin()))
        return (request.app[SHARE_LINKS].open(token), "") if token else (None, "")
    except LinkGone as exc:
        return None, f"This share link has been {exc.why}: ask the learner for a new one"
    except UnknownLink:
        return None, "No share link of this site has this address: check you copied all of it"
    except ShareLinkError as exc:
        return None, str(exc)


async def check(request: web.Request) -> web.Response:
    """Verify the credential sent (pasted, uploaded, or a share link) and show the verdict."""
    request.app[CHECK_LIMIT].take(request.remote or "unknown")
    form = await request.post()
    text, errors, pasted = _read(form)
    credential, shared = None, None
    if not errors:
        uploaded = isinstance(form.get("credential_file"), web.FileField) and bool(
            form["credential_file"].filename
        )
        shared, refused = (None, "") if uploaded else shared_link(request, text)
        if refused:
            errors = {"credential": refused}
        elif shared:
            credential = shared.credential
        else:
            credential, errors = _parse(text, "credential_file" if uploaded else "credential")
    if errors or credential is None:
        return await page(request, "check.html", {"errors": errors, "pasted": pasted}, status=400)
    try:
        result = await verify(request, credential)
    except CheckFailed as exc:
        return await page(
            request,
            "check.html",
            {"errors": {"credential": exc.message}, "pasted": pasted},
            exc.status,
        )
    account = request.app[ACCOUNTS].get(shared.username) if shared else None
    context = {"result": result, "pasted": "", "shared": shared, "name": account and account.name}
    return await page(request, "check.html", {"errors": {}, **context})
