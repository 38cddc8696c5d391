"""Answering an employer's proof request, after seeing exactly what it shares; and the history.

A request waiting for the learner (``request-received``) is shown as the wallet's plan (the hosted
agent's ``/ler/wallet/proof-requests/{id}/plan``, ler_tenants): each attribute that will be
revealed with its value, and each predicate in words ("you will prove your level is at least 4,
not the level itself"). Sharing asks the agent to send exactly that plan (``.../share``, which
refuses what cannot be shared); declining sends a problem report. Requests with a format this
page cannot preview (not AnonCreds) can only be declined. A request an employer made on this
site that has expired (:mod:`.request_links`) says so, and can only be declined.
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError, quoted
from .learner_tenant import TenantApi, learner_only, wallet
from .page_rendering import page
from .request_links import expired_requests
from .request_words import learner_ended, learner_expired

DECLINED = "The learner declined to share."
FORMATS = ("anoncreds", "indy")
COMPARISONS = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}


def _words(name: str) -> str:
    return name.replace("_", " ")


def _claim(name: str, p_type: str, p_value: Any, verb: str = "is") -> str:
    """What a predicate proves: "your level is at least 4"."""
    return f"your {_words(name)} {verb} {COMPARISONS.get(p_type, p_type)} {p_value}"


def predicate_words(name: str, p_type: str, p_value: Any) -> str:
    """A predicate as a learner reads it before sharing."""
    return f"You will prove {_claim(name, p_type, p_value)}, not the {_words(name)} itself."


def _request_of(record: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    by_format = (record.get("by_format") or {}).get("pres_request") or {}
    for key in FORMATS:
        if key in by_format:
            return key, by_format[key]
    return None, {}


def plan_path(pres_ex_id: str) -> str:
    """The hosted agent's route (ler_tenants) for the plan of answering ``pres_ex_id``."""
    return f"/ler/wallet/proof-requests/{quoted(pres_ex_id)}"


async def share_plan(api: TenantApi, pres_ex_id: str) -> dict[str, Any]:
    """What answering the request shares (the wallet's plan), in the words the learner reads."""
    return plan_words(await api.get(f"{plan_path(pres_ex_id)}/plan"))


def plan_words(plan: dict[str, Any]) -> dict[str, Any]:
    """The wallet's plan (``GET /ler/wallet/proof-requests/{id}/plan``) as the page shows it."""
    missing = [
        ", ".join(_words(n) for n in item["names"])
        if item["kind"] == "attribute"
        else _claim(item["name"], item["p_type"], item["p_value"])
        for item in plan["missing"]
    ]
    return {
        "format": plan["format"],
        "attributes": [
            {"values": [(_words(n), a["values"].get(n, "")) for n in a["names"]]}
            for a in plan["attributes"]
        ],
        "predicates": [
            {"words": predicate_words(p["name"], p["p_type"], p["p_value"])}
            for p in plan["predicates"]
        ],
        "missing": missing,
        "shareable": plan["shareable"],
    }


async def _labels(api: TenantApi) -> dict[str, str]:
    """Who is on the other side, by connection id; by ``thread:<id>`` for a connectionless request.

    A request with no connection is named by its invitation's label (the out-of-band records).
    """
    labels = {
        c["connection_id"]: c.get("their_label") or "an organisation"
        for c in (await api.get("/connections"))["results"]
    }
    for oob in (await api.get("/out-of-band/records", role="receiver"))["results"]:
        label = (oob.get("invitation") or {}).get("label")
        if oob.get("attach_thread_id") and label:
            labels[f"thread:{oob['attach_thread_id']}"] = label
    return labels


def _who(record: dict[str, Any], labels: dict[str, str], unnamed: str = "an organisation") -> str:
    by_connection = labels.get(record.get("connection_id") or "")
    return by_connection or labels.get(f"thread:{record.get('thread_id')}", unnamed)


def _shared(record: dict[str, Any]) -> tuple[list[tuple[str, str]], list[str]]:
    """What a finished exchange revealed (name, value) and the predicates it proved."""
    fmt, request = _request_of(record)
    proof = ((record.get("by_format") or {}).get("pres") or {}).get(fmt or "", {})
    revealed = proof.get("requested_proof") or {}
    values = []
    for referent, item in (request.get("requested_attributes") or {}).items():
        if referent in (revealed.get("revealed_attrs") or {}):
            raw = revealed["revealed_attrs"][referent].get("raw", "")
            values.append((_words(item.get("name", referent)), raw))
        group = (revealed.get("revealed_attr_groups") or {}).get(referent)
        if group:
            values += [(_words(n), v.get("raw", "")) for n, v in group["values"].items()]
    predicates = [
        f"You proved {_claim(p['name'], p['p_type'], p['p_value'], 'was')}."
        for p in (request.get("requested_predicates") or {}).values()
    ]
    return values, predicates if proof else []


def _outcome(record: dict[str, Any]) -> str:
    state = record.get("state")
    if state == "done":
        if record.get("verified") == "true":
            return "Shared. The employer checked it and it passed."
        if record.get("verified") == "false":
            return "Shared. The employer's check did not pass."
        return "Shared."
    if state == "proposal-sent":
        return "You offered to share. Waiting for their request."
    if state == "presentation-sent":
        return "Shared. Waiting for the employer to check it."
    if state == "abandoned":
        return learner_ended(record.get("error_msg"))
    return str(state)


@learner_only
async def requests(request: web.Request) -> web.Response:
    """Requests waiting for an answer, each with what it would share; then the history."""
    return await requests_page(request)


async def requests_page(
    request: web.Request, notice: str | None = None, status: int = 200
) -> web.Response:
    """The requests page (with ``notice``): those waiting with their preview, then the history."""
    api = wallet(request)
    labels = await _labels(api)
    records = (await api.get("/present-proof-2.0/records", role="prover"))["results"]
    records.sort(key=lambda r: r.get("updated_at", ""), reverse=True)
    waiting, history = [], []
    expired = expired_requests(
        request, [r for r in records if r.get("state") == "request-received"]
    )
    for record in records:
        who = _who(record, labels)
        name = (_request_of(record)[1] or {}).get("name") or "a proof"
        if record.get("state") == "request-received":
            plan = await share_plan(api, record["pres_ex_id"])
            waiting.append({"id": record["pres_ex_id"], "who": who, "name": name, "plan": plan})
            if record.get("thread_id") in expired:
                ended = expired[record["thread_id"]]
                waiting[-1]["expired"] = learner_expired(who, ended, time.time())
        else:
            values, predicates = _shared(record)
            history.append(
                {
                    "who": who,
                    "name": name,
                    "when": record.get("updated_at", ""),
                    "values": values,
                    "predicates": predicates,
                    "outcome": _outcome(record),
                }
            )
    return await page(
        request,
        "learner_requests.html",
        # also shown after a request link was opened (POST /wallet/receive): the nav says where
        {"waiting": waiting, "history": history, "notice": notice, "path": "/wallet/requests"},
        status=status,
    )


@learner_only
async def answer(request: web.Request) -> web.Response:
    """Share exactly what the preview showed, or decline."""
    pres_ex_id = request.match_info["pres_ex_id"]
    choice = str((await request.post()).get("choice", ""))
    if choice not in ("share", "decline"):
        raise web.HTTPBadRequest()
    api = wallet(request)
    records = (await api.get("/present-proof-2.0/records", state="request-received"))["results"]
    record = next((r for r in records if r["pres_ex_id"] == pres_ex_id), None)
    if record is None:
        raise web.HTTPNotFound()
    who = _who(record, await _labels(api), "the organisation")
    ended = expired_requests(request, [record]).get(record.get("thread_id") or "")
    if choice == "share" and ended is not None:
        return await requests_page(request, learner_expired(who, ended, time.time()), status=409)
    if choice == "share":
        try:
            await api.post(f"{plan_path(pres_ex_id)}/share")
        except AgentCallError as exc:
            if exc.status != 409:
                raise
            notice = "Nothing was shared: your wallet cannot answer this request as it is now."
            return await requests_page(request, notice, status=409)
        notice = f"You shared it with {who}."
    else:
        path = f"/present-proof-2.0/records/{quoted(pres_ex_id)}"
        await api.post(f"{path}/problem-report", {"description": DECLINED})
        notice = f"You declined {who}'s request. Nothing was shared."
    return await requests_page(request, notice)
