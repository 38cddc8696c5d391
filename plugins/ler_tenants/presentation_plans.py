"""What answering a proof request shares, and sharing exactly that (a hosted learner's consent).

The hosted agent does not answer proof requests by itself: a learner first sees the *plan* of
an answer, then shares it. A plan lists, for an AnonCreds (or Indy) request waiting in
``request-received``: each attribute to be revealed with its value and the credential it comes
from, each predicate (proven without revealing the value), and what the wallet cannot answer.

For each item the plan picks one credential, deterministically: among the wallet's matching
credentials (for a predicate, those whose value makes it true), the newest (by when it was
stored; ties by credential id) that is not known to be revoked. Revocation is checked only when
the request asks for non-revocation, against the ledger's revocation list; a credential whose
status cannot be read is kept (the verifier decides). If every match is revoked, the item is
missing.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acapy_agent.anoncreds.holder import AnonCredsHolder, AnonCredsHolderError
from acapy_agent.core.profile import Profile
from acapy_agent.indy.holder import IndyHolder, IndyHolderError
from acapy_agent.protocols.issue_credential.v2_0.models.detail.anoncreds import (
    V20CredExRecordAnonCreds,
)
from acapy_agent.protocols.issue_credential.v2_0.models.detail.indy import V20CredExRecordIndy
from acapy_agent.protocols.present_proof.v2_0.formats.handler import V20PresFormatHandlerError
from acapy_agent.protocols.present_proof.v2_0.manager import V20PresManager
from acapy_agent.protocols.present_proof.v2_0.messages.pres import V20Pres
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

from .errors import NotShareableError

LOGGER = logging.getLogger(__name__)

#: request formats a plan can be made for, in order of preference
FORMATS = ("anoncreds", "indy")
#: matching credentials considered per item (the newest non-revoked one among them is chosen)
MAX_CANDIDATES = 100
WAITING = V20PresExRecord.STATE_REQUEST_RECEIVED
COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True)
class Candidate:
    """A wallet credential that can answer an item, and when it was stored."""

    info: dict[str, Any]
    stored_at: str

    @property
    def cred_id(self) -> str:
        """The credential's id in the wallet."""
        return str(self.info["referent"])


def request_of(record: V20PresExRecord) -> tuple[str | None, dict[str, Any]]:
    """The record's request format and the request itself (``None, {}`` if neither format)."""
    by_format = (record.by_format or {}).get("pres_request") or {}
    for fmt in FORMATS:
        if by_format.get(fmt):
            return fmt, by_format[fmt]
    return None, {}


async def retrieve(profile: Profile, pres_ex_id: str) -> V20PresExRecord:
    """The caller's own exchange record (``StorageNotFoundError`` -> 404 if not its own)."""
    async with profile.session() as session:
        return await V20PresExRecord.retrieve_by_id(session, pres_ex_id)


async def plan(profile: Profile, record: V20PresExRecord) -> dict[str, Any]:
    """What answering ``record`` would share, item by item, and what is missing."""
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
        "shareable": False,
    }
    if fmt is None:
        return result
    stored = await _stored_times(profile)
    attributes = request.get("requested_attributes") or {}
    predicates = request.get("requested_predicates") or {}
    for referent in sorted(attributes):
        item = attributes[referent]
        names = list(item.get("names") or [item.get("name")])
        chosen = await _choose(profile, request, referent, item, stored)
        if chosen is None:
            result["missing"].append({"referent": referent, "kind": "attribute", "names": names})
            continue
        result["attributes"].append(
            {
                "referent": referent,
                "names": names,
                "values": {name: _value(chosen.info, name) for name in names},
                **_source(chosen),
            }
        )
    for referent in sorted(predicates):
        item = predicates[referent]
        what = {"name": item["name"], "p_type": item["p_type"], "p_value": item["p_value"]}
        chosen = await _choose(profile, request, referent, item, stored)
        if chosen is None:
            result["missing"].append({"referent": referent, "kind": "predicate", **what})
            continue
        result["predicates"].append({"referent": referent, **what, **_source(chosen)})
    result["shareable"] = record.state == WAITING and not result["missing"]
    return result


def presentation_spec(shared: Mapping[str, Any]) -> dict[str, Any]:
    """The ``send-presentation`` body that shares exactly the plan ``shared``."""
    return {
        shared["format"]: {
            "requested_attributes": {
                a["referent"]: {"cred_id": a["cred_id"], "revealed": True}
                for a in shared["attributes"]
            },
            "requested_predicates": {
                p["referent"]: {"cred_id": p["cred_id"]} for p in shared["predicates"]
            },
            "self_attested_attributes": {},
        }
    }


async def share(
    profile: Profile, record: V20PresExRecord
) -> tuple[dict[str, Any], V20PresExRecord, V20Pres]:
    """Make the presentation of exactly the plan; refuse if the plan cannot be shared.

    Returns the plan, the updated record and the message to send to the verifier.
    """
    shared = await plan(profile, record)
    if record.state != WAITING:
        raise NotShareableError(
            f"this exchange is in state {record.state}, not {WAITING}: "
            "only a request waiting for an answer can be shared"
        )
    if shared["format"] is None:
        raise NotShareableError("this request is not an AnonCreds request: it can only be declined")
    if shared["missing"]:
        listed = ", ".join(m["referent"] for m in shared["missing"])
        raise NotShareableError(f"the wallet has no usable credential for: {listed}")
    try:
        updated, message = await V20PresManager(profile).create_pres(
            record, request_data=presentation_spec(shared)
        )
    except (AnonCredsHolderError, IndyHolderError, V20PresFormatHandlerError) as exc:
        raise NotShareableError(f"the presentation could not be made: {exc}") from exc
    return shared, updated, message


def _source(chosen: Candidate) -> dict[str, Any]:
    info = chosen.info
    return {
        "cred_id": chosen.cred_id,
        "schema_id": info.get("schema_id"),
        "cred_def_id": info.get("cred_def_id"),
        "rev_reg_id": info.get("rev_reg_id"),
        "stored_at": chosen.stored_at or None,
    }


def _value(info: Mapping[str, Any], name: str) -> str:
    attrs = info.get("attrs") or {}
    if name in attrs:
        return str(attrs[name])
    wanted = _normal(name)
    return next((str(v) for k, v in attrs.items() if _normal(k) == wanted), "")


def _normal(name: str) -> str:
    return name.replace(" ", "").lower()


async def _stored_times(profile: Profile) -> dict[str, str]:
    """When each credential was stored (its issuance exchange's detail record), by cred id."""
    times: dict[str, str] = {}
    async with profile.session() as session:
        for kind in (V20CredExRecordAnonCreds, V20CredExRecordIndy):
            for detail in await kind.query(session, {}):
                if detail.cred_id_stored:
                    times[detail.cred_id_stored] = detail.created_at or ""
    return times


async def _choose(
    profile: Profile,
    request: Mapping[str, Any],
    referent: str,
    item: Mapping[str, Any],
    stored: Mapping[str, str],
) -> Candidate | None:
    """The newest matching credential not known to be revoked, or ``None``."""
    found = await _holder(profile).get_credentials_for_presentation_request_by_referent(
        dict(request), (referent,), offset=0, limit=MAX_CANDIDATES
    )
    candidates = sorted(
        (Candidate(m["cred_info"], stored.get(str(m["cred_info"]["referent"]), "")) for m in found),
        key=lambda c: (c.stored_at, c.cred_id),
        reverse=True,
    )
    if "p_type" in item:  # the wallet's search matches names only: check the comparison here
        candidates = [c for c in candidates if _satisfies(c.info, item)]
    interval = item.get("non_revoked") or request.get("non_revoked")
    for candidate in candidates:
        if interval and await _revoked(profile, candidate, interval):
            continue
        return candidate
    return None


def _satisfies(info: Mapping[str, Any], predicate: Mapping[str, Any]) -> bool:
    """Whether the credential's value makes the predicate true (integers only, as AnonCreds)."""
    compare = COMPARISONS.get(str(predicate.get("p_type")))
    try:
        value, bound = int(_value(info, str(predicate["name"]))), int(predicate["p_value"])
    except (KeyError, TypeError, ValueError):
        return False
    return compare is not None and compare(value, bound)


def _holder(profile: Profile) -> AnonCredsHolder | IndyHolder:
    if profile.settings.get_value("wallet.type") in ("askar-anoncreds", "kanon-anoncreds"):
        return AnonCredsHolder(profile)
    return profile.inject(IndyHolder)


async def _revoked(profile: Profile, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
    """Whether the ledger says the credential is revoked (``False`` if it cannot say)."""
    holder = _holder(profile)
    if not isinstance(holder, AnonCredsHolder) or not candidate.info.get("cred_rev_id"):
        return False  # not revocable, or an Indy wallet (its check needs a ledger handle)
    try:
        return bool(
            await holder.credential_revoked(
                candidate.cred_id, interval.get("from"), interval.get("to")
            )
        )
    except Exception as exc:  # the status could not be read: keep it, the verifier decides
        LOGGER.warning("revocation status of %s not read: %s", candidate.cred_id, exc)
        return False
