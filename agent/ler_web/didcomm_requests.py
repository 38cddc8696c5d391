"""The employer's request for a DIDComm wallet: a connectionless present-proof request.

The verifier agent makes an AnonCreds proof request that no connection carries
(``POST /present-proof-2.0/create-request``), then an out-of-band invitation with that request
attached and no handshake (``POST /out-of-band/create-invitation``): a wallet that opens the
invitation answers straight back to the verifier's service. The verifier checks the answer under
the LER policy when it arrives (ler_ledger) and keeps the verdict
(``GET /ler/verifier/presentations/{id}``).

The request works until the verifier abandons it unanswered, after its ``ler.exchange_timeout``
(read from ``GET /status/config``): the employer's page and the short link (:mod:`.request_links`)
say until when, and a request the verifier ended reads in plain words (:mod:`.request_words`).

The request asks for the network's AnonCreds skills credential (the shape ler_hiring's job
requests use): the attribute ``skill_code`` equal to ``O*NET <code>`` of the chosen skill,
revealed with the ``level`` reached, not revoked at the time of the request.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from .agent_calls import AgentApi, AgentCallError, quoted
from .check_words import explain
from .request_words import employer_ending

CODE_ATTRIBUTE = "skill_code"
LEVEL_ATTRIBUTE = "level"
CODE_PREFIX = "O*NET "
REFERENT = "skill"
KIND = "AnonCredsCredential"
PRESENT_PROOF = "/present-proof-2.0"
DEFAULT_TIMEOUT = 300.0  # ler_ledger's ler.exchange_timeout when the agent sets none
FINAL = ("done", "abandoned", "deleted")


def skill_proof_request(skill: dict[str, Any], now: int | None = None) -> dict[str, Any]:
    """The AnonCreds request for ``skill`` (a catalogue entry): its code and level, revealed."""
    when = int(time.time()) if now is None else now
    return {
        "name": f"A credential showing the skill {skill['name']}"[:200],
        "version": "1.0",
        "requested_attributes": {
            REFERENT: {
                "names": [CODE_ATTRIBUTE, LEVEL_ATTRIBUTE],
                "restrictions": [
                    {f"attr::{CODE_ATTRIBUTE}::value": CODE_PREFIX + skill["onet_code"]}
                ],
            }
        },
        "requested_predicates": {},
        "non_revoked": {"from": when, "to": when},
    }


async def create(verifier: AgentApi, skill: dict[str, Any]) -> dict[str, Any]:
    """A request on the verifier agent and the invitation carrying it (ids, thread, invitation)."""
    record = await verifier.post(
        f"{PRESENT_PROOF}/create-request",
        {
            "presentation_request": {"anoncreds": skill_proof_request(skill)},
            "comment": f"Please show a credential with the skill {skill['name']}",
            "auto_remove": False,
        },
    )
    invitation = await verifier.post(
        "/out-of-band/create-invitation",
        {
            "attachments": [{"type": "present-proof", "id": record["pres_ex_id"]}],
            "goal_code": "aries.vc.verify",  # ACA-Py reads back no goal without a goal code
            "goal": f"Show a credential with the skill {skill['name']}",
        },
    )
    return {
        "pres_ex_id": record["pres_ex_id"],
        "thread_id": record.get("thread_id"),
        "oob_id": invitation["oob_id"],
        "invitation": invitation["invitation"],
    }


async def lifetime(verifier: AgentApi) -> float | None:
    """Seconds the verifier keeps an unanswered request (its ``ler.exchange_timeout``).

    None if it keeps it until answered (a timeout of 0).
    """
    config = (await verifier.get("/status/config")).get("config") or {}
    ler = (config.get("plugin_config") or {}).get("ler") or {}
    try:
        seconds = float(ler.get("exchange_timeout", DEFAULT_TIMEOUT))
    except (TypeError, ValueError):
        seconds = DEFAULT_TIMEOUT
    return seconds if seconds > 0 else None


def encoded_invitation(invitation: dict[str, Any]) -> str:
    """An out-of-band invitation as the ``oob`` value of a link (base64url JSON, unpadded)."""
    return base64.urlsafe_b64encode(json.dumps(invitation).encode()).decode().rstrip("=")


def invitation_link(invitation: dict[str, Any]) -> str:
    """The link of an out-of-band invitation (as ACA-Py makes it: its service's ``?oob=``)."""
    services = invitation.get("services") or [{}]
    service = services[0] if isinstance(services[0], dict) else {}
    base = service.get("serviceEndpoint") or "didcomm://invite"
    return f"{base}?oob={encoded_invitation(invitation)}"


async def exchange(verifier: AgentApi, pres_ex_id: str) -> dict[str, Any]:
    """The verifier's record of the request, with its verdict once it was checked.

    A record the verifier no longer has is ``{"state": "deleted"}``.
    """
    try:
        record = await verifier.get(f"{PRESENT_PROOF}/records/{quoted(pres_ex_id)}")
    except AgentCallError as exc:
        if exc.status != 404:
            raise
        return {"state": "deleted"}
    if record.get("state") == "done":
        record["verdict"] = await verifier.get(f"/ler/verifier/presentations/{quoted(pres_ex_id)}")
    return record


def outcome(
    record: dict[str, Any],
    skill: dict[str, Any] | None,
    levels: list[dict[str, Any]],
    expires: float | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """What the status part of the employer's page shows (as for a VC-API request).

    ``expires``: when the request was to stop working, if known.
    """
    if record.get("state") not in FINAL:
        return {"final": False}
    verdict = record.get("verdict")
    if not isinstance(verdict, dict):
        when = time.time() if now is None else now
        ending = employer_ending(record.get("error_msg"), expires, when)
        return {"final": True, "answered": False, "ending": ending}
    shown = _skill_shown(verdict, skill, levels)
    credential = {"name": _schema_name(record)}
    judged = {
        **verdict,
        "kind": KIND,
        "issuer": {"id": _issuer(record)},
        "skills": [shown] if shown else [],
    }
    return {
        "final": True,
        "answered": True,
        "verified": bool(verdict.get("verified")),
        "results": [explain(judged, credential)],
        "skill_shown": explain({"skills": [shown]}, {})["skills"][0] if shown else None,
        "problems": [] if verdict.get("verified") else verdict.get("reasons") or [],
    }


def _skill_shown(
    verdict: dict[str, Any], skill: dict[str, Any] | None, levels: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The skill the wallet revealed, as the check page lists skills; None if not the one asked."""
    revealed = (verdict.get("revealed") or {}).get(REFERENT)
    if not isinstance(revealed, dict) or skill is None:
        return None
    if revealed.get(CODE_ATTRIBUTE) != CODE_PREFIX + skill["onet_code"]:
        return None
    level = str(revealed.get(LEVEL_ATTRIBUTE, ""))
    named = next((x["name"] for x in levels if str(x.get("level")) == level), None)
    return {
        "name": skill["name"],
        "code": skill["onet_code"],
        "level": f"{level} ({named})" if named else level or None,
    }


def _identifiers(record: dict[str, Any]) -> dict[str, Any]:
    proof = ((record.get("by_format") or {}).get("pres") or {}).get("anoncreds") or {}
    identifiers = proof.get("identifiers") or [{}]
    return identifiers[0] if isinstance(identifiers[0], dict) else {}


def _issuer(record: dict[str, Any]) -> str | None:
    """The issuer's DID, from the credential definition the proof names."""
    cred_def_id = str(_identifiers(record).get("cred_def_id") or "")
    return cred_def_id.split("/", 1)[0] or None


def _schema_name(record: dict[str, Any]) -> str | None:
    """The credential type, from the schema the proof names (``…/<name>/<version>``)."""
    parts = str(_identifiers(record).get("schema_id") or "").split("/")
    return parts[-2] if len(parts) >= 3 else None
