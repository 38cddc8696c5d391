"""The did:web <-> did:ler binding check, against a fixed did:web document and ledger entry."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from ler_badges import encode_multikey
from ler_badges.acapy.environment import AgentEnvironment
from ler_chain import DidRecord, LerDid

KEY = bytes(range(32))
ROTATED = bytes(range(1, 33))
DID_WEB = "did:web:college.example"
DID_LER = LerDid.from_verkey("local", KEY)
RECORD = DidRecord(
    did=DID_LER,
    controller="0x" + "11" * 20,
    verkey=KEY,
    endpoint="",
    version_id=1,
    created=1,
    updated=1,
    deactivated=False,
    block_number=1,
    also_known_as=DID_WEB,
)


def document(key: bytes, also_known_as: list[str]) -> dict[str, Any]:
    method = {
        "id": f"{DID_WEB}#key-1",
        "type": "Multikey",
        "controller": DID_WEB,
        "publicKeyMultibase": encode_multikey(key),
    }
    return {"id": DID_WEB, "alsoKnownAs": also_known_as, "verificationMethod": [method]}


class Environment(AgentEnvironment):
    """The agent's environment with the did:web document and the ledger entry given."""

    def __init__(self, served: dict[str, Any], record: DidRecord) -> None:
        self._did_web_documents = {DID_WEB: served}
        self._record = record

    @property
    def ledger(self) -> Any:
        async def resolve(_did: object) -> DidRecord:
            return self._record

        return SimpleNamespace(chain=SimpleNamespace(dids=SimpleNamespace(resolve=resolve)))


async def test_names_each_other_with_the_same_key() -> None:
    check, did = await Environment(document(KEY, [str(DID_LER)]), RECORD).check_binding(DID_WEB)
    assert check.outcome == "passed" and did == str(DID_LER)


async def test_a_document_serving_an_old_key_after_a_rotation_is_keys_differ() -> None:
    rotated = replace(RECORD, verkey=ROTATED, version_id=2)
    check, did = await Environment(document(KEY, [str(DID_LER)]), rotated).check_binding(DID_WEB)
    assert (check.outcome, check.code, did) == ("failed", "keys-differ", None)
    assert "rotated" in check.detail


@pytest.mark.parametrize(
    ("served", "record", "reason"),
    [
        (document(KEY, []), RECORD, "names no did:ler"),
        (document(KEY, [str(DID_LER)]), replace(RECORD, also_known_as=""), "names no did:web"),
        (document(KEY, [str(DID_LER)]), replace(RECORD, deactivated=True), "deactivated"),
    ],
)
async def test_one_sided_or_dead_bindings_are_not_bound(
    served: dict[str, Any], record: DidRecord, reason: str
) -> None:
    check, did = await Environment(served, record).check_binding(DID_WEB)
    assert (check.outcome, check.code, did) == ("failed", "not-bound", None)
    assert reason in check.detail
