"""Which wallet credential answers each item of an AnonCreds (or Indy) proof request.

For each requested attribute or predicate the wallet's matching credentials are read newest
first (the order the wallet stored them in), a page at a time, and the first one that answers
is chosen: for a predicate, one whose value makes it true; when the request asks for
non-revocation, one the ledger's revocation list does not mark revoked (a credential whose status
cannot be read is kept: the verifier decides). Reading stops at the first answer, so the cost
does not grow with the number of credentials the holder keeps. Items share the credential chosen
from a revocation registry: ACA-Py's holder cannot prove two credentials of one registry at once.

ACA-Py's own search loads every matching credential up to 100 per item, unordered, and takes the
first without checking predicates or revocation. Its tag query joins several restrictions with
"and"; here they are alternatives ("or"), as AnonCreds defines them.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from acapy_agent.anoncreds.holder import CATEGORY_CREDENTIAL, AnonCredsHolder
from acapy_agent.core.profile import Profile
from acapy_agent.indy.holder import IndyHolder
from acapy_agent.protocols.present_proof.v2_0.models.pres_exchange import V20PresExRecord

LOGGER = logging.getLogger(__name__)

#: request formats answered from AnonCreds credentials, in order of preference
FORMATS = ("anoncreds", "indy")
#: matching credentials read at a time, newest first
PAGE = 10
#: matching credentials considered per item unless asked otherwise (ACA-Py's own bound)
MOST = 100
COMPARISONS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass(frozen=True)
class Candidate:
    """A wallet credential that matches an item: its id, attribute values and origin."""

    cred_id: str
    attrs: Mapping[str, str]
    schema_id: str | None = None
    cred_def_id: str | None = None
    rev_reg_id: str | None = None

    @classmethod
    def from_tags(cls, cred_id: str, tags: Mapping[str, str]) -> Candidate:
        """From the tags the AnonCreds holder stores a credential with (no decoding needed)."""
        attrs = {
            key[len("attr::") : -len("::value")]: value
            for key, value in tags.items()
            if key.startswith("attr::") and key.endswith("::value")
        }
        revocation = tags.get("rev_reg_id")
        return cls(
            cred_id,
            attrs,
            tags.get("schema_id"),
            tags.get("cred_def_id"),
            None if revocation in (None, "", "None") else revocation,
        )

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> Candidate:
        """From an ACA-Py holder's ``cred_info``."""
        return cls(
            str(info["referent"]),
            {k: str(v) for k, v in (info.get("attrs") or {}).items()},
            info.get("schema_id"),
            info.get("cred_def_id"),
            info.get("rev_reg_id"),
        )

    def value(self, name: str) -> str:
        """The raw value of attribute ``name`` (spaces and case aside), ``""`` if it has none."""
        if name in self.attrs:
            return str(self.attrs[name])
        wanted = _normal(name)
        return next((str(v) for k, v in self.attrs.items() if _normal(k) == wanted), "")

    def source(self) -> dict[str, Any]:
        """Which credential this is, as a plan shows it."""
        return {
            "cred_id": self.cred_id,
            "schema_id": self.schema_id,
            "cred_def_id": self.cred_def_id,
            "rev_reg_id": self.rev_reg_id,
        }


@dataclass(frozen=True)
class Choice:
    """The credential chosen for one item (``None``: none answers).

    ``more``: older matching credentials than those considered exist.
    """

    referent: str
    item: Mapping[str, Any]
    candidate: Candidate | None
    more: bool = False

    @property
    def kind(self) -> str:
        """``attribute`` or ``predicate``."""
        return "predicate" if "p_type" in self.item else "attribute"


class Wallet(Protocol):
    """Where the choice reads credentials and their revocation status."""

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        """Matching credentials of one item, newest first, ``limit`` from ``offset``."""

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        """Whether the ledger marks it revoked in ``interval`` (``False`` if it cannot say)."""


class AskarWallet:
    """An askar-anoncreds wallet: a tag query ordered by storage, newest first."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        """One page of the item's matching credentials, read from their tags only."""
        scan = self.profile.store.scan(
            category=CATEGORY_CREDENTIAL,
            tag_filter=tag_filter(request, referent),
            offset=offset,
            limit=limit,
            profile=self.profile.settings.get("wallet.askar_profile"),
            order_by="id",
            descending=True,
        )
        return [Candidate.from_tags(row.name, row.tags) async for row in scan]

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        """Checked against the registry's revocation list for the interval."""
        if not candidate.rev_reg_id:
            return False
        return await _revoked(AnonCredsHolder(self.profile), candidate, interval)


class HolderSearch:
    """Any other wallet: ACA-Py's holder search, in the order the wallet gives."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.holder = holder_of(profile)

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        """One page of ACA-Py's search for the item."""
        found = await self.holder.get_credentials_for_presentation_request_by_referent(
            dict(request), (referent,), offset=offset, limit=limit
        )
        return [Candidate.from_info(match["cred_info"]) for match in found]

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        """Checked on AnonCreds wallets only (an Indy wallet's check needs a ledger handle)."""
        if not isinstance(self.holder, AnonCredsHolder) or not candidate.rev_reg_id:
            return False
        return await _revoked(self.holder, candidate, interval)


def holder_of(profile: Profile) -> AnonCredsHolder | IndyHolder:
    """ACA-Py's holder of the profile's wallet: AnonCreds, or Indy for older wallet types."""
    if profile.settings.get_value("wallet.type") in ("askar-anoncreds", "kanon-anoncreds"):
        return AnonCredsHolder(profile)
    return profile.inject(IndyHolder)


def wallet_of(profile: Profile) -> Wallet:
    """The wallet of ``profile``: askar-anoncreds read directly, others through ACA-Py."""
    if profile.settings.get_value("wallet.type") == "askar-anoncreds":
        return AskarWallet(profile)
    return HolderSearch(profile)


def request_of(record: V20PresExRecord) -> tuple[str | None, dict[str, Any]]:
    """The record's request format and the request itself (``None, {}`` if neither format)."""
    by_format = (record.by_format or {}).get("pres_request") or {}
    for fmt in FORMATS:
        if by_format.get(fmt):
            return fmt, by_format[fmt]
    return None, {}


def item_of(request: Mapping[str, Any], referent: str) -> Mapping[str, Any]:
    """The requested attribute or predicate ``referent`` (``KeyError`` if neither)."""
    attributes = request.get("requested_attributes") or {}
    if referent in attributes:
        return attributes[referent]
    return (request.get("requested_predicates") or {})[referent]


def names_of(item: Mapping[str, Any]) -> list[str]:
    """The attribute names an item asks for (one, or a group)."""
    return [str(n) for n in (item.get("names") or [item.get("name")]) if n is not None]


def tag_filter(request: Mapping[str, Any], referent: str) -> dict[str, Any]:
    """The askar tag query of one item's matching credentials (as ACA-Py's holder tags them)."""
    item = item_of(request, referent)
    query: dict[str, Any] = {
        "$exist": [f"attr::{name.replace(' ', '')}::value" for name in names_of(item)]
    }
    restrictions = [dict(r) for r in item.get("restrictions") or [] if r]
    if restrictions:
        query = {"$and": [query, {"$or": restrictions}]}
    return query


def satisfies(candidate: Candidate, predicate: Mapping[str, Any]) -> bool:
    """Whether the credential's value makes the predicate true (integers only, as AnonCreds)."""
    compare = COMPARISONS.get(str(predicate.get("p_type")))
    try:
        value = int(candidate.value(str(predicate["name"])))
        bound = int(predicate["p_value"])
    except (KeyError, TypeError, ValueError):
        return False
    return compare is not None and compare(value, bound)


async def choose(
    wallet: Wallet,
    request: Mapping[str, Any],
    referent: str,
    *,
    offset: int = 0,
    limit: int = MOST,
    page: int = PAGE,
    revoked_as_last_resort: bool = False,
    taken: Mapping[str, str] | None = None,
) -> Choice:
    """The newest matching credential that answers the item.

    It considers ``limit`` matching credentials from ``offset``, read ``page`` at a time, and
    stops at the first that answers. ``revoked_as_last_resort``: if every match that answers is
    revoked, choose the newest of them anyway, so that the verifier says why (as ACA-Py's own
    answer would); else the item has none. ``taken``: the credential already chosen from each
    revocation registry (another credential of that registry does not answer).
    """
    item = item_of(request, referent)
    interval = item.get("non_revoked") or request.get("non_revoked")
    taken = taken or {}
    last_resort: Candidate | None = None
    more = False
    position, end = offset, offset + limit
    while position < end:
        size = min(page, end - position)
        found = await wallet.newest(request, referent, position, size + 1)
        more = len(found) > size
        for candidate in found[:size]:
            if taken.get(candidate.rev_reg_id or "", candidate.cred_id) != candidate.cred_id:
                continue
            if "p_type" in item and not satisfies(candidate, item):
                continue
            if interval and await wallet.revoked(candidate, interval):
                last_resort = last_resort or candidate
                continue
            return Choice(referent, item, candidate, more)
        if not more:
            break
        position += size
    return Choice(referent, item, last_resort if revoked_as_last_resort else None, more)


async def choose_all(wallet: Wallet, request: Mapping[str, Any], **options: Any) -> list[Choice]:
    """A choice per item (the attributes, then the predicates, each by referent).

    ACA-Py's holder cannot prove two credentials of one revocation registry in one presentation
    (it proves both with the first one's witness, acapy#2036), so once an item has a credential
    of a registry, the other items answer from that one or from other registries. Predicates
    choose first: fewer credentials answer them. ``options`` are :func:`choose`'s; a
    credential's revocation is read once for all items.
    """
    checked = _RevokedOnce(wallet)
    attributes = sorted(request.get("requested_attributes") or {})
    predicates = sorted(request.get("requested_predicates") or {})
    taken: dict[str, str] = {}
    chosen: dict[str, Choice] = {}
    for referent in [*predicates, *attributes]:
        chosen[referent] = await choose(checked, request, referent, taken=taken, **options)
        candidate = chosen[referent].candidate
        if candidate is not None and candidate.rev_reg_id:
            taken[candidate.rev_reg_id] = candidate.cred_id
    return [chosen[referent] for referent in [*attributes, *predicates]]


def requested_credentials(choices: list[Choice]) -> dict[str, Any]:
    """ACA-Py's ``requested_credentials`` for the chosen credentials (every attribute revealed)."""
    by_kind: dict[str, dict[str, str]] = {"attribute": {}, "predicate": {}}
    for choice in choices:
        if choice.candidate is not None:
            by_kind[choice.kind][choice.referent] = choice.candidate.cred_id
    return spec(by_kind["attribute"], by_kind["predicate"])


def spec(attributes: Mapping[str, str], predicates: Mapping[str, str]) -> dict[str, Any]:
    """ACA-Py's ``requested_credentials``: credential id by referent, attributes revealed."""
    return {
        "requested_attributes": {
            referent: {"cred_id": cred_id, "revealed": True}
            for referent, cred_id in attributes.items()
        },
        "requested_predicates": {
            referent: {"cred_id": cred_id} for referent, cred_id in predicates.items()
        },
        "self_attested_attributes": {},
    }


class _RevokedOnce:
    """A wallet whose revocation answers are kept by credential and interval."""

    def __init__(self, wallet: Wallet) -> None:
        self.wallet = wallet
        self.known: dict[tuple[str, Any, Any], bool] = {}

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        return await self.wallet.newest(request, referent, offset, limit)

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        key = (candidate.cred_id, interval.get("from"), interval.get("to"))
        if key not in self.known:
            self.known[key] = await self.wallet.revoked(candidate, interval)
        return self.known[key]


async def _revoked(
    holder: AnonCredsHolder, candidate: Candidate, interval: Mapping[str, Any]
) -> bool:
    try:
        return bool(
            await holder.credential_revoked(
                candidate.cred_id, interval.get("from"), interval.get("to")
            )
        )
    except Exception as exc:  # the status could not be read: keep it, the verifier decides
        LOGGER.warning("revocation status of %s not read: %s", candidate.cred_id, exc)
        return False


def _normal(name: str) -> str:
    return name.replace(" ", "").lower()
