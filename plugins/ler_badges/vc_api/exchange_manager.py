"""VC-API exchanges of one wallet (profile): create them, answer wallets, end them.

**Issuance.** A registrar creates an exchange for a credential template; the template is checked
at once (with a stand-in subject), so mistakes reach the registrar, not the learner. The learner's
wallet starts the exchange, answers the ``DIDAuthentication`` request with a presentation signed
by its ``did:key``, and receives the credential, issued to that DID, in a presentation. The
credential is completed, checked, given a status entry, signed and recorded as DIDComm offers
are (:class:`~ler_badges.acapy.issuer.BadgeIssuer`).

**Presentation.** An employer creates an exchange asking for an Open Badge; the wallet answers
with a presentation holding it; the presentation's proof and then every credential are verified
(:func:`~ler_badges.verification.verify_credential`, plus: the presenter is the subject, the
credential is the badge asked for) and the verdict is stored in ``ler_ledger``'s verdict store
(format ``vc-api``, the ``ler_verification`` webhook), keyed by the exchange id.

Every exchange ends: the first presentation a wallet sends uses up the challenge (a wrong one
fails the exchange, a second one is refused as a replay), and an exchange not done by its
``expires_at`` fails as expired, when read or, unread, by the sweep (:mod:`.expiry_sweep`).
"""

from __future__ import annotations

import copy
import logging
import secrets
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from acapy_agent.core.profile import Profile
from acapy_agent.storage.error import StorageNotFoundError

from ler_chain import LedgerError
from ler_ledger import Check, Verdict, store_verdict

from ..acapy.environment import AgentEnvironment
from ..acapy.errors import BadgesConfigError, BadgesInputError, BadgesPluginError
from ..acapy.issuer import BadgeIssuer
from ..acapy.service import BadgesService
from ..errors import BadgesError
from ..verification import verify_credential
from .did_auth import authenticate
from .exchange_record import VcApiExchangeRecord as Record
from .exchange_record import utc_now
from .presentation_requests import (
    BADGE_TYPES,
    badge_query_request,
    did_auth_request,
    interaction_url,
    lcw_request_link,
    origin_of,
    presentation_in,
    protocols,
)
from .refusals import ExchangeRefused, not_found

LOGGER = logging.getLogger(__name__)

EXCHANGE_PATH = "/exchanges/"
VERDICT_FORMAT = "vc-api"
#: seconds an exchange lives: (default, longest) by kind
LIFETIMES = {Record.ISSUANCE: (86_400, 7 * 86_400), Record.PRESENTATION: (900, 3_600)}
MIN_LIFETIME = 60
#: who a template is checked for before a wallet names its DID
STAND_IN_SUBJECT = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def public_base(service: BadgesService) -> str:
    """Where wallets reach this agent's public server (``ler_badges.status_lists``)."""
    base = service.public_url()
    if base is None:
        raise BadgesConfigError(
            "wallets could not reach this agent: set ler_badges.status_lists.port to run its "
            "public server (and public_url to the address wallets use)"
        )
    return base


def _lifetime(kind: str, seconds: int | None, shortest: int = MIN_LIFETIME) -> timedelta:
    default, longest = LIFETIMES[kind]
    if seconds is None:
        return timedelta(seconds=default)
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        raise BadgesInputError("ttl_seconds must be a whole number of seconds")
    if not shortest <= seconds <= longest:
        raise BadgesInputError(
            f"ttl_seconds must be between {shortest} and {longest} for a {kind} exchange"
        )
    return timedelta(seconds=seconds)


class VcApiExchanges:
    """The VC-API exchanges of ``profile``."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.service = profile.inject(BadgesService)

    # --- links ----------------------------------------------------------------------------

    def exchange_url(self, exchange_id: str) -> str:
        """The exchange URL wallets POST to."""
        return public_base(self.service) + EXCHANGE_PATH + exchange_id

    def describe(self, record: Record) -> dict[str, Any]:
        """The record as the admin API shows it, with the links that start it."""
        url = self.exchange_url(record.exchange_id)
        lcw = lcw_request_link(url)
        return {
            **record.public(),
            "exchange_url": url,
            "protocols": protocols(url),
            "interaction_url": interaction_url(url),
            "lcw_request_url": lcw,
            "qr_text": lcw,
        }

    # --- admin ----------------------------------------------------------------------------

    async def create_issuance(
        self,
        template: Mapping[str, Any],
        *,
        skills: Sequence[Mapping[str, Any]] = (),
        issuer_did: str | None = None,
        ttl_seconds: int | None = None,
    ) -> Record:
        """An exchange that issues ``template`` to the DID of the wallet that claims it."""
        lifetime = _lifetime(Record.ISSUANCE, ttl_seconds, self.service.config.vc_api_min_ttl)
        check = copy.deepcopy(dict(template))
        subject = check.get("credentialSubject")
        if isinstance(subject, dict) and "id" not in subject:
            subject["id"] = STAND_IN_SUBJECT
        await BadgeIssuer(self.profile).prepared(check, skills=skills, issuer_did=issuer_did)
        return await self._create(
            Record(
                kind=Record.ISSUANCE,
                template=dict(template),
                skills=[dict(s) for s in skills],
                issuer_did=issuer_did,
            ),
            lifetime,
        )

    async def create_presentation(
        self, *, achievement_type: str | None = None, ttl_seconds: int | None = None
    ) -> Record:
        """An exchange asking a wallet for an Open Badge (of ``achievement_type``)."""
        lifetime = _lifetime(Record.PRESENTATION, ttl_seconds, self.service.config.vc_api_min_ttl)
        return await self._create(
            Record(kind=Record.PRESENTATION, achievement_type=achievement_type), lifetime
        )

    async def _create(self, record: Record, lifetime: timedelta) -> Record:
        base = public_base(self.service)
        record.state = Record.STATE_PENDING
        record.challenge = secrets.token_urlsafe(24)
        record.domain = origin_of(base)
        record.expires_at = (utc_now() + lifetime).isoformat(timespec="seconds")
        record._id, record._new_with_id = str(uuid.uuid4()), True
        # its owner first: a crash in between leaves an owner the sweep drops, never an orphan
        await self.service.exchanges.add(record.exchange_id, self.profile, record.expires_at)
        async with self.profile.session() as session:
            await record.save(session, reason="VC-API exchange created")
        return record

    async def get(self, exchange_id: str) -> Record:
        """An exchange (failed as expired first, if it is past its end)."""
        async with self.profile.session() as session:
            record = await Record.retrieve_by_id(session, exchange_id)
        return await self._expire_if_due(record)

    async def query(self, tag_filter: Mapping[str, str]) -> list[Record]:
        """Exchanges matching ``tag_filter`` (expired ones failed first)."""
        async with self.profile.session() as session:
            records = await Record.query(session, dict(tag_filter))
        records = [await self._expire_if_due(record) for record in records]
        state = tag_filter.get("state")
        return [r for r in records if state is None or r.state == state]

    async def sweep(self, exchange_id: str) -> Record:
        """End ``exchange_id`` if it is past its end (one at a time with wallets' calls)."""
        async with self.service.lock(f"vc-api:{exchange_id}"):
            record = await self.get(exchange_id)
        if record.finished:
            await self.service.exchanges.discard(exchange_id, self.profile)
        return record

    async def _expire_if_due(self, record: Record) -> Record:
        if record.expired():
            await self._end(record, Record.STATE_FAILED, "expired before a wallet completed it")
        return record

    async def _end(self, record: Record, state: str, error: str | None = None) -> None:
        record.state = state
        record.error = error
        async with self.profile.session() as session:
            await record.save(session, reason=f"VC-API exchange {state}")
        await self.service.exchanges.discard(record.exchange_id, self.profile)
        if error:
            LOGGER.info("VC-API exchange %s failed: %s", record.exchange_id, error)

    # --- wallets --------------------------------------------------------------------------

    async def protocols_of(self, exchange_id: str) -> dict[str, Any]:
        """The ``protocols`` of an open exchange (for its interaction URL)."""
        record = await self._open(exchange_id)
        return {"protocols": protocols(self.exchange_url(record.exchange_id))}

    async def participate(self, exchange_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Answer a wallet's ``POST`` to the exchange URL (one at a time per exchange)."""
        async with self.service.lock(f"vc-api:{exchange_id}"):
            record = await self._open(exchange_id)
            try:
                presentation = presentation_in(body)
            except ValueError as error:
                raise ExchangeRefused(400, "invalid-request", str(error)) from None
            if presentation is None:
                return await self._request(record)
            try:
                holder = await authenticate(
                    self.profile, presentation, record.challenge or "", record.domain or ""
                )
            except ExchangeRefused as refused:
                await self._refuse(record, refused)
                raise
            if record.kind == Record.ISSUANCE:
                return await self._issue(record, holder)
            return await self._verify(record, presentation, holder)

    async def _open(self, exchange_id: str) -> Record:
        try:
            record = await self.get(exchange_id)
        except StorageNotFoundError:
            raise not_found() from None
        if record.state == Record.STATE_FAILED and record.error and "expired" in record.error:
            raise ExchangeRefused(
                410, "exchange-expired", "this exchange has expired: ask for a new link"
            )
        if record.finished:
            raise ExchangeRefused(
                409,
                "exchange-finished",
                f"this exchange is already {record.state}; a link works once: ask for a new one",
            )
        return record

    async def _request(self, record: Record) -> dict[str, Any]:
        url = self.exchange_url(record.exchange_id)
        challenge, domain = record.challenge or "", record.domain or ""
        if record.kind == Record.ISSUANCE:
            request = did_auth_request(url, challenge, domain)
        else:
            request = badge_query_request(url, challenge, domain, record.achievement_type)
        if record.state == Record.STATE_PENDING:
            record.state = Record.STATE_ACTIVE
            async with self.profile.session() as session:
                await record.save(session, reason="a wallet started the exchange")
        return {"verifiablePresentationRequest": request}

    async def _refuse(self, record: Record, refused: ExchangeRefused) -> None:
        """The challenge is used up: the exchange fails, and an employer gets the verdict."""
        await self._end(record, Record.STATE_FAILED, f"{refused.code}: {refused.message}")
        if record.kind == Record.PRESENTATION:
            verdict = Verdict()
            verdict.add(Check.failed("presentation", refused.code, refused.message))
            await store_verdict(
                self.profile, record.exchange_id, VERDICT_FORMAT, verdict.finish(), skills=[]
            )

    # --- issuance -------------------------------------------------------------------------

    async def _issue(self, record: Record, holder: str) -> dict[str, Any]:
        template = copy.deepcopy(record.template or {})
        subject = template.get("credentialSubject")
        if isinstance(subject, dict):
            subject["id"] = holder
        try:
            credential = await self._signed(template, record, holder)
        except (BadgesPluginError, BadgesError, LedgerError) as error:
            await self._end(record, Record.STATE_FAILED, f"could not issue: {error}")
            status = 503 if isinstance(error, LedgerError) else 422
            raise ExchangeRefused(
                status,
                "issuance-failed",
                f"the college could not issue the credential ({error}); ask it for a new link",
            ) from None
        record.holder_did = holder
        record.credential_id = credential["id"]
        await self._end(record, Record.STATE_DONE)
        return {
            "verifiablePresentation": {
                "@context": [VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [credential],
            }
        }

    async def _signed(self, template: dict[str, Any], record: Record, holder: str) -> dict:
        return await BadgeIssuer(self.profile).issue_signed(
            template,
            skills=record.skills,
            issuer_did=record.issuer_did,
            exchange_id=record.exchange_id,
            holder=f"vc-api:{holder}",
        )

    # --- presentation ---------------------------------------------------------------------

    async def _verify(
        self, record: Record, presentation: Mapping[str, Any], holder: str
    ) -> dict[str, Any]:
        verdict = Verdict()
        verdict.add(Check.passed("presentation", f"signed by {holder} over the challenge"))
        nested = presentation.get("verifiableCredential") or []
        env = AgentEnvironment(self.profile)
        for credential in nested if isinstance(nested, list) else [nested]:
            if not isinstance(credential, dict):
                verdict.add(Check.failed("credentials", "malformed", "a credential is not JSON"))
                continue
            judged = await verify_credential(credential, env)
            judged.add(_holder_check(credential, holder))
            judged.add(_asked_for(credential, record.achievement_type))
            verdict.credentials.append(judged.finish())
        if not verdict.credentials:
            verdict.add(Check.failed("credentials", "no-credentials", "it presents no credential"))
        verdict.finish()
        await store_verdict(
            self.profile,
            record.exchange_id,
            VERDICT_FORMAT,
            verdict,
            presentation=[c.as_dict() for c in verdict.checks if c.name == "presentation"],
            skills=[skill for judged in verdict.credentials for skill in judged.skills],
        )
        record.holder_did = holder
        record.verified = verdict.verified
        await self._end(record, Record.STATE_DONE)
        return {}


def _subject_of(credential: Mapping[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    subject = subject[0] if isinstance(subject, list) and subject else subject
    return subject if isinstance(subject, dict) else {}


def _holder_check(credential: Mapping[str, Any], holder: str) -> Check:
    subject_id = _subject_of(credential).get("id")
    if subject_id == holder:
        return Check.passed("holder", f"presented by its subject {holder}")
    return Check.failed(
        "holder", "not-the-subject", f"presented by {holder}, but it is about {subject_id}"
    )


def _asked_for(credential: Mapping[str, Any], achievement_type: str | None) -> Check:
    types = credential.get("type")
    types = [types] if isinstance(types, str) else types or []
    if not any(t in types for t in BADGE_TYPES):
        return Check.failed("requested", "not-requested", "it is not an Open Badge")
    achievement = _subject_of(credential).get("achievement")
    found = achievement.get("achievementType") if isinstance(achievement, dict) else None
    if achievement_type and found != achievement_type:
        return Check.failed(
            "requested",
            "not-requested",
            f"the employer asked for a {achievement_type}, this badge is a {found}",
        )
    return Check.passed("requested", "the Open Badge the employer asked for")


__all__ = ["EXCHANGE_PATH", "VERDICT_FORMAT", "VcApiExchanges", "public_base"]
