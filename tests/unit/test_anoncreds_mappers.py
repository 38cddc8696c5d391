"""Ledger models to ACA-Py AnonCreds types and back, as pure functions (no profile, no ledger)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from acapy_agent.anoncreds.base import AnonCredsResolutionError
from acapy_agent.anoncreds.models.revocation import RevList
from acapy_agent.anoncreds.models.schema import AnonCredsSchema

from ler_chain import (
    AnchoredObject,
    CredDefId,
    LerDid,
    RevocationStatusList,
    RevRegDefId,
    SchemaId,
    WriteResult,
)
from ler_ledger.anoncreds import mappers
from ler_ledger.write_routing import WriteOutcome

ISSUER = LerDid.from_verkey("local", bytes(range(32)))
SCHEMA_ID = SchemaId(ISSUER, "skills", "1.0")
CRED_DEF_ID = CredDefId(ISSUER, 12, "default")
REV_REG_ID = RevRegDefId(ISSUER, 12, "default", "0")


def anchored(payload: dict[str, Any]) -> AnchoredObject:
    return AnchoredObject(
        key=b"\x01" * 32,
        issuer=ISSUER,
        block_number=40,
        timestamp=1_700_000_000,
        seq_no=12,
        payload=mappers.canonical_json(payload),
    )


def schema_payload(**overrides: Any) -> dict[str, Any]:
    schema = {"issuerId": str(ISSUER), "name": "skills", "version": "1.0"}
    return {**schema, "attrNames": ["skill", "level"], **overrides}


def test_canonical_json_is_sorted_and_compact() -> None:
    assert mappers.canonical_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


def test_schema_result_carries_the_anchor() -> None:
    result = mappers.schema_result(SCHEMA_ID, anchored(schema_payload()))
    assert result.schema_id == str(SCHEMA_ID)
    assert result.schema.attr_names == ["skill", "level"]
    assert result.schema_metadata == {"seqNo": 12, "blockNumber": 40, "timestamp": 1_700_000_000}


@pytest.mark.parametrize("field", ["name", "version", "issuerId"])
def test_an_object_that_names_another_is_refused(field: str) -> None:
    other = {"issuerId": str(LerDid.from_verkey("local", bytes(32))), "name": "x", "version": "9"}
    with pytest.raises(AnonCredsResolutionError, match="names another object"):
        mappers.schema_result(SCHEMA_ID, anchored(schema_payload(**{field: other[field]})))


def test_rev_list_result_is_stamped_with_the_newest_entry() -> None:
    status = RevocationStatusList(
        rev_reg_key=b"\x02" * 32,
        entries=3,
        timestamp=1_700_000_500,
        block_number=77,
        accumulator="21 124C594B6B20E41B681E92B2C43FD165EA9E68BC3C9D63A82C8893124983CAE94 21",
        revoked=[0, 1, 0],
    )
    result = mappers.rev_list_result(REV_REG_ID, status)
    assert result.revocation_list.serialize() == {
        "issuerId": str(ISSUER),
        "revRegDefId": str(REV_REG_ID),
        "revocationList": [0, 1, 0],
        "currentAccumulator": status.accumulator,
        "timestamp": 1_700_000_500,
    }
    assert result.revocation_registry_metadata == {"entries": 3, "blockNumber": 77}


def test_schema_info_comes_from_the_identifier() -> None:
    info = mappers.schema_info(SCHEMA_ID)
    assert (info.issuer_id, info.name, info.version) == (str(ISSUER), "skills", "1.0")


def landed(event: str, args: dict[str, Any]) -> WriteOutcome:
    events = [{"event": event, "args": args}]
    return WriteOutcome(result=WriteResult("0xabc", 41, 21_000, events))


WAITING = WriteOutcome(record=SimpleNamespace(endorsement_id="e-1"))  # type: ignore[arg-type]


def test_a_landed_schema_is_finished_with_its_seq_no() -> None:
    schema = AnonCredsSchema.deserialize(schema_payload())
    job = mappers.new_job("schema", schema_id=str(SCHEMA_ID))
    result = mappers.schema_registration(
        landed("SchemaRegistered", {"seqNo": 12}), SCHEMA_ID, schema, job
    )
    assert result.job_id is None
    assert result.schema_state.state == "finished"
    assert result.schema_metadata == {"seqNo": 12}
    assert result.registration_metadata == {"tx_hash": "0xabc", "block_number": 41}


def test_a_schema_waiting_for_the_endorser_keeps_its_job() -> None:
    schema = AnonCredsSchema.deserialize(schema_payload())
    job = mappers.new_job("schema", schema_id=str(SCHEMA_ID))
    result = mappers.schema_registration(WAITING, SCHEMA_ID, schema, job)
    assert result.job_id == job["job_id"]
    assert result.schema_state.state == "wait"
    assert result.schema_metadata == {}
    assert result.registration_metadata == {"endorsement_id": "e-1"}


def test_a_landed_rev_list_takes_the_entry_block_time() -> None:
    rev_list = RevList(
        issuer_id=str(ISSUER),
        rev_reg_def_id=str(REV_REG_ID),
        revocation_list=[0, 0],
        current_accumulator="acc",
    )
    job = mappers.new_job("rev_list", rev_reg_def_id=str(REV_REG_ID), revoked=[])
    outcome = landed("RevocationStatusListEntry", {"timestamp": 1_700_000_900})
    result = mappers.rev_list_registration(outcome, rev_list, job)
    assert result.revocation_list_state.revocation_list.timestamp == 1_700_000_900
    assert result.revocation_list_state.state == "finished"


def test_job_options_keep_only_json_values() -> None:
    job = mappers.new_job("cred_def", cred_def_id=str(CRED_DEF_ID), options={"a": 1, "f": print})
    assert job["options"] == {"a": 1, "f": None}
    assert json.loads(json.dumps(job))["type"] == "cred_def"
    assert len(job["job_id"]) == 32
