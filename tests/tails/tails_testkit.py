"""Helpers shared by the tails server tests."""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import schemathesis
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from fuzzkit import problems_with

from ler_chain import CredDefId, LedgerClient, LerDid, LocalSigner, RevRegDefId, SchemaId


@dataclass(frozen=True)
class RealTails:
    """A tails file made by the anoncreds library, with its registry definition."""

    path: Path
    tails_hash: str
    rev_reg_def: dict[str, Any]
    max_cred_num: int

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


def tails_form(data: Any, field: str = "tails") -> FormData:
    """Build the multipart body ACA-Py's ``put_file`` sends: one octet-stream file field."""
    form = FormData()
    form.add_field(field, data, filename="tails", content_type="application/octet-stream")
    return form


ClientFactory = Callable[..., Awaitable[TestClient]]


async def register_on_ledger(
    state: LedgerClient, tails_hash: str, max_cred_num: int = 4, tag: str = "0"
) -> RevRegDefId:
    """Put a revocation registry definition naming ``tails_hash`` on the ledger, as a college.

    The college (no ledger role) anchors its DID, a schema and a credential definition, each
    endorsed by ``state``, then the registry definition: ACA-Py's JSON with that tails hash.
    """
    author, verkey = LocalSigner.generate(), os.urandom(32)
    did = LerDid.from_verkey(state.descriptor.network, verkey)

    async def endorse(write: Any) -> Any:
        return await state.submit(await state.sign_for_endorsement(write, author))

    await endorse(state.dids.create(verkey, ""))
    schema_id = SchemaId(did, "skills", "1.0")
    schema = {"issuerId": str(did), "name": "skills", "version": "1.0", "attrNames": ["skill"]}
    result = await endorse(state.anoncreds.register_schema(schema_id, json.dumps(schema).encode()))
    cred_def_id = CredDefId(did, result.event("SchemaRegistered")["seqNo"], "default")
    await endorse(state.anoncreds.register_credential_definition(cred_def_id, schema_id, b"{}"))
    rev_reg_id = RevRegDefId(did, cred_def_id.schema_seq_no, cred_def_id.tag, tag)
    definition = {
        "issuerId": str(did),
        "revocDefType": "CL_ACCUM",
        "credDefId": str(cred_def_id),
        "tag": tag,
        "value": {"maxCredNum": max_cred_num, "tailsHash": tails_hash, "tailsLocation": "x"},
    }
    await endorse(
        state.anoncreds.register_revocation_registry_definition(
            rev_reg_id, max_cred_num, json.dumps(definition).encode()
        )
    )
    return rev_reg_id


Register = Callable[[str], Awaitable[RevRegDefId]]


def fuzz_api(base_url: str, max_examples: int) -> list[str]:
    """schemathesis over every operation of the tails server's ``/openapi.json``."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return problems_with(schema, base_url, max_examples=max_examples)
