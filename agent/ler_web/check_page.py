"""The employer's check page: paste or upload a credential, see each named check.

No sign-in; each address may check a few credentials a minute. The credential goes to the
verifier agent's admin API (``POST /ler/badges/verify``); nothing is kept.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import CHECK_LIMIT, agent_api
from .check_words import explain
from .page_rendering import page

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


async def check(request: web.Request) -> web.Response:
    """Verify the credential sent and show the verdict."""
    request.app[CHECK_LIMIT].take(request.remote or "unknown")
    form = await request.post()
    text, errors, pasted = _read(form)
    credential = None
    if not errors:
        uploaded = isinstance(form.get("credential_file"), web.FileField) and bool(
            form["credential_file"].filename
        )
        credential, errors = _parse(text, "credential_file" if uploaded else "credential")
    if errors or credential is None:
        return await page(request, "check.html", {"errors": errors, "pasted": pasted}, status=400)
    try:
        verdict = await agent_api(request, "verifier").post(
            "/ler/badges/verify", {"credential": credential}
        )
    except AgentCallError as exc:
        if exc.status == 0 or exc.status >= 500:
            message = "The checking service is not answering. Try again in a few minutes."
            return await page(
                request, "check.html", {"errors": {"credential": message}, "pasted": pasted}, 503
            )
        message = f"The credential could not be checked: {exc.message}"
        return await page(
            request, "check.html", {"errors": {"credential": message}, "pasted": pasted}, 400
        )
    return await page(
        request, "check.html", {"errors": {}, "result": explain(verdict, credential), "pasted": ""}
    )
