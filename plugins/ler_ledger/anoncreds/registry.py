"""AnonCreds resolver and registrar for did:ler identifiers, backed by the state ledger.

Reads verify every payload against its on-chain hash (the ledger client does) and check that the
object names the issuer, name and version its identifier says. Writes go straight to the ledger
when this agent is the endorser (state ``finished``), or through the state's endorser otherwise:
then the result is ``wait`` with a job id, and the job is finished (or cleaned up) when the
endorser answers, which lets ACA-Py carry on (e.g. revocation setup after a credential definition).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
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
    CredDefState,
    GetCredDefResult,
)
from acapy_agent.anoncreds.models.revocation import (
    GetRevListResult,
    GetRevRegDefResult,
    RevList,
    RevListResult,
    RevListState,
    RevRegDef,
    RevRegDefResult,
    RevRegDefState,
)
from acapy_agent.anoncreds.models.schema import (
    AnonCredsSchema,
    GetSchemaResult,
    SchemaResult,
    SchemaState,
)
from acapy_agent.anoncreds.models.schema_info import AnonCredsSchemaInfo
from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.core.profile import Profile

from ler_chain import (
    DID_PATTERN,
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
from ler_chain.revocation_history import changed_indices, set_indices

from ..errors import LerPluginError
from ..ledger import LedgerService
from ..write_routing import WriteOutcome, write_to_ledger

LOGGER = logging.getLogger(__name__)

STATE_FINISHED = "finished"
STATE_WAIT = "wait"


def canonical_json(value: dict[str, Any]) -> bytes:
    """The bytes anchored on the ledger for an AnonCreds object."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


class LerAnonCredsRegistry(BaseAnonCredsResolver, BaseAnonCredsRegistrar):
    """AnonCreds objects of did:ler issuers."""

    def __init__(self) -> None:
        self._immutable: dict[str, Any] = {}

    @property
    def supported_identifiers_regex(self) -> Pattern:
        """did:ler DIDs and the AnonCreds identifiers under them."""
        return re.compile(f"^{DID_PATTERN}(/anoncreds/v0/(SCHEMA|CLAIM_DEF|REV_REG_DEF)/.+)?$")

    async def setup(self, context: InjectionContext) -> None:
        """Nothing to set up: the ledger service is bound by the plugin."""

    # --- resolver -------------------------------------------------------------------------------

    async def get_schema(self, profile: Profile, schema_id: str) -> GetSchemaResult:
        """Resolve a schema."""
        if (cached := self._immutable.get(schema_id)) is not None:
            return cached
        schema, anchored = await self._anchored(
            profile, schema_id, SchemaId, "schema", AnonCredsSchema,
            read=lambda ledger, parsed: ledger.schema(parsed),
            implied=lambda p: {"issuer_id": str(p.issuer), "name": p.name, "version": p.version},
        )  # fmt: skip
        return self._remember(
            schema_id,
            GetSchemaResult(
                schema=schema,
                schema_id=schema_id,
                resolution_metadata={},
                schema_metadata=_metadata(anchored),
            ),
        )

    async def get_credential_definition(
        self, profile: Profile, credential_definition_id: str
    ) -> GetCredDefResult:
        """Resolve a credential definition."""
        if (cached := self._immutable.get(credential_definition_id)) is not None:
            return cached
        cred_def, anchored = await self._anchored(
            profile, credential_definition_id, CredDefId, "credential definition", CredDef,
            read=lambda ledger, parsed: ledger.credential_definition(parsed),
            implied=lambda p: {"issuer_id": str(p.issuer), "tag": p.tag},
        )  # fmt: skip
        return self._remember(
            credential_definition_id,
            GetCredDefResult(
                credential_definition_id=credential_definition_id,
                credential_definition=cred_def,
                resolution_metadata={},
                credential_definition_metadata=_metadata(anchored),
            ),
        )

    async def get_revocation_registry_definition(
        self, profile: Profile, revocation_registry_id: str
    ) -> GetRevRegDefResult:
        """Resolve a revocation registry definition."""
        if (cached := self._immutable.get(revocation_registry_id)) is not None:
            return cached
        rev_reg_def, anchored = await self._anchored(
            profile, revocation_registry_id, RevRegDefId, "revocation registry", RevRegDef,
            read=lambda ledger, parsed: ledger.revocation_registry_definition(parsed),
            implied=lambda p: {"issuer_id": str(p.issuer), "tag": p.tag},
        )  # fmt: skip
        return self._remember(
            revocation_registry_id,
            GetRevRegDefResult(
                revocation_registry=rev_reg_def,
                revocation_registry_id=revocation_registry_id,
                resolution_metadata={},
                revocation_registry_metadata=_metadata(anchored),
            ),
        )

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
        rev_list = RevList(
            issuer_id=str(parsed.issuer),
            rev_reg_def_id=revocation_registry_id,
            revocation_list=status.revoked,
            current_accumulator=status.accumulator,
            timestamp=status.timestamp,
        )
        return GetRevListResult(
            revocation_list=rev_list,
            resolution_metadata={},
            revocation_registry_metadata={
                "entries": status.entries,
                "blockNumber": status.block_number,
            },
        )

    async def get_schema_info_by_id(self, profile: Profile, schema_id: str) -> AnonCredsSchemaInfo:
        """Issuer, name and version, read from the identifier itself."""
        parsed = self._parse(schema_id, SchemaId)
        return AnonCredsSchemaInfo(
            issuer_id=str(parsed.issuer), name=parsed.name, version=parsed.version
        )

    # --- registrar ------------------------------------------------------------------------------

    async def register_schema(
        self, profile: Profile, schema: AnonCredsSchema, options: dict | None = None
    ) -> SchemaResult:
        """Anchor a schema under its issuer's did:ler DID."""
        issuer = await self._own_issuer(profile, schema.issuer_id)
        schema_id = SchemaId(issuer, schema.name, schema.version)
        ledger = profile.inject(LedgerService)
        try:
            existing = await self.get_schema(profile, str(schema_id))
        except AnonCredsObjectNotFound:
            existing = None
        if existing is not None:
            raise AnonCredsSchemaAlreadyExists(
                f"schema {schema_id} is already on the ledger", str(schema_id), existing.schema
            )
        write = self._checked(
            ledger.chain.anoncreds.register_schema, schema_id, canonical_json(schema.serialize())
        )
        job = {"type": "schema", "job_id": _job_id(), "schema_id": str(schema_id)}
        outcome = await self._write(profile, write, "schema", str(schema_id), job)
        state = SchemaState(
            state=STATE_FINISHED if outcome.finished else STATE_WAIT,
            schema_id=str(schema_id),
            schema=schema,
        )
        metadata = {}
        if outcome.finished:
            metadata = {"seqNo": outcome.result.event("SchemaRegistered")["seqNo"]}
        return SchemaResult(
            job_id=None if outcome.finished else job["job_id"],
            schema_state=state,
            registration_metadata=_registration(outcome),
            schema_metadata=metadata,
        )

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
        ledger = profile.inject(LedgerService)
        write = self._checked(
            ledger.chain.anoncreds.register_credential_definition,
            cred_def_id,
            schema_id,
            canonical_json(credential_definition.serialize()),
        )
        job = {
            "type": "cred_def",
            "job_id": _job_id(),
            "cred_def_id": str(cred_def_id),
            "options": _json_safe(options),
        }
        outcome = await self._write(profile, write, "cred_def", str(cred_def_id), job)
        return CredDefResult(
            job_id=None if outcome.finished else job["job_id"],
            credential_definition_state=CredDefState(
                state=STATE_FINISHED if outcome.finished else STATE_WAIT,
                credential_definition_id=str(cred_def_id),
                credential_definition=credential_definition,
            ),
            registration_metadata=_registration(outcome),
            credential_definition_metadata={"seqNo": seq_no},
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
        ledger = profile.inject(LedgerService)
        write = self._checked(
            ledger.chain.anoncreds.register_revocation_registry_definition,
            rev_reg_id,
            rev_reg_def.value.max_cred_num,
            canonical_json(rev_reg_def.serialize()),
        )
        job = {
            "type": "rev_reg_def",
            "job_id": _job_id(),
            "rev_reg_def_id": str(rev_reg_id),
            "options": _json_safe(options),
        }
        outcome = await self._write(profile, write, "rev_reg_def", str(rev_reg_id), job)
        return RevRegDefResult(
            job_id=None if outcome.finished else job["job_id"],
            revocation_registry_definition_state=RevRegDefState(
                state=STATE_FINISHED if outcome.finished else STATE_WAIT,
                revocation_registry_definition_id=str(rev_reg_id),
                revocation_registry_definition=rev_reg_def,
            ),
            registration_metadata=_registration(outcome),
            revocation_registry_definition_metadata={},
        )

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
        ledger = profile.inject(LedgerService)
        write = ledger.chain.anoncreds.register_status_list(
            rev_reg_id, rev_list.current_accumulator, set_indices(rev_list.revocation_list)
        )
        job = {
            "type": "rev_list",
            "job_id": _job_id(),
            "rev_reg_def_id": str(rev_reg_id),
            "revoked": [],
        }
        outcome = await self._write(profile, write, "rev_list", str(rev_reg_id), job)
        return self._rev_list_result(outcome, rev_list, job)

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
        ledger = profile.inject(LedgerService)
        on_ledger = await self._read(
            profile, "revocation status list", str(rev_reg_id),
            lambda r: r.status_list(rev_reg_id),
        )  # fmt: skip
        changed = changed_indices(on_ledger.revoked, curr_list.revocation_list)
        write = ledger.chain.anoncreds.update_status_list(
            rev_reg_id, on_ledger.entries, curr_list.current_accumulator, changed
        )
        job = {
            "type": "rev_list",
            "update": True,
            "job_id": _job_id(),
            "rev_reg_def_id": str(rev_reg_id),
            "revoked": list(revoked),
        }
        outcome = await self._write(profile, write, "rev_list", str(rev_reg_id), job)
        if outcome.finished:
            await profile.inject(EventBus).notify(
                profile, RevListFinishedEvent.with_payload(str(rev_reg_id), list(revoked))
            )
        return self._rev_list_result(outcome, curr_list, job)

    # --- helpers --------------------------------------------------------------------------------

    async def _anchored(
        self,
        profile: Profile,
        identifier: str,
        id_type: type,
        what: str,
        model: Any,
        *,
        read: Any,
        implied: Any,
    ) -> tuple[Any, Any]:
        """Read an immutable object, verified on chain; it must say what its id implies."""
        parsed = self._parse(identifier, id_type)
        anchored = await self._read(profile, what, identifier, lambda ledger: read(ledger, parsed))
        value = model.deserialize(json.loads(anchored.payload))
        if any(getattr(value, key) != expected for key, expected in implied(parsed).items()):
            raise AnonCredsResolutionError(f"{what} {identifier} on the ledger names another one")
        return value, anchored

    def _remember(self, identifier: str, result: Any) -> Any:
        """Cache a resolved immutable object."""
        self._immutable[identifier] = result
        return result

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

    @staticmethod
    def _rev_list_result(
        outcome: WriteOutcome, rev_list: RevList, job: dict[str, Any]
    ) -> RevListResult:
        if outcome.finished:
            rev_list.timestamp = outcome.result.event("RevocationStatusListEntry")["timestamp"]
        return RevListResult(
            job_id=None if outcome.finished else job["job_id"],
            revocation_list_state=RevListState(
                state=STATE_FINISHED if outcome.finished else STATE_WAIT, revocation_list=rev_list
            ),
            registration_metadata=_registration(outcome),
            revocation_list_metadata={},
        )


def _job_id() -> str:
    return uuid.uuid4().hex


def _metadata(anchored: Any) -> dict[str, Any]:
    return {
        "seqNo": anchored.seq_no,
        "blockNumber": anchored.block_number,
        "timestamp": anchored.timestamp,
    }


def _registration(outcome: WriteOutcome) -> dict[str, Any]:
    if outcome.finished:
        return {"tx_hash": outcome.result.tx_hash, "block_number": outcome.result.block_number}
    return {"endorsement_id": outcome.record.endorsement_id}


def _json_safe(options: dict | None) -> dict[str, Any]:
    """Options as stored with a job (only JSON values survive)."""
    return json.loads(json.dumps(options or {}, default=lambda _v: None))
