"""Pure mappings between ``ler_chain``'s ledger models and ACA-Py's AnonCreds types.

No profile, no I/O: :mod:`.registry` calls the ledger, checks, and maps with these.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from acapy_agent.anoncreds.base import AnonCredsResolutionError
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

from ler_chain import AnchoredObject, CredDefId, RevocationStatusList, RevRegDefId, SchemaId

from ..write_routing import WriteOutcome

STATE_FINISHED = "finished"
STATE_WAIT = "wait"


def canonical_json(value: dict[str, Any]) -> bytes:
    """The bytes anchored on the ledger for an AnonCreds object."""
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def new_job(kind: str, **fields: Any) -> dict[str, Any]:
    """A registration job as ACA-Py and our completions keep it (options: JSON values only)."""
    if "options" in fields:
        fields["options"] = json.loads(json.dumps(fields["options"] or {}, default=lambda _: None))
    return {"type": kind, "job_id": uuid.uuid4().hex, **fields}


# --- ledger -> ACA-Py ---------------------------------------------------------------------------


def _decoded[T](model: type[T], anchored: AnchoredObject, identifier: str, implied: dict) -> T:
    """An anchored payload as an ACA-Py model; it must say what its identifier implies."""
    value = model.deserialize(json.loads(anchored.payload))  # type: ignore[attr-defined]
    if any(getattr(value, key) != expected for key, expected in implied.items()):
        raise AnonCredsResolutionError(f"{identifier} on the ledger names another object")
    return value


def object_metadata(anchored: AnchoredObject) -> dict[str, Any]:
    """Where an immutable object sits on the ledger."""
    return {
        "seqNo": anchored.seq_no,
        "blockNumber": anchored.block_number,
        "timestamp": anchored.timestamp,
    }


def schema_result(schema_id: SchemaId, anchored: AnchoredObject) -> GetSchemaResult:
    """A resolved schema."""
    implied = {"issuer_id": str(schema_id.issuer), "name": schema_id.name}
    implied["version"] = schema_id.version
    return GetSchemaResult(
        schema=_decoded(AnonCredsSchema, anchored, str(schema_id), implied),
        schema_id=str(schema_id),
        resolution_metadata={},
        schema_metadata=object_metadata(anchored),
    )


def cred_def_result(cred_def_id: CredDefId, anchored: AnchoredObject) -> GetCredDefResult:
    """A resolved credential definition."""
    implied = {"issuer_id": str(cred_def_id.issuer), "tag": cred_def_id.tag}
    return GetCredDefResult(
        credential_definition_id=str(cred_def_id),
        credential_definition=_decoded(CredDef, anchored, str(cred_def_id), implied),
        resolution_metadata={},
        credential_definition_metadata=object_metadata(anchored),
    )


def rev_reg_def_result(rev_reg_id: RevRegDefId, anchored: AnchoredObject) -> GetRevRegDefResult:
    """A resolved revocation registry definition."""
    implied = {"issuer_id": str(rev_reg_id.issuer), "tag": rev_reg_id.tag}
    return GetRevRegDefResult(
        revocation_registry=_decoded(RevRegDef, anchored, str(rev_reg_id), implied),
        revocation_registry_id=str(rev_reg_id),
        resolution_metadata={},
        revocation_registry_metadata=object_metadata(anchored),
    )


def rev_list_result(rev_reg_id: RevRegDefId, status: RevocationStatusList) -> GetRevListResult:
    """A revocation status list as of a time, stamped with its newest entry's block time."""
    rev_list = RevList(
        issuer_id=str(rev_reg_id.issuer),
        rev_reg_def_id=str(rev_reg_id),
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


def schema_info(schema_id: SchemaId) -> AnonCredsSchemaInfo:
    """Issuer, name and version, read from the identifier itself."""
    return AnonCredsSchemaInfo(
        issuer_id=str(schema_id.issuer), name=schema_id.name, version=schema_id.version
    )


# --- write outcome -> ACA-Py --------------------------------------------------------------------


def _state(outcome: WriteOutcome) -> str:
    return STATE_FINISHED if outcome.finished else STATE_WAIT


def _job_id(outcome: WriteOutcome, job: dict[str, Any]) -> str | None:
    return None if outcome.finished else job["job_id"]


def registration_metadata(outcome: WriteOutcome) -> dict[str, Any]:
    """The transaction that anchored a write, or the endorsement it waits for."""
    if outcome.finished:
        return {"tx_hash": outcome.result.tx_hash, "block_number": outcome.result.block_number}
    return {"endorsement_id": outcome.record.endorsement_id}


def schema_registration(
    outcome: WriteOutcome, schema_id: SchemaId, schema: AnonCredsSchema, job: dict[str, Any]
) -> SchemaResult:
    """The answer to ``register_schema``: finished (with its seqNo) or waiting on the endorser."""
    metadata = {}
    if outcome.finished:
        metadata = {"seqNo": outcome.result.event("SchemaRegistered")["seqNo"]}
    return SchemaResult(
        job_id=_job_id(outcome, job),
        schema_state=SchemaState(state=_state(outcome), schema_id=str(schema_id), schema=schema),
        registration_metadata=registration_metadata(outcome),
        schema_metadata=metadata,
    )


def cred_def_registration(
    outcome: WriteOutcome,
    cred_def_id: CredDefId,
    cred_def: CredDef,
    schema_seq_no: int,
    job: dict[str, Any],
) -> CredDefResult:
    """The answer to ``register_credential_definition``."""
    return CredDefResult(
        job_id=_job_id(outcome, job),
        credential_definition_state=CredDefState(
            state=_state(outcome),
            credential_definition_id=str(cred_def_id),
            credential_definition=cred_def,
        ),
        registration_metadata=registration_metadata(outcome),
        credential_definition_metadata={"seqNo": schema_seq_no},
    )


def rev_reg_def_registration(
    outcome: WriteOutcome, rev_reg_id: RevRegDefId, rev_reg_def: RevRegDef, job: dict[str, Any]
) -> RevRegDefResult:
    """The answer to ``register_revocation_registry_definition``."""
    return RevRegDefResult(
        job_id=_job_id(outcome, job),
        revocation_registry_definition_state=RevRegDefState(
            state=_state(outcome),
            revocation_registry_definition_id=str(rev_reg_id),
            revocation_registry_definition=rev_reg_def,
        ),
        registration_metadata=registration_metadata(outcome),
        revocation_registry_definition_metadata={},
    )


def rev_list_registration(
    outcome: WriteOutcome, rev_list: RevList, job: dict[str, Any]
) -> RevListResult:
    """The answer to ``register/update_revocation_list``, stamped with the entry's block time."""
    if outcome.finished:
        rev_list.timestamp = outcome.result.event("RevocationStatusListEntry")["timestamp"]
    return RevListResult(
        job_id=_job_id(outcome, job),
        revocation_list_state=RevListState(state=_state(outcome), revocation_list=rev_list),
        registration_metadata=registration_metadata(outcome),
        revocation_list_metadata={},
    )
