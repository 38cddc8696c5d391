"""The did:ler AnonCreds registry and DID resolver in-process: edge cases and refusals."""

from __future__ import annotations

import os

import pytest
from acapy_agent.anoncreds.base import (
    AnonCredsObjectNotFound,
    AnonCredsRegistrationError,
    AnonCredsSchemaAlreadyExists,
)
from acapy_agent.anoncreds.issuer import AnonCredsIssuer
from acapy_agent.anoncreds.models.schema import AnonCredsSchema
from acapy_agent.anoncreds.registry import AnonCredsRegistry
from acapy_agent.core.profile import Profile
from acapy_agent.resolver.base import DIDNotFound
from acapy_agent.resolver.did_resolver import DIDResolver
from acapy_agent.wallet.base import BaseWallet

from ler_chain import LedgerClient, LerDid, LocalSigner
from ler_ledger import LedgerService, LerAnonCredsRegistry
from ler_ledger.did.manager import LerDidManager
from ler_node.ledger.local import LedgerUp

UNKNOWN_DID = str(LerDid.from_verkey("local", bytes(range(32))))


def registry(profile: Profile) -> LerAnonCredsRegistry:
    return next(
        r
        for r in profile.inject(AnonCredsRegistry).resolvers
        if isinstance(r, LerAnonCredsRegistry)
    )


async def anchored_did(profile: Profile) -> str:
    result = await LerDidManager(profile).create(endpoint="http://127.0.0.1:1/didcomm")
    assert result["state"] == "finished"
    return result["did"]


async def test_did_create_stores_the_did_only_once_anchored(endorser_profile: Profile) -> None:
    did = await anchored_did(endorser_profile)
    async with endorser_profile.session() as session:
        info = await session.inject(BaseWallet).get_local_did(did)
    assert info.metadata["posted"] is True and info.method.method_name == "ler"
    resolved = await endorser_profile.inject(DIDResolver).resolve(endorser_profile, did)
    assert resolved["service"][0]["serviceEndpoint"] == "http://127.0.0.1:1/didcomm"
    with pytest.raises(DIDNotFound):
        await endorser_profile.inject(DIDResolver).resolve(endorser_profile, UNKNOWN_DID)


async def test_schema_round_trip_and_duplicate(endorser_profile: Profile) -> None:
    did = await anchored_did(endorser_profile)
    result = await AnonCredsIssuer(endorser_profile).create_and_register_schema(
        did, "Skills", "1.0", ["skill", "level"]
    )
    schema_id = result.schema_state.schema_id
    assert result.schema_state.state == "finished" and result.job_id is None
    assert schema_id == f"{did}/anoncreds/v0/SCHEMA/Skills/1.0"
    resolved = await registry(endorser_profile).get_schema(endorser_profile, schema_id)
    assert resolved.schema.attr_names == ["skill", "level"]
    assert resolved.schema_metadata["seqNo"] >= 1
    info = await registry(endorser_profile).get_schema_info_by_id(endorser_profile, schema_id)
    assert (info.issuer_id, info.name, info.version) == (did, "Skills", "1.0")

    with pytest.raises(AnonCredsSchemaAlreadyExists) as duplicate:
        await registry(endorser_profile).register_schema(
            endorser_profile, AnonCredsSchema(did, ["x"], "Skills", "1.0")
        )
    assert duplicate.value.schema_id == schema_id
    assert duplicate.value.schema.attr_names == ["skill", "level"]


@pytest.mark.parametrize(
    "bad_id",
    [
        f"{UNKNOWN_DID}/anoncreds/v0/SCHEMA/Nope/1.0",
        f"{UNKNOWN_DID}/anoncreds/v0/SCHEMA/only-a-name",
        f"{UNKNOWN_DID}/anoncreds/v0/CLAIM_DEF/1/default",
        "did:ler:local:tooshort/anoncreds/v0/SCHEMA/a/b",
    ],
)
async def test_unknown_or_malformed_schema_ids_are_not_found(
    endorser_profile: Profile, bad_id: str
) -> None:
    with pytest.raises(AnonCredsObjectNotFound):
        await registry(endorser_profile).get_schema(endorser_profile, bad_id)


async def test_missing_registry_objects_are_not_found(endorser_profile: Profile) -> None:
    reg = registry(endorser_profile)
    with pytest.raises(AnonCredsObjectNotFound):
        await reg.get_credential_definition(
            endorser_profile, f"{UNKNOWN_DID}/anoncreds/v0/CLAIM_DEF/1/default"
        )
    rev_reg_id = f"{UNKNOWN_DID}/anoncreds/v0/REV_REG_DEF/1/default/0"
    with pytest.raises(AnonCredsObjectNotFound):
        await reg.get_revocation_registry_definition(endorser_profile, rev_reg_id)
    with pytest.raises(AnonCredsObjectNotFound):
        await reg.get_revocation_list(endorser_profile, rev_reg_id, 0, 1)


async def test_writing_under_a_foreign_or_unknown_did_is_refused(
    endorser_profile: Profile, ledger: LedgerUp
) -> None:
    reg = registry(endorser_profile)
    with pytest.raises(AnonCredsRegistrationError, match="anchor it first"):
        await reg.register_schema(endorser_profile, AnonCredsSchema(UNKNOWN_DID, ["a"], "X", "1"))

    # a DID controlled by someone else's account
    other = LocalSigner.generate()
    verkey = os.urandom(32)
    async with LedgerClient(ledger.descriptor) as reader:
        signed = await reader.sign_for_endorsement(reader.dids.create(verkey), other)
    writer = await endorser_profile.inject(LedgerService).writer(endorser_profile)
    await writer.submit(signed)
    foreign = str(LerDid.from_verkey("local", verkey))
    with pytest.raises(AnonCredsRegistrationError, match="does not control"):
        await reg.register_schema(endorser_profile, AnonCredsSchema(foreign, ["a"], "X", "1"))


async def test_identifier_regex_claims_only_did_ler(endorser_profile: Profile) -> None:
    regex = registry(endorser_profile).supported_identifiers_regex
    assert regex.match(f"{UNKNOWN_DID}/anoncreds/v0/SCHEMA/a/1")
    assert regex.match(UNKNOWN_DID)
    for other in (
        "WgWxqztrNooG92RXvxSTWv:2:schema:1.0",
        "did:indy:sovrin:WgWxqztrNooG92RXvxSTWv/anoncreds/v0/SCHEMA/a/1",
        "did:web:example.com",
    ):
        assert not regex.match(other)
