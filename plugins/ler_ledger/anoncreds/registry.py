"""AnonCreds resolver and registrar for did:ler identifiers, backed by the state ledger.

Reads verify every payload against its on-chain hash (the ledger client does) and check that the
object names the issuer, name and version its identifier says. Writes go straight to the ledger
when this agent is the endorser (state ``finished``), or through the state's endorser otherwise:
then the result is ``wait`` with a job id, and the job is finished (or cleaned up) when the
endorser answers, which lets ACA-Py carry on (e.g. revocation setup after a credential definition).
This module calls the ledger and checks; :mod:`.mappers` turns ledger models into ACA-Py types.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from re import Pattern
from typing import Any

from acapy_agent.anoncreds.base import (
    AnonCredsObjectAlreadyExists,
    AnonCredsObjectNotFound,
    AnonCredsRegistrationError,
    AnonCredsResolutionError,
    AnonCredsSchemaAlreadyExists,
    BaseAnonCredsRegistrar,
    BaseAnonCredsResolver,
)
from acapy_agent.anoncreds.events import RevListFinishedEvent
from acapy_agent.anoncreds.models.credential_definition import (
    CredDef,
    CredDefResult,
    GetCredDefResult,
)
from acapy_agent.anoncreds.models.revocation import (
    GetRevListResult,
    GetRevRegDefResult,
    RevList,
    RevListResult,
    RevRegDef,
    RevRegDefResult,
)
from acapy_agent.anoncreds.models.schema import (
    AnonCredsSchema,
    GetSchemaResult,
    SchemaResult,
)
from acapy_agent.anoncreds.models.schema_info import AnonCredsSchemaInfo
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile

from ler_chain import (
    DID_PATTERN,
    AnchoredObject,
    CredDefId,
    LedgerConflictError,
    LedgerError,
    LedgerNotFoundError,
    LerDid,
    RevRegDefId,
    SchemaId,
    Write,
    parse_anoncreds_id,
)
from ler_chain.cache import LruCache
from ler_chain.registries.anoncreds import AnonCredsRegistryClient
from ler_chain.revocation_history import changed_indices, set_indices

from ..errors import LerPluginError
from ..ledger import LedgerService
from ..write_routing import WriteOutcome, write_to_ledger
from . import mappers
from .mappers import canonical_json

LOGGER = logging.getLogger(__name__)

#: resolved (mapped) schemas, credential definitions and registry definitions kept per process
RESOLVED_CACHE_SIZE = 1024


class LerAnonCredsRegistry(BaseAnonCredsResolver, BaseAnonCredsRegistrar):
    """AnonCreds objects of did:ler issuers."""

    def __init__(self, cache_size: int = RESOLVED_CACHE_SIZE) -> None:
        # objects that never change once anchored, as ACA-Py results, by identifier
        self.resolved: LruCache[str, Any] = LruCache("resolved anoncreds objects", cache_size)

    @property
    def supported_identifiers_regex(self) -> Pattern:
        """did:ler DIDs and the AnonCreds identifiers under them."""
        return re.compile(f"^{DID_PATTERN}(/anoncreds/v0/(SCHEMA|CLAIM_DEF|REV_REG_DEF)/.+)?$")

    async def setup(self, context: InjectionContext) -> None:
        """Nothing to set up: the ledger service is bound by the plugin."""

    # --- resolver -------------------------------------------------------------------------------

    async def get_schema(self, profile: Profile, schema_id: str) -> GetSchemaResult:
        """Resolve a schema."""
        return await self._immutable_object(
            profile, schema_id, SchemaId, "schema", "schema", mappers.schema_result
        )

    async def get_credential_definition(
        self, profile: Profile, credential_definition_id: str
    ) -> GetCredDefResult:
        """Resolve a credential definition."""
        return await self._immutable_object(
            profile, credential_definition_id, CredDefId, "credential definition",
            "credential_definition", mappers.cred_def_result,
        )  # fmt: skip

    async def get_revocation_registry_definition(
        self, profile: Profile, revocation_registry_id: str
    ) -> GetRevRegDefResult:
        """Resolve a revocation registry definition."""
        return await self._immutable_object(
            profile, revocation_registry_id, RevRegDefId, "revocation registry",
            "revocation_registry_definition", mappers.rev_reg_def_result,
        )  # fmt: skip

    async def get_revocation_list(
        self,
        profile: Profile,
        revocation_registry_id: str,
        timestamp_from: int | None = 0,
        timestamp_to: int | None = None,
    ) -> GetRevListResult:
        """The status list in force at ``timestamp_to`` (default: the latest).

        Its ``timestamp`` is the block time of the newest entry it includes, which is what the
        holder stamps on its proof and the verifier asks for again.
        """
        parsed = self._parse(revocation_registry_id, RevRegDefId)
        status = await self._read(
            profile, "revocation status list", revocation_registry_id,
            lambda r: r.status_list(parsed, at=timestamp_to),
        )  # fmt: skip
        return mappers.rev_list_result(parsed, status)

    async def get_schema_info_by_id(self, profile: Profile, schema_id: str) -> AnonCredsSchemaInfo:
        """Issuer, name and version, read from the identifier itself."""
        return mappers.schema_info(self._parse(schema_id, SchemaId))

    # --- registrar ------------------------------------------------------------------------------

    async def register_schema(
        self, profile: Profile, schema: AnonCredsSchema, options: dict | None = None
    ) -> SchemaResult:
        """Anchor a schema under its issuer's did:ler DID."""
        issuer = await self._own_issuer(profile, schema.issuer_id)
        schema_id = SchemaId(issuer, schema.name, schema.version)
        try:
            existing = await self.get_schema(profile, str(schema_id))
        except AnonCredsObjectNotFound:
            existing = None
        if existing is not None:
            raise AnonCredsSchemaAlreadyExists(
                f"schema {schema_id} is already on the ledger", str(schema_id), existing.schema
            )
        write = self._checked(
            _anoncreds(profile).register_schema, schema_id, canonical_json(schema.serialize())
        )
        job = mappers.new_job("schema", schema_id=str(schema_id))
        outcome = await self._write(profile, write, "schema", str(schema_id), job)
        return mappers.schema_registration(outcome, schema_id, schema, job)

    async def register_credential_definition(
        self,
        profile: Profile,
        schema: GetSchemaResult,
        credential_definition: CredDef,
        options: dict | None = None,
    ) -> CredDefResult:
        """Anchor a credential definition; its id carries the schema's ledger seqNo."""
        issuer = await self._own_issuer(profile, credential_definition.issuer_id)
        schema_id = self._parse(schema.schema_id, SchemaId)
        seq_no = schema.schema_metadata.get("seqNo")
        if seq_no is None:  # resolved elsewhere: ask the ledger
            seq_no = (await self.get_schema(profile, schema.schema_id)).schema_metadata["seqNo"]
        cred_def_id = CredDefId(issuer, int(seq_no), credential_definition.tag)
        write = self._checked(
            _anoncreds(profile).register_credential_definition,
            cred_def_id,
            schema_id,
            canonical_json(credential_definition.serialize()),
        )
        job = mappers.new_job("cred_def", cred_def_id=str(cred_def_id), options=options)
        outcome = await self._write(profile, write, "cred_def", str(cred_def_id), job)
        return mappers.cred_def_registration(
            outcome, cred_def_id, credential_definition, seq_no, job
        )

    async def register_revocation_registry_definition(
        self,
        profile: Profile,
        revocation_registry_definition: RevRegDef,
        options: dict | None = None,
    ) -> RevRegDefResult:
        """Anchor a revocation registry definition (its tails file is already uploaded)."""
        rev_reg_def = revocation_registry_definition
        issuer = await self._own_issuer(profile, rev_reg_def.issuer_id)
        cred_def_id = self._parse(rev_reg_def.cred_def_id, CredDefId)
        rev_reg_id = RevRegDefId(
            issuer, cred_def_id.schema_seq_no, cred_def_id.tag, rev_reg_def.tag
        )
        write = self._checked(
            _anoncreds(profile).register_revocation_registry_definition,
            rev_reg_id,
            rev_reg_def.value.max_cred_num,
            canonical_json(rev_reg_def.serialize()),
        )
        job = mappers.new_job("rev_reg_def", rev_reg_def_id=str(rev_reg_id), options=options)
        outcome = await self._write(profile, write, "rev_reg_def", str(rev_reg_id), job)
        return mappers.rev_reg_def_registration(outcome, rev_reg_id, rev_reg_def, job)

    async def register_revocation_list(
        self,
        profile: Profile,
        rev_reg_def: RevRegDef,
        rev_list: RevList,
        options: dict | None = None,
    ) -> RevListResult:
        """Publish a registry's first status list."""
        rev_reg_id = self._parse(rev_list.rev_reg_def_id, RevRegDefId)
        await self._own_issuer(profile, rev_list.issuer_id)
        write = _anoncreds(profile).register_status_list(
            rev_reg_id, rev_list.current_accumulator, set_indices(rev_list.revocation_list)
        )
        job = mappers.new_job("rev_list", rev_reg_def_id=str(rev_reg_id), revoked=[])
        outcome = await self._write(profile, write, "rev_list", str(rev_reg_id), job)
        return mappers.rev_list_registration(outcome, rev_list, job)

    async def update_revocation_list(
        self,
        profile: Profile,
        rev_reg_def: RevRegDef,
        prev_list: RevList,
        curr_list: RevList,
        revoked: list[int],
        options: dict | None = None,
    ) -> RevListResult:
        """Publish what changed since the list on the ledger (not since ``prev_list``).

        Diffing against the ledger makes a publish after a failed one carry the earlier changes
        too, so no revocation is lost when a write fails.
        """
        rev_reg_id = self._parse(curr_list.rev_reg_def_id, RevRegDefId)
        await self._own_issuer(profile, curr_list.issuer_id)
        on_ledger = await self._read(
            profile, "revocation status list", str(rev_reg_id),
            lambda r: r.status_list(rev_reg_id),
        )  # fmt: skip
        changed = changed_indices(on_ledger.revoked, curr_list.revocation_list)
        write = _anoncreds(profile).update_status_list(
            rev_reg_id, on_ledger.entries, curr_list.current_accumulator, changed
        )
        job = mappers.new_job(
            "rev_list", update=True, rev_reg_def_id=str(rev_reg_id), revoked=list(revoked)
        )
        outcome = await self._write(profile, write, "rev_list", str(rev_reg_id), job)
        if outcome.finished:
            await profile.inject(EventBus).notify(
                profile, RevListFinishedEvent.with_payload(str(rev_reg_id), list(revoked))
            )
        return mappers.rev_list_registration(outcome, curr_list, job)

    # --- helpers --------------------------------------------------------------------------------

    async def _immutable_object(
        self,
        profile: Profile,
        identifier: str,
        id_type: type,
        what: str,
        read: str,
        to_result: Callable[[Any, AnchoredObject], Any],
    ) -> Any:
        """Read an object that never changes once anchored (cached), and map it for ACA-Py."""
        if (cached := self.resolved.get(identifier)) is None:
            parsed = self._parse(identifier, id_type)
            anchored = await self._read(
                profile, what, identifier, lambda ledger: getattr(ledger, read)(parsed)
            )
            cached = self.resolved.put(identifier, to_result(parsed, anchored))
        return cached

    @staticmethod
    def _parse(identifier: str, expected: type) -> Any:
        try:
            parsed = parse_anoncreds_id(identifier)
        except LedgerError as exc:
            raise AnonCredsObjectNotFound(str(exc), {"error": "invalidIdentifier"}) from exc
        if not isinstance(parsed, expected):
            raise AnonCredsObjectNotFound(
                f"{identifier} is not a {expected.__name__}", {"error": "invalidIdentifier"}
            )
        return parsed

    @staticmethod
    def _checked(build: Any, *args: Any) -> Write:
        try:
            return build(*args)
        except LedgerError as exc:
            raise AnonCredsRegistrationError(str(exc)) from exc

    @staticmethod
    async def _read(profile: Profile, what: str, identifier: str, read: Any) -> Any:
        ledger = profile.inject(LedgerService)
        try:
            return await read(ledger.chain.anoncreds)
        except LedgerNotFoundError as exc:
            raise AnonCredsObjectNotFound(
                f"{what} {identifier} is not on the ledger", {"error": "notFound"}
            ) from exc
        except LedgerError as exc:
            raise AnonCredsResolutionError(f"could not read {what} {identifier}: {exc}") from exc

    @staticmethod
    async def _own_issuer(profile: Profile, issuer_id: str) -> LerDid:
        """Pre-check (for a clear error) that this wallet's account controls ``issuer_id``."""
        ledger = profile.inject(LedgerService)
        try:
            issuer = LerDid.parse(issuer_id)
            record = await ledger.chain.dids.resolve(issuer)
            account = await ledger.account(profile)
        except LedgerNotFoundError as exc:
            raise AnonCredsRegistrationError(
                f"issuer {issuer_id} is not on the ledger: anchor it first (POST /ler/did/create)"
            ) from exc
        except LedgerError as exc:
            raise AnonCredsRegistrationError(f"cannot check issuer {issuer_id}: {exc}") from exc
        if record.deactivated:
            raise AnonCredsRegistrationError(f"issuer {issuer_id} is deactivated")
        if record.controller != account.address:
            raise AnonCredsRegistrationError(
                f"this wallet does not control {issuer_id} on the ledger, so it cannot write "
                "under it"
            )
        return issuer

    @staticmethod
    async def _write(
        profile: Profile, write: Write, kind: str, object_id: str, job: dict[str, Any]
    ) -> WriteOutcome:
        try:
            return await write_to_ledger(profile, write, kind=kind, object_id=object_id, job=job)
        except LedgerConflictError as exc:
            raise AnonCredsObjectAlreadyExists(str(exc), object_id) from exc
        except (LedgerError, LerPluginError) as exc:
            raise AnonCredsRegistrationError(f"could not write {object_id}: {exc}") from exc


def _anoncreds(profile: Profile) -> AnonCredsRegistryClient:
    """The ledger's AnonCreds registry, which builds the writes."""
    return profile.inject(LedgerService).chain.anoncreds
