"""EIP-712 type strings in Python hash to the contracts' constants."""

from __future__ import annotations

from eth_utils import keccak

from ler_chain import LedgerClient
from ler_chain.writes import ENDORSABLE

CONSTANTS = {
    "CreateDid": ("dids", "CREATE_DID_TYPEHASH"),
    "UpdateDid": ("dids", "UPDATE_DID_TYPEHASH"),
    "DeactivateDid": ("dids", "DEACTIVATE_DID_TYPEHASH"),
    "SetAlsoKnownAs": ("dids", "SET_ALSO_KNOWN_AS_TYPEHASH"),
    "ChangeController": ("dids", "CHANGE_CONTROLLER_TYPEHASH"),
    "RegisterSchema": ("anoncreds", "REGISTER_SCHEMA_TYPEHASH"),
    "RegisterCredentialDefinition": ("anoncreds", "REGISTER_CRED_DEF_TYPEHASH"),
    "RegisterRevocationRegistryDefinition": ("anoncreds", "REGISTER_REV_REG_DEF_TYPEHASH"),
    "StatusListEntry": ("anoncreds", "STATUS_LIST_ENTRY_TYPEHASH"),
    "PublishStatusList": ("status_lists", "PUBLISH_STATUS_LIST_TYPEHASH"),
}


async def test_type_hashes_match_solidity(state_client: LedgerClient) -> None:
    seen = set()
    for op in ENDORSABLE.values():
        contract, constant = CONSTANTS[op.type_name]
        on_chain = await getattr(state_client.contracts[contract].functions, constant)().call()
        assert keccak(text=op.type_string) == on_chain, op.type_string
        seen.add(op.type_name)
    assert seen == set(CONSTANTS)


async def test_domains_match_eip5267(state_client: LedgerClient) -> None:
    for key, name in (
        ("dids", "LerDidRegistry"),
        ("anoncreds", "LerAnonCredsRegistry"),
        ("status_lists", "LerStatusListRegistry"),
    ):
        domain = await state_client.contracts[key].functions.eip712Domain().call()
        assert domain[1] == name
        assert domain[2] == "1"
        assert domain[3] == state_client.descriptor.chain_id
