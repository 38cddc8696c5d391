"""Backing up and restoring a learner's wallet, through the hosted agent's ler_tenants routes.

A backup is the wallet encrypted under a passphrase the learner types
(``POST /ler/wallet/backup`` with the learner's token); restoring writes it back into the same
tenant (``POST /ler/tenants/{wallet_id}/restore``, the operator's route, for this learner's own
wallet id only). The passphrase is never kept.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import SIGNED_IN
from .learner_tenant import hosted, learner_only, wallet
from .page_rendering import page

MIN_PASSPHRASE = 12  # the ler_tenants plugin's minimum
MAX_BACKUP = 900 * 1024  # under the web app's request limit


async def _backup_page(request: web.Request, status: int = 200, **context: object) -> web.Response:
    context.setdefault("errors", {})
    return await page(request, "learner_backup.html", context, status=status)


@learner_only
async def backup_form(request: web.Request) -> web.Response:
    """The backup and restore page."""
    return await _backup_page(request)


@learner_only
async def backup(request: web.Request) -> web.StreamResponse:
    """Download the wallet, encrypted under the passphrase typed."""
    passphrase = str((await request.post()).get("passphrase", ""))
    if len(passphrase) < MIN_PASSPHRASE:
        errors = {"passphrase": f"Choose a passphrase of at least {MIN_PASSPHRASE} characters"}
        return await _backup_page(request, 400, errors=errors)
    answer = await wallet(request).post("/ler/wallet/backup", {"passphrase": passphrase})
    day = datetime.now(UTC).strftime("%Y-%m-%d")
    return web.Response(
        body=base64.b64decode(answer["backup"]),
        content_type="application/octet-stream",
        headers={
            "Content-Disposition": f'attachment; filename="wallet-backup-{day}.askar"',
            "Cache-Control": "no-store",
        },
    )


@learner_only
async def restore(request: web.Request) -> web.Response:
    """Put a backup's credentials back into this learner's wallet."""
    form = await request.post()
    passphrase = str(form.get("restore_passphrase", ""))
    upload = form.get("backup_file")
    data = b""
    if isinstance(upload, web.FileField) and upload.filename:
        data = upload.file.read(MAX_BACKUP + 1)
    errors = {}
    if not data:
        errors["backup_file"] = "Choose the backup file you downloaded"
    elif len(data) > MAX_BACKUP:
        errors["backup_file"] = "This file is too large to be a wallet backup"
    if len(passphrase) < MIN_PASSPHRASE:
        errors["restore_passphrase"] = "Enter the passphrase you chose for this backup"
    if errors:
        return await _backup_page(request, 400, errors=errors)
    wallet_id = request[SIGNED_IN].wallet_id
    try:
        done = await hosted(request).post(
            f"/ler/tenants/{wallet_id}/restore",
            {"backup": base64.b64encode(data).decode("ascii"), "passphrase": passphrase},
        )
    except AgentCallError as exc:
        if not 400 <= exc.status < 500:
            raise
        if exc.code == "wrong-passphrase":
            errors = {"restore_passphrase": "This passphrase does not open this backup"}
        else:
            errors = {"backup_file": f"This file cannot be restored: {exc.message}"}
        return await _backup_page(request, 400, errors=errors)
    notice = f"Your wallet was restored from the backup ({done.get('records', 0)} records)."
    return await _backup_page(request, notice=notice)
