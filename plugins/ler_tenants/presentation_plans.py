"""What answering a proof request shares, and sharing exactly that (a hosted learner's consent).

The hosted agent does not answer proof requests by itself: a learner first sees the *plan* of
an answer, then shares it. A plan lists, for an AnonCreds (or Indy) request waiting in
``request-received``: each attribute to be revealed with its value and the credential it comes
from, each predicate (proven without revealing the value), and what the wallet cannot answer.

For each item the plan picks one credential, as ``ler_ledger.holder.choice`` does for an agent
that answers by itself: among the wallet's newest matching credentials (``limit`` of them, 100
unless asked, from ``offset``), the newest that makes a predicate true and is not known to be
revoked. Revocation is checked only when the request asks for non-revocation, against the
ledger's revocation list; a credential whose status cannot be read is kept (the verifier
decides). If none answers an item, the item is missing, and ``page.more`` names the items with
older matching credentials than those considered: ask again with the next ``offset``. The
credentials are read 10 at a time and reading stops at the first answer, so a plan's cost does
not grow with the number of credentials the learner keeps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from acapy_agent.anoncreds.holder import AnonCredsHolderError
from acapy_agent.core.profile import Profile
from acapy_agent.indy.holder import IndyHolderError
from acapy_agent.protocols.present_proof.v2_0.formats.handler import V20PresFormatHandlerError
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from ler_ledger.holder import choice
from ler_ledger.holder.choice import Choice, Wallet, request_of

from .errors import NotShareableError

__all__ = ["MOST", "PAGE", "plan", "presentation_spec", "request_of", "retrieve", "share"]

#: matching credentials read at a time; considered per item unless asked otherwise, and at most
PAGE, MOST = choice.PAGE, choice.MOST
WAITING = V20PresExRecord.STATE_REQUEST_RECEIVED


async def retrieve(profile: Profile, pres_ex_id: str) -> V20PresExRecord:
    """The caller's own exchange record (``StorageNotFoundError`` -> 404 if not its own)."""
    async with profile.session() as session:
        return await V20PresExRecord.retrieve_by_id(session, pres_ex_id)


async def plan(
    profile: Profile,
    record: V20PresExRecord,
    *,
    offset: int = 0,
    limit: int = MOST,
    wallet: Wallet | None = None,
) -> dict[str, Any]:
    """What answering ``record`` would share, item by item, and what is missing.

    ``offset``, ``limit``: which of each item's newest matching credentials are considered;
    ``wallet``: where they are read (``profile``'s wallet unless given).
    """
    fmt, request = request_of(record)
    result: dict[str, Any] = {
        "pres_ex_id": record.pres_ex_id,
        "state": record.state,
        "connection_id": record.connection_id,
        "name": request.get("name"),
        "format": fmt,
        "attributes": [],
        "predicates": [],
        "missing": [],
        "page": {"offset": offset, "limit": limit, "more": []},
        "shareable": False,
    }
    if fmt is None:
        return result
    choices = await choice.choose_all(
        wallet or choice.wallet_of(profile), request, offset=offset, limit=limit
    )
    for chosen in choices:
        _add(result, chosen)
    result["shareable"] = record.state == WAITING and not result["missing"]
    return result


def _add(result: dict[str, Any], chosen: Choice) -> None:
    """One item's line of the plan: what it shares and from which credential, or missing."""
    item, candidate = chosen.item, chosen.candidate
    if chosen.kind == "attribute":
        names = choice.names_of(item)
        what: dict[str, Any] = {"names": names}
        shown = {"values": {n: candidate.value(n) for n in names}} if candidate else {}
    else:
        what = {"name": item["name"], "p_type": item["p_type"], "p_value": item["p_value"]}
        shown = {}
    if candidate is None:
        result["missing"].append({"referent": chosen.referent, "kind": chosen.kind, **what})
        if chosen.more:
            result["page"]["more"].append(chosen.referent)
        return
    line = {"referent": chosen.referent, **what, **shown, **candidate.source()}
    result["attributes" if chosen.kind == "attribute" else "predicates"].append(line)


def presentation_spec(shared: Mapping[str, Any]) -> dict[str, Any]:
    """The ``send-presentation`` body that shares exactly the plan ``shared``."""
    return {
        shared["format"]: choice.spec(
            {a["referent"]: a["cred_id"] for a in shared["attributes"]},
            {p["referent"]: p["cred_id"] for p in shared["predicates"]},
        )
    }


async def share(
    profile: Profile,
    record: V20PresExRecord,
    *,
    offset: int = 0,
    limit: int = MOST,
    wallet: Wallet | None = None,
) -> tuple[dict[str, Any], V20PresExRecord, V20Pres]:
    """Make the presentation of exactly the plan (of the same page); refuse if it cannot be.

    Returns the plan, the updated record and the message to send to the verifier.
    """
    shared = await plan(profile, record, offset=offset, limit=limit, wallet=wallet)
    if record.state != WAITING:
        raise NotShareableError(
            f"this exchange is in state {record.state}, not {WAITING}: "
            "only a request waiting for an answer can be shared"
        )
    if shared["format"] is None:
        raise NotShareableError("this request is not an AnonCreds request: it can only be declined")
    if shared["missing"]:
        listed = ", ".join(m["referent"] for m in shared["missing"])
        more = shared["page"]["more"]
        hint = f" (older matching credentials exist for {', '.join(more)}: try the next page)"
        raise NotShareableError(
            f"the wallet has no usable credential for: {listed}{hint if more else ''}"
        )
    try:
        updated, message = await V20PresManager(profile).create_pres(
            record, request_data=presentation_spec(shared)
        )
    except (AnonCredsHolderError, IndyHolderError, V20PresFormatHandlerError) as exc:
        raise NotShareableError(f"the presentation could not be made: {exc}") from exc
    return shared, updated, message
