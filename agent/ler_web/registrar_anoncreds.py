"""The AnonCreds credentials a college issued, their revocation state, and revoking one.

Through the college agent's admin API only: its issue-credential 2.0 exchanges (kept: the agents
preserve exchange records), the revocation state of each from its registry's issued records
(``/anoncreds/revocation/registry/{id}/issued/details``, one call per registry), the learner's
name from the connection. A revocation is published at once and the learner is told why over
DIDComm (revocation notification 1.0, the reason as its comment), so the learner's wallet can show
the reason (ler_tenants keeps the notice).
"""

from __future__ import annotations

from typing import Any

from .agent_calls import AgentApi, AgentCallError, quoted

STATES = {"issued": "valid", "revoked": "revoked"}


def _attributes(exchange: dict[str, Any]) -> dict[str, str]:
    preview = exchange.get("cred_preview") or {}
    return {a["name"]: a.get("value", "") for a in preview.get("attributes") or []}


async def _states(college: AgentApi, registries: set[str]) -> dict[str, str]:
    """Exchange id -> ``valid`` or ``revoked``, from each registry's issued records."""
    states = {}
    for rev_reg_id in sorted(registries):
        try:
            issued = await college.get(
                f"/anoncreds/revocation/registry/{quoted(rev_reg_id)}/issued/details"
            )
        except AgentCallError as exc:
            if exc.status != 404:
                raise
            continue  # a registry the agent no longer has: its credentials show as unknown
        for record in issued:
            states[record.get("cred_ex_id") or ""] = STATES.get(record.get("state"), "unknown")
    return states


async def issued(college: AgentApi) -> list[dict[str, Any]]:
    """The college's revocable AnonCreds credentials, newest first.

    Each: ``cred_ex_id``, ``title``, ``learner``, ``created_at``, ``state`` (``valid``,
    ``revoked`` or ``unknown``).
    """
    records = (await college.get("/issue-credential-2.0/records", role="issuer"))["results"]
    labels = {
        c["connection_id"]: c.get("their_label") or ""
        for c in (await college.get("/connections"))["results"]
    }
    found = []
    for record in records:
        exchange, detail = record["cred_ex_record"], record.get("anoncreds") or {}
        if exchange.get("state") != "done" or not detail.get("rev_reg_id"):
            continue
        attributes = _attributes(exchange)
        found.append(
            {
                "cred_ex_id": exchange["cred_ex_id"],
                "rev_reg_id": detail["rev_reg_id"],
                "title": attributes.get("program") or "A skills credential",
                "learner": labels.get(exchange.get("connection_id") or "", ""),
                "created_at": exchange.get("created_at", ""),
            }
        )
    states = await _states(college, {c["rev_reg_id"] for c in found})
    for credential in found:
        credential["state"] = states.get(credential["cred_ex_id"], "unknown")
    found.sort(key=lambda c: c["created_at"], reverse=True)
    return found


async def revoke(college: AgentApi, cred_ex_id: str, reason: str) -> bool:
    """Revoke and publish the credential of exchange ``cred_ex_id``, telling the learner why.

    Returns whether the learner is told (not when the exchange had no connection). Raises
    :class:`AgentCallError` (4xx) for an exchange that is not one of the college's revocable
    AnonCreds credentials, or that the agent refuses to revoke.
    """
    record = await college.get(f"/issue-credential-2.0/records/{quoted(cred_ex_id)}")
    exchange = record["cred_ex_record"]
    if exchange.get("role") != "issuer" or not (record.get("anoncreds") or {}).get("rev_reg_id"):
        raise AgentCallError(college.link.id, 400, "it is not a revocable AnonCreds credential")
    connection_id = exchange.get("connection_id")
    body: dict[str, Any] = {"cred_ex_id": cred_ex_id, "publish": True, "notify": False}
    if connection_id:
        body.update(notify=True, notify_version="v1_0", connection_id=connection_id, comment=reason)
    await college.post("/anoncreds/revocation/revoke", body)
    return bool(connection_id)
