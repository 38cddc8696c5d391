"""The AnonCreds credentials a college issued, their revocation state, and revoking one.

Through the college agent's admin API only: its issue-credential 2.0 exchanges (kept: the agents
preserve exchange records), the revocation state of each from its registry's issued records
(``/anoncreds/revocation/registry/{id}/issued/details``, one call per registry), the learner's
name from the connection, and why and when each was revoked from the reasons the agent keeps
(``/ler/anoncreds/revocations``, ler_ledger). A revocation goes through that route: published at
once, the learner told why over DIDComm (revocation notification 1.0, the reason as its comment),
and the reason kept in the college's wallet.
"""

from __future__ import annotations

from datetime import datetime
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


def _unix(stamp: str | None) -> float | None:
    """An ISO time as Unix time (None if absent or unreadable)."""
    try:
        return datetime.fromisoformat(stamp).timestamp() if stamp else None
    except ValueError:
        return None


async def issued(college: AgentApi) -> list[dict[str, Any]]:
    """The college's revocable AnonCreds credentials, newest first.

    Each: ``cred_ex_id``, ``title``, ``learner``, ``created_at``, ``state`` (``valid``,
    ``revoked`` or ``unknown``), and for a revocation the agent kept a reason of, ``reason``
    and ``revoked_at`` (Unix time; otherwise ``""`` and None).
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
    kept_reasons = (await college.get("/ler/anoncreds/revocations"))["results"]
    reasons = {r["cred_ex_id"]: r for r in kept_reasons}
    for credential in found:
        credential["state"] = states.get(credential["cred_ex_id"], "unknown")
        kept = reasons.get(credential["cred_ex_id"]) or {}
        credential["reason"] = kept.get("reason", "")
        credential["revoked_at"] = _unix(kept.get("revoked_at"))
    found.sort(key=lambda c: c["created_at"], reverse=True)
    return found


async def revoke(college: AgentApi, cred_ex_id: str, reason: str) -> bool:
    """Revoke and publish the credential of exchange ``cred_ex_id``, telling the learner why.

    Returns whether the learner is told (not when its connection is gone). Raises
    :class:`AgentCallError` (4xx) for an exchange that is not one of the college's revocable
    AnonCreds credentials, one revoked already, or one the agent refuses to revoke.
    """
    kept = await college.post(
        "/ler/anoncreds/revocations", {"cred_ex_id": cred_ex_id, "reason": reason}
    )
    return bool(kept.get("notified"))
