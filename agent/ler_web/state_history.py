"""The ledger browser as of a past moment: revoked credentials and accreditations then.

The ledger keeps every revocation list entry and accreditation change, so the state agent can
answer for any time or block (``/ler/ledger/revocation-list``, ``/ler/ledger/records``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import agent_api
from .page_rendering import page
from .sign_in import requires
from .state_console import ROLE, agent_names

STATUS = {
    "accredited": "Active",
    "reinstated": "Active",
    "suspended": "Suspended",
    "withdrawn": "Withdrawn",
}
MAX_BLOCK = 2**63


def _moment(when: str, block: str) -> tuple[dict[str, int], dict[str, str]]:
    """({"at": unix} or {"block": n} or {}, errors by field) from the form's fields."""
    if when and block:
        return {}, {"when": "Give a date and time or a block number, not both"}
    if block:
        if not block.isascii() or not block.isdigit() or int(block) >= MAX_BLOCK:
            return {}, {"block": "A block number is a whole number, like 120"}
        return {"block": int(block)}, {}
    if when:
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
            try:
                moment = datetime.strptime(when, pattern).replace(tzinfo=UTC)
                break
            except ValueError:
                continue
        else:
            return {}, {"when": "Enter the date and time like 2026-11-29T08:00 (UTC)"}
        if moment.year < 1970:
            return {}, {"when": "Enter a date after 1 January 1970"}
        return {"at": int(moment.timestamp())}, {}
    return {}, {}


def _accreditations_then(
    changes: list[dict[str, Any]], moment: dict[str, int], names: dict[str, str]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(changes up to ``moment``, each issuer and type's status then)."""
    if "block" in moment:
        upto = [c for c in changes if c["block_number"] <= moment["block"]]
    elif "at" in moment:
        upto = [c for c in changes if c["time"] <= moment["at"]]
    else:
        upto = list(changes)
    status: dict[tuple[str, str], dict[str, Any]] = {}
    for change in upto:
        change["issuer_name"] = names.get(change["issuer"], "")
        status[(change["issuer"], change["credential_type"])] = {
            **change,
            "status": STATUS.get(change["action"], change["action"]),
        }
    return upto, sorted(status.values(), key=lambda s: (s["issuer_name"], s["credential_type"]))


@requires(ROLE)
async def history(request: web.Request) -> web.Response:
    """Revoked credentials and accreditations as of a chosen time or block."""
    form = {k: request.query.get(k, "").strip() for k in ("rev_reg_id", "when", "block")}
    moment, errors = _moment(form["when"], form["block"])
    state = agent_api(request, "state")
    registries = (await state.get("/ler/ledger/revocation-registries"))["results"]
    records = await state.get("/ler/ledger/records")
    names = await agent_names(request)
    for registry in registries:
        registry["issuer_name"] = names.get(registry["issuer"], "")
    revocations = None
    if form["rev_reg_id"] and not errors:
        if form["rev_reg_id"] not in {r["rev_reg_id"] for r in registries}:
            errors["rev_reg_id"] = "Choose one of the revocation registries on the ledger"
        else:
            params = {k: str(v) for k, v in moment.items()}
            try:
                revocations = await state.get(
                    "/ler/ledger/revocation-list", rev_reg_id=form["rev_reg_id"], **params
                )
            except AgentCallError as exc:
                if exc.status not in (400, 404, 422):
                    raise
                field = "block" if "block" in moment else "when"
                errors[field] = f"The ledger cannot answer for that moment: {exc.message}"
    changes, standing = _accreditations_then(records["accreditations"], moment, names)
    return await page(
        request,
        "state_history.html",
        {
            "form": form,
            "errors": errors,
            "moment": moment if not errors else {},
            "registries": registries,
            "revocations": revocations,
            "changes": changes if not errors else [],
            "standing": standing if not errors else [],
            "ledger": {"block": records["block"], "time": records["time"]},
        },
        status=400 if errors else 200,
    )


def routes() -> list[web.RouteDef]:
    """The page's routes."""
    return [web.get("/state/ledger/history", history)]
