"""did:ler identifiers: Indy-style derivation, parsing, and keys identical to the contract's."""

from __future__ import annotations

import base58
import pytest

from ler_chain import (
    CredDefId,
    LedgerClient,
    LedgerInputError,
    LerDid,
    RevRegDefId,
    SchemaId,
    parse_anoncreds_id,
)

VERKEY = bytes(range(32))


def test_did_is_base58_of_the_first_16_verkey_bytes() -> None:
    did = LerDid.from_verkey("indiana", VERKEY)
    assert str(did) == f"did:ler:indiana:{base58.b58encode(VERKEY[:16]).decode()}"
    assert LerDid.parse(str(did)) == did


@pytest.mark.parametrize(
    "bad",
    [
        "did:sov:WgWxqztrNooG92RXvxSTWv",
        "did:ler:Indiana:WgWxqztrNooG92RXvxSTWv",
        "did:ler:local:0OIl",
        "did:ler:local:" + base58.b58encode(bytes(20)).decode(),
    ],
)
def test_bad_dids_are_refused(bad: str) -> None:
    with pytest.raises(LedgerInputError):
        LerDid.parse(bad)


def test_anoncreds_ids_round_trip() -> None:
    did = LerDid.from_verkey("local", VERKEY)
    ids = [
        SchemaId(did, "skills", "1.0"),
        CredDefId(did, 7, "default"),
        RevRegDefId(did, 7, "default", "0"),
    ]
    for value in ids:
        assert parse_anoncreds_id(str(value)) == value
    assert str(ids[2].cred_def_id) == str(ids[1])


@pytest.mark.parametrize(
    "bad",
    [
        "did:ler:local:WgWxqztrNooG92RXvxSTWv/anoncreds/v0/SCHEMA/only-name",
        "did:ler:local:WgWxqztrNooG92RXvxSTWv/anoncreds/v0/CLAIM_DEF/0/tag",
        "did:ler:local:WgWxqztrNooG92RXvxSTWv/anoncreds/v0/REV_REG_DEF/1/tag",
        "WgWxqztrNooG92RXvxSTWv:2:skills:1.0",
    ],
)
def test_bad_anoncreds_ids_are_refused(bad: str) -> None:
    with pytest.raises(LedgerInputError):
        parse_anoncreds_id(bad)


async def test_keys_match_the_contract(state_client: LedgerClient) -> None:
    did = LerDid.from_verkey("local", VERKEY)
    functions = state_client.contracts["anoncreds"].functions
    schema = SchemaId(did, "skills", "1.0")
    cred_def = CredDefId(did, 3, "default")
    rev_reg = RevRegDefId(did, 3, "default", "backup")
    assert await functions.keyOfSchema(did.id_bytes, "skills", "1.0").call() == schema.key
    assert (
        await functions.keyOfCredentialDefinition(did.id_bytes, 3, "default").call() == cred_def.key
    )
    assert (
        await functions.keyOfRevocationRegistry(did.id_bytes, 3, "default", "backup").call()
        == rev_reg.key
    )
