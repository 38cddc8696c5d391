"""Verify an OB 3.0 / CLR 2.0 credential: every check named, with a reason a person can read.

The checks, in order:

``signature``
    every eddsa-rdfc-2022 proof verifies, with a key that the issuer controls;
``schema``
    the credential meets the OB 3.0 (or CLR 2.0) JSON Schema;
``validity``
    now is between ``validFrom`` and ``validUntil``;
``binding`` (only for a ``did:web`` issuer)
    the did:web document names a did:ler DID (``alsoKnownAs``), that DID's ledger entry names
    the did:web back, and the keys the did:web serves are the ones the ledger holds; the issuer
    is then trusted as that did:ler for status and accreditation (the ledger is the anchor);
``status``
    each ``BitstringStatusListEntry`` (revocation, suspension) says it is neither revoked nor
    suspended; checked only once the signature verified, so an unsigned or forged credential
    makes the verifier fetch nothing;
``accreditation``
    the state has accredited the issuer for this achievement type.

A CLR's nested AchievementCredentials are verified the same way, each on its own; the CLR
verifies only if they all do. The verdict also lists the skills (with levels) the credential
proves. Where keys, status lists and accreditations come from is the job of a
:class:`VerificationEnvironment`, so this module needs no ACA-Py and no network. Checks and
verdicts are the model every verifier of the network shares (``ler_ledger``'s ``Check`` and
``Verdict``); a credential's verdict adds what it is about and the skills it proves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from ler_ledger import Check, Verdict

from .bitstring import ENTRY_TYPE, StatusEntry, StatusListError
from .cryptosuite import verify_proof
from .document_loader import OfflineDocumentLoader
from .errors import (
    BadgesError,
    CanonicalizationError,
    ContextNotBundledError,
    KeyResolutionError,
    MalformedProofError,
    SignatureMismatchError,
)
from .skills import proven_skills
from .validation import CredentialKind, credential_kind, schema_problems

__all__ = [
    "Check",
    "CredentialVerdict",
    "ResolvedKey",
    "Verdict",
    "VerificationEnvironment",
    "accreditation_type",
    "issuer_id",
    "verify_credential",
]

MAX_NESTING = 2


@dataclass(frozen=True)
class ResolvedKey:
    """An Ed25519 public key and the DID (or URL) that controls it."""

    public_key: bytes
    controller: str


class VerificationEnvironment(Protocol):
    """Where a verifier gets keys, status lists, accreditations and the time."""

    require_accreditation: bool

    async def resolve_key(self, verification_method: str) -> ResolvedKey:
        """The assertion key named by ``verification_method``; raise KeyResolutionError."""

    async def check_status(
        self, issuer: str, entry: StatusEntry, *, signer: str | None = None
    ) -> Check:
        """The ``status`` check of a credential with this entry, issued by ``issuer``.

        Called only after the signature check passed. ``issuer`` is the anchor DID (the did:ler
        a did:web issuer is bound to); ``signer`` the DID that signed, if another (the did:web),
        which also signs its lists. The entry's URL comes from the credential: fetch it only if
        it is ``issuer``'s list, and only as a fetch policy allows.
        """

    async def check_binding(self, did_web: str) -> tuple[Check, str | None]:
        """The ``binding`` check of a did:web issuer, and its did:ler if the check passed."""

    async def check_accreditation(self, issuer: str, credential_type: str) -> Check:
        """The ``accreditation`` check of ``issuer`` for ``credential_type``."""

    def now(self) -> datetime:
        """The current time (UTC)."""


@dataclass
class CredentialVerdict(Verdict):
    """The verdict on one credential: what it is, who issued it, the skills it proves."""

    credential_id: str | None = None
    kind: str = "unknown"
    issuer: dict[str, Any] = field(default_factory=dict)
    skills: list[dict[str, Any]] = field(default_factory=list)


def object_id(value: Any) -> str | None:
    """The id of a JSON-LD node given as an object with ``id`` or as a plain string."""
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) else None


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """The issuer's id (the issuer may be a Profile object or a plain string)."""
    return object_id(credential.get("issuer"))


def _issuer_summary(credential: Mapping[str, Any]) -> dict[str, Any]:
    issuer = credential.get("issuer")
    name = issuer.get("name") if isinstance(issuer, Mapping) else None
    return {"id": issuer_id(credential), "name": name}


def _subject(credential: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list) and subject:
        subject = subject[0]
    return subject if isinstance(subject, Mapping) else {}


def accreditation_type(credential: Mapping[str, Any]) -> str:
    """What the issuer must be accredited for.

    The achievement's ``achievementType``, else the credential's kind (``AchievementCredential``,
    ``ClrCredential``, ``EndorsementCredential``).
    """
    achievement = _subject(credential).get("achievement")
    if isinstance(achievement, Mapping) and isinstance(achievement.get("achievementType"), str):
        return achievement["achievementType"]
    return credential_kind(credential).value


async def _check_signature(
    credential: Mapping[str, Any], env: VerificationEnvironment, loader: OfflineDocumentLoader
) -> Check:
    issuer = issuer_id(credential)
    controllers: dict[str, str] = {}

    async def resolve(method: str) -> bytes:
        key = await env.resolve_key(method)
        controllers[method] = key.controller
        return key.public_key

    try:
        proofs = await verify_proof(credential, resolve, loader=loader)
    except ContextNotBundledError as error:
        return Check.failed("signature", "context-not-bundled", str(error))
    except CanonicalizationError as error:
        return Check.failed("signature", "not-canonicalizable", str(error))
    except MalformedProofError as error:
        return Check.failed("signature", "malformed-proof", str(error))
    except KeyResolutionError as error:
        return Check.failed("signature", "unknown-key", str(error))
    except SignatureMismatchError as error:
        return Check.failed("signature", "signature-mismatch", str(error))
    except BadgesError as error:
        return Check.failed("signature", "invalid-proof", str(error))
    methods = ", ".join(proof.verification_method for proof in proofs)
    signers = {controllers.get(proof.verification_method) for proof in proofs}
    if signers == {issuer}:
        return Check.passed("signature", f"eddsa-rdfc-2022 proof by {methods} verifies")
    if issuer is not None and issuer.startswith("urn:"):
        return Check.passed(
            "signature",
            f"eddsa-rdfc-2022 proof by {methods} verifies; the issuer {issuer} is a URN, which "
            "cannot own a key, so nothing binds the signer to it (trust comes from accreditation)",
        )
    return Check.failed(
        "signature",
        "wrong-signer",
        f"the proof was made with a key of {', '.join(sorted(map(str, signers)))}, "
        f"not of the issuer {issuer}",
    )


def _check_schema(credential: Mapping[str, Any], kind: CredentialKind) -> Check:
    problems = schema_problems(credential)
    if not problems:
        return Check.passed("schema", f"meets the {kind.label} schema")
    listed = "; ".join(problem.message for problem in problems)
    return Check.failed("schema", "schema", f"{len(problems)} schema problem(s): {listed}")


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_validity(credential: Mapping[str, Any], now: datetime) -> Check:
    raw_from = credential.get("validFrom", credential.get("issuanceDate"))
    raw_until = credential.get("validUntil", credential.get("expirationDate"))
    valid_from, valid_until = _parse_time(raw_from), _parse_time(raw_until)
    if valid_from is None:
        return Check.failed("validity", "no-valid-from", "the credential has no valid validFrom")
    if now < valid_from:
        return Check.failed(
            "validity", "not-yet-valid", f"the credential is valid only from {raw_from}"
        )
    if raw_until is not None and valid_until is None:
        return Check.failed(
            "validity", "bad-valid-until", f"validUntil {raw_until!r} is not a date"
        )
    if valid_until is not None and now >= valid_until:
        return Check.failed("validity", "expired", f"the credential expired at {raw_until}")
    until = f" until {raw_until}" if raw_until else " with no end date"
    return Check.passed("validity", f"valid from {raw_from}{until}")


async def _check_binding(
    credential: Mapping[str, Any], env: VerificationEnvironment, signature: Check
) -> tuple[Check | None, str]:
    """For a did:web issuer, the binding check and the DID trusted for status and accreditation."""
    issuer = issuer_id(credential) or ""
    if not issuer.startswith("did:web:"):
        return None, issuer
    if signature.outcome != "passed":
        return Check.skipped(
            "binding", "not checked: the signature did not verify, so it proves nothing"
        ), issuer
    check, anchor = await env.check_binding(issuer)
    return check, (anchor if check.outcome == "passed" and anchor else issuer)


async def _check_status(
    credential: Mapping[str, Any], env: VerificationEnvironment, signature: Check, anchor: str
) -> Check:
    status = credential.get("credentialStatus")
    if status is None or status == []:
        return Check.skipped(
            "status", "the credential has no credentialStatus, so it cannot be revoked"
        )
    if signature.outcome != "passed":
        return Check.skipped(
            "status",
            "not checked: the signature did not verify, so the status list the credential "
            "names was not fetched",
        )
    entries = status if isinstance(status, list) else [status]
    signer = issuer_id(credential)
    other_signer = {"signer": signer} if signer and signer != anchor else {}
    checks = []
    for item in entries:
        if not isinstance(item, Mapping) or item.get("type") != ENTRY_TYPE:
            found = item.get("type") if isinstance(item, Mapping) else item
            checks.append(
                Check.skipped("status", f"status type {found!r} is not checked by this verifier")
            )
            continue
        try:
            entry = StatusEntry.read(item)
        except StatusListError as error:
            return Check.failed("status", "bad-status-entry", str(error))
        checks.append(await env.check_status(anchor, entry, **other_signer))
    failed = [check for check in checks if check.outcome == "failed"]
    if failed or len(checks) == 1:
        return (failed or checks)[0]
    checked = [check for check in checks if check.outcome == "passed"]
    if not checked:
        return checks[0]
    return Check.passed("status", "; ".join(check.detail for check in checked))


async def _check_accreditation(
    credential: Mapping[str, Any], env: VerificationEnvironment, anchor: str
) -> Check:
    if not env.require_accreditation:
        return Check.skipped(
            "accreditation", "accreditation was not required for this verification"
        )
    issuer = anchor or None
    if issuer is None:
        return Check.failed("accreditation", "not-accredited", "the credential names no issuer")
    return await env.check_accreditation(issuer, accreditation_type(credential))


async def verify_credential(
    credential: Mapping[str, Any],
    env: VerificationEnvironment,
    *,
    loader: OfflineDocumentLoader | None = None,
    _depth: int = 0,
) -> CredentialVerdict:
    """Run every check on ``credential`` (and, for a CLR, on each credential it bundles)."""
    loader = loader or OfflineDocumentLoader()
    if not isinstance(credential, Mapping):
        verdict = CredentialVerdict(issuer={"id": None, "name": None})
        verdict.add(Check.failed("schema", "schema", "the credential must be a JSON object"))
        return verdict.finish()
    kind = credential_kind(credential)
    verdict = CredentialVerdict(
        credential_id=credential.get("id"), kind=kind.value, issuer=_issuer_summary(credential)
    )
    signature = await _check_signature(credential, env, loader)
    verdict.add(signature)
    verdict.add(_check_schema(credential, kind))
    verdict.add(_check_validity(credential, env.now()))
    binding, anchor = await _check_binding(credential, env, signature)
    if binding is not None:
        verdict.add(binding)
    verdict.add(await _check_status(credential, env, signature, anchor))
    verdict.add(await _check_accreditation(credential, env, anchor))
    if kind is CredentialKind.CLR and _depth < MAX_NESTING:
        for nested in _subject(credential).get("verifiableCredential") or []:
            verdict.credentials.append(
                await verify_credential(nested, env, loader=loader, _depth=_depth + 1)
            )
        verdict.skills = [skill for nested in verdict.credentials for skill in nested.skills]
    else:
        verdict.skills = proven_skills(credential)
    return verdict.finish()
