"""The state console's roles and trustee votes.

Who holds TRUSTEE, STEWARD and ENDORSER; the trustee proposals and their votes; and the state's
own vote, cast by the state agent (``/ler/governance/roles`` and ``/ler/governance/trustees``
of its admin API). A change of trustee needs more than half of the trustees.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from .agent_calls import AgentCallError
from .app_keys import agent_api
from .page_rendering import page
from .sign_in import requires
from .state_console import ROLE, agent_accounts

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
ROLE_WORDS = {
    "TRUSTEE": "Trustees govern the network: they vote on trustees and grant the other roles.",
    "STEWARD": "Stewards run the ledger's nodes.",
    "ENDORSER": "Endorsers check and send colleges' writes to the ledger.",
}
#: What the ledger's refusals mean, in plain words (by the contract's error name).
REFUSALS = {
    "RolesAlreadyApproved": "The state has already voted for this change.",
    "RolesProposalAlreadyExecuted": "This change has already been carried out.",
    "RolesNoChange": "This account already is, or already is not, a trustee.",
    "RolesLastTrustee": "The network's last trustee cannot be removed.",
    "RolesUnknownProposal": "There is no such proposal.",
    "AccessControlUnauthorizedAccount": "The state agent is not a trustee, so it cannot vote.",
}


def _refusal(exc: AgentCallError) -> str:
    for name, words in REFUSALS.items():
        if name in exc.message:
            return f"The ledger refused the vote. {words}"
    return f"The ledger refused the vote: {exc.message}"


@requires(ROLE)
async def votes(request: web.Request) -> web.Response:
    """Roles and trustee votes."""
    return await _votes_page(request)


async def _votes_page(
    request: web.Request,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> web.Response:
    state = agent_api(request, "state")
    holders = (await state.get("/ler/governance/roles"))["roles"]
    proposals = (await state.get("/ler/governance/trustees"))["proposals"]
    names = await agent_accounts(request)
    roles = [
        {
            "role": role,
            "words": ROLE_WORDS.get(role, ""),
            "holders": [{"address": a, "name": names.get(a.lower(), "")} for a in accounts],
        }
        for role, accounts in holders.items()
    ]
    for proposal in proposals:
        proposal["name"] = names.get(proposal["account"].lower(), "")
    return await page(
        request,
        "state_votes.html",
        {
            "roles": roles,
            "open": [p for p in proposals if not p["executed"]],
            "done": [p for p in proposals if p["executed"]][:20],
            "errors": errors or {},
            "form": form or {},
            "notice": notice,
        },
        status=status,
    )


@requires(ROLE)
async def vote(request: web.Request) -> web.Response:
    """Propose a trustee change, or approve one: the state's vote."""
    posted = await request.post()
    action = str(posted.get("action", ""))
    form = {k: str(posted.get(k, "")).strip() for k in ("account", "change")}
    if action == "propose":
        errors = {}
        if not ADDRESS.match(form["account"]):
            errors["account"] = (
                "Enter the ledger account: 0x followed by 40 letters a to f and digits"
            )
        if form["change"] not in ("grant", "revoke"):
            errors["change"] = "Choose whether to add or remove a trustee"
        if errors:
            return await _votes_page(request, errors, form, status=400)
        body: dict[str, Any] = {
            "action": "propose",
            "account": form["account"],
            "grant": form["change"] == "grant",
        }
        field = "account"
    elif action == "approve":
        proposal_id = str(posted.get("proposal_id", ""))
        if not proposal_id.isascii() or not proposal_id.isdigit() or len(proposal_id) > 30:
            raise web.HTTPBadRequest()
        body = {"action": "approve", "proposal_id": int(proposal_id)}
        field = f"approve-{proposal_id}"
    else:
        raise web.HTTPBadRequest()
    try:
        result = await agent_api(request, "state").post("/ler/governance/trustees", body)
    except AgentCallError as exc:
        if exc.status in (400, 403, 404, 409, 422):
            return await _votes_page(request, {field: _refusal(exc)}, form, status=exc.status)
        raise
    change = "add" if result["grant"] else "remove"
    outcome = (
        "It has been carried out."
        if result["executed"]
        else f"It has {result['approvals']} of the {result['needed']} votes it needs."
    )
    verb = "proposed" if action == "propose" else "voted for"
    notice = (
        f"The state {verb} proposal {result['proposal_id']}: {change} trustee "
        f"{result['account']}. {outcome}"
    )
    return await _votes_page(request, notice=notice)


def routes() -> list[web.RouteDef]:
    """The page's routes."""
    return [web.get("/state/roles", votes), web.post("/state/roles", vote)]
