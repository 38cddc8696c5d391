"""A learner's credentials: each one with its issuer, skills and levels, and status.

AnonCreds credentials come from the wallet's ``/credentials`` and their revocation state from
``/credential/revoked/{id}``, with the college's reason from the revocation notice the wallet
received (``/ler/wallet/credentials/{id}/revocation-notice``, ler_tenants); Open Badges 3.0
credentials from ``/credentials/w3c``, checked by the hosted agent's verifier
(``/ler/badges/verify``, the same checks as the employer's check page).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError, quoted
from .app_keys import SHARE_LINKS, SIGNED_IN
from .check_words import explain
from .learner_tenant import TenantApi, learner_only, wallet
from .page_rendering import page
from .share_links import LIFETIMES_DAYS, share_url

LOGGER = logging.getLogger(__name__)
STATUS_WORDS = {
    "valid": "Valid",
    "revoked": "Revoked",
    "suspended": "Suspended",
    "unknown": "Status not known",
}


async def issuer_names(api: TenantApi) -> dict[str, str]:
    """Stored credential id -> the name of the college that issued it (its connection's label)."""
    labels = {
        c["connection_id"]: c.get("their_label") or ""
        for c in (await api.get("/connections"))["results"]
    }
    names = {}
    for record in (await api.get("/issue-credential-2.0/records"))["results"]:
        label = labels.get(record["cred_ex_record"].get("connection_id"), "")
        for detail in ("anoncreds", "indy", "ld_proof"):
            stored = (record.get(detail) or {}).get("cred_id_stored")
            if stored and label:
                names[stored] = label
    return names


async def _anoncreds(api: TenantApi, names: dict[str, str]) -> list[dict[str, Any]]:
    shown = []
    for cred in (await api.get("/credentials"))["results"]:
        attrs = cred.get("attrs") or {}
        status, reason = "valid", ""
        if cred.get("rev_reg_id"):
            try:
                revoked = await api.get(f"/credential/revoked/{quoted(cred['referent'])}")
                status = "revoked" if revoked.get("revoked") else "valid"
            except AgentCallError as exc:
                status, reason = "unknown", f"the ledger could not be read ({exc.message})"
            if status == "revoked":
                reason = await _revocation_reason(api, cred["referent"])
        shown.append(
            {
                "id": cred["referent"],
                "kind": "AnonCreds credential (for private proofs)",
                "title": attrs.get("program") or "A skills credential",
                "issuer": names.get(cred["referent"]) or str(cred.get("cred_def_id", "")),
                "skills": [{"name": attrs["skill"], "level": attrs.get("level") or "not stated"}]
                if attrs.get("skill")
                else [],
                "details": {k: v for k, v in attrs.items() if k not in ("skill", "level")},
                "status": status,
                "status_label": STATUS_WORDS[status],
                "reason": reason,
                "download": None,
            }
        )
    return shown


async def _revocation_reason(api: TenantApi, referent: str) -> str:
    """The college's reason from the revocation notice the wallet received ("" if none came)."""
    try:
        answer = await api.get(f"/ler/wallet/credentials/{quoted(referent)}/revocation-notice")
    except AgentCallError as exc:
        LOGGER.warning("the revocation notice of %s could not be read: %s", referent, exc)
        return ""  # the credential is revoked all the same; only the reason is missing
    return str((answer.get("notice") or {}).get("comment") or "")


def _status(result: dict[str, Any]) -> tuple[str, str]:
    for group in result["groups"]:
        for check in group["checks"]:
            if check["name"] != "status":
                continue
            if check["outcome"] == "passed":
                return "valid", ""
            if check["outcome"] == "failed":
                detail = str(check.get("detail") or "")
                for state in ("revoked", "suspended"):
                    if state in detail.lower() or state in check["explanation"].lower():
                        return state, detail
                return "unknown", detail
    return "valid", ""  # a credential without a status list cannot be revoked


async def _badges(api: TenantApi, names: dict[str, str]) -> list[dict[str, Any]]:
    shown = []
    for record in (await api.post("/credentials/w3c", {}))["results"]:
        credential = record.get("cred_value") or {}
        try:
            verdict = await api.post("/ler/badges/verify", {"credential": credential})
        except AgentCallError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise
            verdict = {"checks": [], "skills": []}
        result = explain(verdict, credential)
        status, reason = _status(result)
        shown.append(
            {
                "id": record["record_id"],
                "kind": "Open Badges 3.0 credential",
                "title": result["title"] or "A badge",
                "issuer": result["issuer_name"] or names.get(record["record_id"]) or "",
                "skills": result["skills"],
                "details": {},
                "status": status,
                "status_label": STATUS_WORDS[status],
                "reason": reason,
                "download": f"/wallet/badges/{record['record_id']}.json",
            }
        )
    return shown


@learner_only
async def credentials(request: web.Request) -> web.Response:
    """My credentials."""
    return await credentials_page(request)


async def credentials_page(
    request: web.Request, extra: dict[str, Any] | None = None, status: int = 200
) -> web.Response:
    """My credentials, with the learner's live share links (and ``extra`` for the template)."""
    api = wallet(request)
    names = await issuer_names(api)
    held = await _anoncreds(api, names) + await _badges(api, names)
    links = request.app[SHARE_LINKS].live(request[SIGNED_IN].username)
    context = {
        "credentials": held,
        "share_links": links,
        "share_prefix": share_url(str(request.url.origin()), ""),
        "share_notice": request.query.get("shared", ""),
        "lifetimes": LIFETIMES_DAYS,
    }
    return await page(request, "learner_credentials.html", {**context, **(extra or {})}, status)


async def held_badge(request: web.Request, record_id: str) -> dict[str, Any]:
    """The W3C credential record ``record_id`` of this learner's wallet (404 for any other)."""
    try:
        return await wallet(request).get(f"/credential/w3c/{quoted(record_id)}")
    except AgentCallError as exc:
        if 400 <= exc.status < 500:
            raise web.HTTPNotFound() from exc
        raise


@learner_only
async def badge_json(request: web.Request) -> web.Response:
    """The OB 3.0 JSON of one badge in this learner's wallet (404 for any other id)."""
    record_id = request.match_info["record_id"]
    record = await held_badge(request, record_id)
    body = json.dumps(record.get("cred_value") or record, indent=2)
    return web.Response(
        text=body,
        content_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="badge-{record_id[:40]}.json"',
            "Cache-Control": "no-store",
        },
    )
