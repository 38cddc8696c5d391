"""Ledger writes built as pure functions: calldata and EIP-712 digests, byte for byte, no node.

Expected values are computed independently of the builders: function selectors and type strings
written out by hand, the ABI layout from eth_abi, and the EIP-712 digest the way the contracts'
``_hashTypedDataV4`` computes it (``keccak256(0x1901 ++ domainSeparator ++ structHash)``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak
from web3 import AsyncWeb3
from web3.contract import AsyncContract

from ler_chain import LerDid, LocalSigner, SchemaId, SignedWrite, Write
from ler_chain.errors import (
    DidRegistryDeactivated,
    EndorsementExpiredSignature,
    LedgerInputError,
    LedgerRevertError,
    explain_endorsed_revert,
    revert_error_from_data,
)
from ler_chain.registries.anoncreds import AnonCredsRegistryClient
from ler_chain.registries.dids import DidRegistryClient
from ler_chain.registries.roles import RolesClient
from ler_chain.writes import (
    CONTRACT_ARTIFACTS,
    ENDORSABLE,
    ContractKey,
    Endorsement,
    build_calldata,
    endorsing_digest,
    typed_data,
)
from ler_contracts import CONTRACT_NAMES, load_artifact

CONTRACTS = Path(__file__).resolve().parents[2] / "ledger_config" / "contracts"
CHAIN_ID = 31337
DID_REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ANONCREDS_REGISTRY = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
AUTHOR = "0x1111111111111111111111111111111111111111"
VERKEY = bytes(range(32))
ENDPOINT = "https://college.example/didcomm"
NONCE = (5 << 64) | 7  # keyed: sequence 5, 7th write
DEADLINE = 1_800_000_000
ENDORSEMENT_TUPLE = "(address,uint256,uint256,bytes)"


def offline(key: ContractKey, address: str) -> AsyncContract:
    """A contract object with no provider: enough to build writes, useless for reads."""
    return AsyncWeb3().eth.contract(address=address, abi=load_artifact(CONTRACT_ARTIFACTS[key]).abi)


def dids() -> DidRegistryClient:
    return DidRegistryClient(offline("dids", DID_REGISTRY), "local", "http://unused")


def anoncreds() -> AnonCredsRegistryClient:
    return AnonCredsRegistryClient(offline("anoncreds", ANONCREDS_REGISTRY), "local", "http://0")


def roles() -> RolesClient:
    return RolesClient(offline("roles", DID_REGISTRY), "local", "http://unused")


def words(*hex_words: str) -> bytes:
    """Calldata written as a selector followed by 32-byte words."""
    return bytes.fromhex("".join(hex_words))


def domain_separator(name: str, contract: str) -> bytes:
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [type_hash, keccak(text=name), keccak(text="1"), CHAIN_ID, contract],
        )
    )


def solidity_digest(name: str, contract: str, struct_hash: bytes) -> bytes:
    return keccak(b"\x19\x01" + domain_separator(name, contract) + struct_hash)


# --- calldata ---------------------------------------------------------------------------------


def test_grant_role_calldata() -> None:
    write = roles().grant("ENDORSER", AUTHOR)
    assert build_calldata(write) == words(
        "2f2ff15d",  # grantRole(bytes32,address), as in OpenZeppelin's IAccessControl
        "38969cbdceedd5bf7b3b0498e24dbbd472dfd32dcb1e8aba4a8f347a3df82037",  # keccak("ENDORSER")
        "0000000000000000000000001111111111111111111111111111111111111111",
    )


def test_trustee_proposal_calldata() -> None:
    write = roles().propose_trustee_change(AUTHOR, grant=False)
    assert build_calldata(write) == words(
        "a5dc4524",  # proposeTrusteeChange(address,bool)
        "0000000000000000000000001111111111111111111111111111111111111111",
        "0000000000000000000000000000000000000000000000000000000000000000",
    )


def test_direct_create_did_calldata() -> None:
    write = dids().create(VERKEY, ENDPOINT)
    assert build_calldata(write, Endorsement.direct(AUTHOR)) == words(
        "738ba6df",  # createDid(bytes32,string,(address,uint256,uint256,bytes))
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",  # verkey
        "0000000000000000000000000000000000000000000000000000000000000060",  # -> endpoint
        "00000000000000000000000000000000000000000000000000000000000000a0",  # -> endorsement
        "000000000000000000000000000000000000000000000000000000000000001f",  # endpoint length
        "68747470733a2f2f636f6c6c6567652e6578616d706c652f646964636f6d6d00",  # endpoint
        "0000000000000000000000001111111111111111111111111111111111111111",  # author
        "0000000000000000000000000000000000000000000000000000000000000000",  # nonce
        "0000000000000000000000000000000000000000000000000000000000000000",  # deadline
        "0000000000000000000000000000000000000000000000000000000000000080",  # -> signature
        "0000000000000000000000000000000000000000000000000000000000000000",  # signature length
    )


def test_endorsed_schema_calldata() -> None:
    issuer = LerDid.from_verkey("local", VERKEY)
    payload = b'{"attrNames":["skill","level"]}'
    write = anoncreds().register_schema(SchemaId(issuer, "skills", "1.0"), payload)
    signature = bytes(range(65))
    signature_selector = (
        "registerSchema(bytes16,string,string,bytes,(address,uint256,uint256,bytes))"
    )
    expected = keccak(text=signature_selector)[:4] + encode(
        ["bytes16", "string", "string", "bytes", ENDORSEMENT_TUPLE],
        [VERKEY[:16], "skills", "1.0", payload, (AUTHOR, NONCE, DEADLINE, signature)],
    )
    built = build_calldata(write, Endorsement(AUTHOR, NONCE, DEADLINE, signature))
    assert built == expected
    assert built[:4].hex() == "494507ed"


def test_signed_write_carries_its_endorsement() -> None:
    signed = SignedWrite(
        chain_id=CHAIN_ID,
        contract="dids",
        contract_address=DID_REGISTRY,
        function="createDid",
        args={"verkey": "0x" + VERKEY.hex(), "endpoint": ""},
        summary="create",
        author=AUTHOR.lower(),
        nonce=str(NONCE),
        deadline=DEADLINE,
        signature="0x" + "ab" * 65,
    )
    assert signed.endorsement == Endorsement(AUTHOR, NONCE, DEADLINE, b"\xab" * 65)


def test_builders_refuse_what_the_contract_would() -> None:
    create = dids().create(VERKEY)
    with pytest.raises(LedgerInputError, match="endorsable"):
        build_calldata(create)
    with pytest.raises(LedgerInputError, match="cannot be endorsed"):
        build_calldata(roles().grant("STEWARD", AUTHOR), Endorsement.direct(AUTHOR))
    direct = Endorsement.direct(AUTHOR)
    with pytest.raises(LedgerInputError, match="missing arguments"):
        build_calldata(Write("dids", "createDid", {"verkey": VERKEY}, "x"), direct)
    with pytest.raises(LedgerInputError, match="no function"):
        build_calldata(Write("dids", "mintDid", {}, "x"))
    with pytest.raises(LedgerInputError, match="do not fit"):
        build_calldata(
            Write("dids", "createDid", {"verkey": b"short", "endpoint": ""}, "x"),
            Endorsement.direct(AUTHOR),
        )


# --- what authors sign ------------------------------------------------------------------------


def test_create_did_digest_matches_the_contracts_formula() -> None:
    write = dids().create(VERKEY, ENDPOINT)
    struct_hash = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "address", "uint256", "uint256"],
            [
                keccak(
                    text="CreateDid(bytes32 verkey,string endpoint,address author,uint256 nonce,"
                    "uint256 deadline)"
                ),
                VERKEY,
                keccak(text=ENDPOINT),
                AUTHOR,
                NONCE,
                DEADLINE,
            ],
        )
    )
    digest = endorsing_digest(
        write,
        chain_id=CHAIN_ID,
        contract_address=DID_REGISTRY,
        author=AUTHOR,
        nonce=NONCE,
        deadline=DEADLINE,
    )
    assert digest == solidity_digest("LerDidRegistry", DID_REGISTRY, struct_hash)
    assert digest.hex() == "271b7f31929aed5cd3000b5c3ecb9d8908a6761527e830429f34fab7e2933a47"


def test_schema_digest_hashes_the_payload_not_the_bytes() -> None:
    issuer = LerDid.from_verkey("local", VERKEY)
    payload = b'{"attrNames":["skill"]}'
    write = anoncreds().register_schema(SchemaId(issuer, "skills", "2.0"), payload)
    struct_hash = keccak(
        encode(
            [
                "bytes32",
                "bytes16",
                "bytes32",
                "bytes32",
                "bytes32",
                "address",
                "uint256",
                "uint256",
            ],
            [
                keccak(
                    text="RegisterSchema(bytes16 issuer,string name,string version,"
                    "bytes32 payloadHash,address author,uint256 nonce,uint256 deadline)"
                ),
                VERKEY[:16],
                keccak(text="skills"),
                keccak(text="2.0"),
                keccak(payload),
                AUTHOR,
                NONCE,
                DEADLINE,
            ],
        )
    )
    digest = endorsing_digest(
        write,
        chain_id=CHAIN_ID,
        contract_address=ANONCREDS_REGISTRY,
        author=AUTHOR,
        nonce=NONCE,
        deadline=DEADLINE,
    )
    assert digest == solidity_digest("LerAnonCredsRegistry", ANONCREDS_REGISTRY, struct_hash)


def test_author_signature_is_over_the_digest() -> None:
    author = LocalSigner(b"\x42" * 32)
    write = dids().create(VERKEY, ENDPOINT)
    fields = {
        "chain_id": CHAIN_ID,
        "contract_address": DID_REGISTRY,
        "author": author.address,
        "nonce": NONCE,
        "deadline": DEADLINE,
    }
    signature = author.sign_typed_data(typed_data(write, **fields))
    expected = Account.unsafe_sign_hash(endorsing_digest(write, **fields), author.private_key)
    assert signature == bytes(expected.signature)  # RFC 6979: deterministic, byte for byte


def test_type_strings_match_the_solidity_sources() -> None:
    """Each EIP-712 type string appears verbatim in a contract's ``*_TYPEHASH``."""
    sources = "".join(path.read_text() for path in CONTRACTS.glob("*.sol"))
    declared = set(re.findall(r'keccak256\(\s*"([A-Za-z]+\([^"]*\))"\s*\)', sources))
    assert {op.type_string for op in ENDORSABLE.values()} == declared


# --- revert explanations ----------------------------------------------------------------------


def test_only_a_passed_deadline_explains_a_bare_revert() -> None:
    raced = LedgerRevertError(message="reverted in block 9", error_name="Reverted")
    assert explain_endorsed_revert(raced, deadline=100, ledger_time=100) is raced
    expired = explain_endorsed_revert(raced, deadline=100, ledger_time=101)
    assert isinstance(expired, EndorsementExpiredSignature)
    assert "expired" in str(expired) and "1970-01-01T00:01:40Z" in str(expired)
    named = DidRegistryDeactivated({"id": b"\x01" * 16})
    assert explain_endorsed_revert(named, deadline=100, ledger_time=500) is named


def test_expired_revert_data_decodes_with_its_deadline() -> None:
    data = keccak(text="EndorsementExpiredSignature(uint256)")[:4] + encode(["uint256"], [DEADLINE])
    error = revert_error_from_data("0x" + data.hex())
    assert isinstance(error, EndorsementExpiredSignature)
    assert error.details == {"deadline": DEADLINE}
    assert "expired" in str(error) and "2027-01-15T08:00:00Z" in str(error)


def test_every_deployed_contract_has_a_client_key() -> None:
    assert sorted(CONTRACT_ARTIFACTS.values()) == sorted(CONTRACT_NAMES)
