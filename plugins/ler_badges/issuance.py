"""Turn a registrar's template into a complete OB 3.0 / CLR 2.0 credential fit for signing.

The template is an (unsigned) Open Badge or ClrCredential. What it leaves out is filled in:
``@context``, ``id`` (``urn:uuid:``), ``type`` (``OpenBadgeCredential``: the OB 3.0.3 context
maps ``AchievementCredential`` to the same IRI, so a badge typed that way is not in the compacted
form VC Data Model 2.0 requires, and strict verifiers refuse it), the issuer's Profile,
``validFrom`` (now) and ``credentialSchema``; ``credentialStatus`` is set by the status list
manager. The subject must say who earned it: an ``id`` or at least one ``identifier``, as OB 3.0
requires. A CLR's
``credentialSubject.verifiableCredential`` may hold templates too: each is completed the same
way (same issuer, same learner) and later signed on its own, so each verifies by itself.

:class:`PreparedCredential` is the result of the one check a credential gets before it is
signed (its kind, the credentials it bundles, later its status entries), carried to signing so
that the schema validation and canonicalization are not repeated.
"""

from __future__ import annotations

import copy
import dataclasses
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from .canonicalization import canonicalize
from .document_loader import OfflineDocumentLoader
from .errors import BadgesError
from .validation import CredentialKind, credential_kind, validate_credential

__all__ = [
    "IssuanceError",
    "PreparedCredential",
    "check_issuable",
    "nested_credentials",
    "prepare_credential",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
EXTENSIONS_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"  # defines the
# credentialSchema and status types of 1EdTech (1EdTechJsonSchemaValidator2019...)
SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
CLR_SCHEMA = (
    "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
)

_DEFAULTS: dict[CredentialKind, tuple[list[str], list[str], str]] = {
    CredentialKind.ACHIEVEMENT: (
        [VC_V2, OB_CONTEXT, EXTENSIONS_CONTEXT],
        ["VerifiableCredential", "OpenBadgeCredential"],
        OB_SCHEMA,
    ),
    CredentialKind.CLR: (
        [VC_V2, CLR_CONTEXT, OB_CONTEXT, EXTENSIONS_CONTEXT],
        ["VerifiableCredential", "ClrCredential"],
        CLR_SCHEMA,
    ),
}


class IssuanceError(BadgesError, ValueError):
    """The template cannot become a credential of this issuer (says what to change)."""


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _subject(credential: dict[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise IssuanceError("credentialSubject must be an object saying who earned what")
    return subject


def _is_clr_subject(subject: Any) -> bool:
    types = subject.get("type") if isinstance(subject, Mapping) else None
    return types == "ClrSubject" or (isinstance(types, list) and "ClrSubject" in types)


def _fill(
    credential: dict[str, Any],
    issuer: Mapping[str, Any],
    now: datetime,
    learner: str | None,
) -> dict[str, Any]:
    if "type" not in credential and _is_clr_subject(credential.get("credentialSubject")):
        credential["type"] = list(_DEFAULTS[CredentialKind.CLR][1])
    kind = credential_kind(credential)
    if kind is CredentialKind.ENDORSEMENT:
        raise IssuanceError(
            "EndorsementCredentials are not issued to learners; issue a badge or CLR"
        )
    contexts, types, schema = _DEFAULTS[kind]
    credential.setdefault("@context", list(contexts))
    credential.setdefault("id", f"urn:uuid:{uuid.uuid4()}")
    credential.setdefault("type", list(types))
    given = credential.get("issuer")
    given_id = given.get("id") if isinstance(given, Mapping) else given
    if given_id not in (None, issuer["id"]):
        raise IssuanceError(
            f"the template names issuer {given_id!r}, but this agent issues as {issuer['id']}; "
            "leave issuer out or use this agent's DID"
        )
    credential["issuer"] = {**issuer, **(given if isinstance(given, Mapping) else {})}
    credential.setdefault("validFrom", _iso(now))
    if "credentialSchema" not in credential:
        credential["credentialSchema"] = [{"id": schema, "type": SCHEMA_VALIDATOR}]
        if (
            isinstance(credential["@context"], list)
            and EXTENSIONS_CONTEXT not in credential["@context"]
        ):
            credential["@context"].append(EXTENSIONS_CONTEXT)
    subject = _subject(credential)
    if learner and "id" not in subject:
        subject["id"] = learner
    if not subject.get("id") and not subject.get("identifier"):
        raise IssuanceError(
            "credentialSubject needs an id (the learner's DID) or at least one identifier "
            '(e.g. {"type": "IdentityObject", "identityType": "emailAddress", "hashed": false, '
            '"identityHash": "jordan@example.org"}): Open Badges 3.0 requires one of them'
        )
    return credential


def prepare_credential(
    template: Mapping[str, Any], *, issuer: Mapping[str, Any], now: datetime
) -> dict[str, Any]:
    """A complete (unsigned, status-less) credential from ``template``; the input is not changed.

    ``issuer`` is this agent's Profile (``id`` = its DID, ``type``, ``name``...).
    """
    if not isinstance(template, Mapping):
        raise IssuanceError("the credential must be a JSON object")
    credential = _fill(copy.deepcopy(dict(template)), issuer, now, None)
    learner = _subject(credential).get("id")
    for nested in nested_credentials(credential):
        _fill(nested, issuer, now, learner)
        nested.setdefault("validFrom", credential["validFrom"])
    return credential


def nested_credentials(credential: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The AchievementCredentials a CLR bundles (empty for a badge)."""
    if credential_kind(credential) is not CredentialKind.CLR:
        return []
    nested = _subject(dict(credential)).get("verifiableCredential")
    if not isinstance(nested, list) or not all(isinstance(item, dict) for item in nested):
        raise IssuanceError(
            "credentialSubject.verifiableCredential must list the AchievementCredentials the "
            "CLR bundles"
        )
    return nested


@dataclass(frozen=True)
class PreparedCredential:
    """A complete credential that passed :func:`check_issuable`, with what the check learned.

    ``nested`` are the AchievementCredentials a CLR bundles (the same objects as in
    ``document``); ``status_entries`` the status entries of each of :attr:`items`, once taken.
    """

    kind: CredentialKind
    document: dict[str, Any]
    nested: tuple[dict[str, Any], ...] = ()
    status_entries: tuple[Any, ...] = ()

    @classmethod
    def check(
        cls, credential: Mapping[str, Any], loader: OfflineDocumentLoader | None = None
    ) -> PreparedCredential:
        """Check ``credential`` (see :func:`check_issuable`), once; keep what the check learned."""
        kind = validate_credential(credential)
        canonicalize(credential, loader)
        nested = tuple(nested_credentials(credential))
        for item in nested:
            canonicalize(item, loader)
        return cls(kind, cast(dict[str, Any], credential), nested)

    @property
    def items(self) -> tuple[dict[str, Any], ...]:
        """Every credential issued: the bundled ones first, then the document itself."""
        return (*self.nested, self.document)

    def with_status[T](
        self, entries: Sequence[T], status: Callable[[T], Any]
    ) -> PreparedCredential:
        """Set each item's ``credentialStatus`` to ``status(entry)`` (in place); remember them.

        The provisional status the check saw has the same shape, so the check still holds.
        """
        for item, entry in zip(self.items, entries, strict=True):
            item["credentialStatus"] = status(entry)
        return dataclasses.replace(self, status_entries=tuple(entries))

    def with_nested(self, nested: Sequence[dict[str, Any]]) -> PreparedCredential:
        """The CLR with its bundled credentials replaced (e.g. by their signed copies)."""
        self.document["credentialSubject"]["verifiableCredential"] = list(nested)
        return dataclasses.replace(self, nested=tuple(nested))


def check_issuable(
    credential: Mapping[str, Any], loader: OfflineDocumentLoader | None = None
) -> CredentialKind:
    """Refuse a credential that breaks its schema or cannot be signed safely.

    Raises :class:`~ler_badges.errors.SchemaValidationError` (every problem, in words a
    registrar's office can act on), :class:`~ler_badges.errors.ContextNotBundledError` (an
    ``@context`` that is not bundled; nothing is fetched) or
    :class:`~ler_badges.errors.CanonicalizationError` (terms a signature would not cover).
    """
    return PreparedCredential.check(credential, loader).kind
