"""Ledger writes: built once, then either sent directly or signed for an endorser.

A :class:`Write` names a contract function and its arguments. An ENDORSER sends it as itself
(``LedgerClient.send``). An author without a role signs it as EIP-712 typed data instead
(``LedgerClient.sign_for_endorsement``), giving a :class:`SignedWrite` that travels as JSON (for
example over DIDComm) to an endorser, who submits it (``LedgerClient.submit``). The EIP-712 type
strings here must hash to the contracts' ``*_TYPEHASH`` constants; the tests check that.

What is signed and what is sent are pure functions of the write and the committed ABI artifacts,
with no node involved: :func:`typed_data` and :func:`endorsing_digest` (what an author signs),
:func:`build_calldata` (the transaction's data). The client only adds nonces, gas and transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, NamedTuple

from eth_abi.exceptions import EncodingError
from eth_account.messages import encode_typed_data
from eth_utils import (
    function_abi_to_4byte_selector,
    get_abi_input_types,
    keccak,
    to_checksum_address,
)
from pydantic import BaseModel, ConfigDict
from web3 import Web3

from ler_contracts import load_artifact

from .errors import LedgerInputError

ContractKey = Literal["roles", "dids", "anoncreds", "accreditation", "status_lists"]

# The artifact of each contract the client talks to, by key (the artifacts: ler_contracts).
CONTRACT_ARTIFACTS: dict[ContractKey, str] = {
    "roles": "LerRoles",
    "dids": "DidRegistry",
    "anoncreds": "AnonCredsRegistry",
    "accreditation": "AccreditationRegistry",
    "status_lists": "StatusListRegistry",
}

# EIP-712 domain names, as passed to EIP712(name, "1") by each endorsable contract.
DOMAIN_NAMES: dict[ContractKey, str] = {
    "dids": "LerDidRegistry",
    "anoncreds": "LerAnonCredsRegistry",
    "status_lists": "LerStatusListRegistry",
}
DOMAIN_VERSION = "1"

ENDORSEMENT_FIELDS = [
    {"name": "author", "type": "address"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]


@dataclass(frozen=True)
class EndorsableOp:
    """How one endorsable function is signed: its EIP-712 type and message fields."""

    type_name: str
    fields: tuple[tuple[str, str], ...]
    message: Callable[[dict[str, Any]], dict[str, Any]]

    @property
    def type_string(self) -> str:
        """``Name(type field,...,address author,uint256 nonce,uint256 deadline)``."""
        parts = [f"{t} {n}" for n, t in self.fields]
        parts += [f"{f['type']} {f['name']}" for f in ENDORSEMENT_FIELDS]
        return f"{self.type_name}({','.join(parts)})"


def _same(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda args: {name: args[name] for name in names}


def _with_payload_hash(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda args: {**{n: args[n] for n in names}, "payloadHash": keccak(args["payload"])}


def _published_list(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "issuer": args["issuer"],
        "listId": args["listId"],
        "previousVersion": args["previousVersion"],
        "listHash": keccak(args["list"]),
    }


def _status_entry(args: dict[str, Any]) -> dict[str, Any]:
    return {
        "revRegKey": args["revRegKey"],
        "previousEntries": args.get("previousEntries", 0),
        "accumulatorHash": keccak(args["accumulator"]),
        "changedHash": keccak(args["changed"]),
    }


_STATUS_ENTRY_FIELDS = (
    ("revRegKey", "bytes32"),
    ("previousEntries", "uint32"),
    ("accumulatorHash", "bytes32"),
    ("changedHash", "bytes32"),
)

ENDORSABLE: dict[tuple[ContractKey, str], EndorsableOp] = {
    ("dids", "createDid"): EndorsableOp(
        "CreateDid", (("verkey", "bytes32"), ("endpoint", "string")), _same("verkey", "endpoint")
    ),
    ("dids", "updateDid"): EndorsableOp(
        "UpdateDid",
        (("id", "bytes16"), ("verkey", "bytes32"), ("endpoint", "string")),
        _same("id", "verkey", "endpoint"),
    ),
    ("dids", "deactivateDid"): EndorsableOp("DeactivateDid", (("id", "bytes16"),), _same("id")),
    ("dids", "setAlsoKnownAs"): EndorsableOp(
        "SetAlsoKnownAs", (("id", "bytes16"), ("alsoKnownAs", "string")), _same("id", "alsoKnownAs")
    ),
    ("dids", "changeController"): EndorsableOp(
        "ChangeController",
        (("id", "bytes16"), ("newController", "address")),
        _same("id", "newController"),
    ),
    ("anoncreds", "registerSchema"): EndorsableOp(
        "RegisterSchema",
        (
            ("issuer", "bytes16"),
            ("name", "string"),
            ("version", "string"),
            ("payloadHash", "bytes32"),
        ),
        _with_payload_hash("issuer", "name", "version"),
    ),
    ("anoncreds", "registerCredentialDefinition"): EndorsableOp(
        "RegisterCredentialDefinition",
        (
            ("issuer", "bytes16"),
            ("schemaKey", "bytes32"),
            ("tag", "string"),
            ("payloadHash", "bytes32"),
        ),
        _with_payload_hash("issuer", "schemaKey", "tag"),
    ),
    ("anoncreds", "registerRevocationRegistryDefinition"): EndorsableOp(
        "RegisterRevocationRegistryDefinition",
        (
            ("issuer", "bytes16"),
            ("credDefKey", "bytes32"),
            ("tag", "string"),
            ("maxCredNum", "uint32"),
            ("payloadHash", "bytes32"),
        ),
        _with_payload_hash("issuer", "credDefKey", "tag", "maxCredNum"),
    ),
    ("anoncreds", "registerRevocationStatusList"): EndorsableOp(
        "StatusListEntry", _STATUS_ENTRY_FIELDS, _status_entry
    ),
    ("anoncreds", "updateRevocationStatusList"): EndorsableOp(
        "StatusListEntry", _STATUS_ENTRY_FIELDS, _status_entry
    ),
    ("status_lists", "publishStatusList"): EndorsableOp(
        "PublishStatusList",
        (
            ("issuer", "bytes16"),
            ("listId", "string"),
            ("previousVersion", "uint32"),
            ("listHash", "bytes32"),
        ),
        _published_list,
    ),
}


@dataclass(frozen=True)
class Write:
    """One contract call that changes the ledger.

    ``args`` maps the function's ABI input names (without the endorsement) to Python values.
    ``nonce_key`` picks the author's keyed-nonce sequence when the write is endorsed: writes with
    different keys can be endorsed in any order, writes with the same key land in order.
    """

    contract: ContractKey
    function: str
    args: dict[str, Any]
    summary: str
    nonce_key: int = 0

    @property
    def endorsable(self) -> bool:
        """Whether an author without a role may sign this write for an endorser."""
        return (self.contract, self.function) in ENDORSABLE

    @property
    def op(self) -> EndorsableOp:
        """The EIP-712 description of an endorsable write."""
        try:
            return ENDORSABLE[(self.contract, self.function)]
        except KeyError:
            raise LedgerInputError(
                f"{self.contract}.{self.function} cannot be endorsed; only an ENDORSER or TRUSTEE "
                "may make it directly"
            ) from None


def typed_data(
    write: Write,
    *,
    chain_id: int,
    contract_address: str,
    author: str,
    nonce: int,
    deadline: int,
) -> dict[str, Any]:
    """The full EIP-712 message an author signs for ``write``."""
    op = write.op
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            op.type_name: [{"name": n, "type": t} for n, t in op.fields] + ENDORSEMENT_FIELDS,
        },
        "primaryType": op.type_name,
        "domain": {
            "name": DOMAIN_NAMES[write.contract],
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(contract_address),
        },
        "message": {
            **op.message(write.args),
            "author": to_checksum_address(author),
            "nonce": nonce,
            "deadline": deadline,
        },
    }


def endorsing_digest(
    write: Write,
    *,
    chain_id: int,
    contract_address: str,
    author: str,
    nonce: int,
    deadline: int,
) -> bytes:
    """The 32-byte EIP-712 digest the author signs (the contract's ``_hashTypedDataV4``)."""
    message = typed_data(
        write,
        chain_id=chain_id,
        contract_address=contract_address,
        author=author,
        nonce=nonce,
        deadline=deadline,
    )
    signable = encode_typed_data(full_message=message)
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


class Endorsement(NamedTuple):
    """The ``Endorsement`` struct every endorsable function takes last."""

    author: str
    nonce: int
    deadline: int
    signature: bytes

    @classmethod
    def direct(cls, submitter: str) -> Endorsement:
        """A direct write: no signature, the submitter is the author."""
        return cls(to_checksum_address(submitter), 0, 0, b"")


# web3's strict codec, as contract.encode_abi uses: a bytes32 must have 32 bytes, not be padded.
_STRICT_CODEC = Web3().codec


@cache
def function_abi(contract: ContractKey, function: str) -> dict[str, Any]:
    """The ABI entry of ``function`` in the committed artifact of ``contract``."""
    if contract not in CONTRACT_ARTIFACTS:
        raise LedgerInputError(
            f"unknown contract {contract!r}; use one of {list(CONTRACT_ARTIFACTS)}"
        )
    matches = [
        item
        for item in load_artifact(CONTRACT_ARTIFACTS[contract]).abi
        if item.get("type") == "function" and item["name"] == function
    ]
    if len(matches) != 1:
        raise LedgerInputError(
            f"{CONTRACT_ARTIFACTS[contract]} has {'no' if not matches else 'an overloaded'} "
            f"function {function!r}"
        )
    return matches[0]


def ordered_args(write: Write) -> list[Any]:
    """The write's arguments in ABI order, without the endorsement."""
    names = [
        i["name"]
        for i in function_abi(write.contract, write.function)["inputs"]
        if i["name"] != "endorsement"
    ]
    missing = set(names) - set(write.args)
    unknown = set(write.args) - set(names)
    if missing or unknown:
        raise LedgerInputError(
            f"{write.function}: missing arguments {sorted(missing)}, unknown {sorted(unknown)}"
        )
    return [write.args[name] for name in names]


def build_calldata(write: Write, endorsement: Endorsement | None = None) -> bytes:
    """The transaction data of ``write``: selector and ABI-encoded arguments.

    An endorsable write needs its ``endorsement`` (:meth:`Endorsement.direct` for a direct one);
    any other write takes none.
    """
    abi = function_abi(write.contract, write.function)
    args = ordered_args(write)
    if write.endorsable:
        if endorsement is None:
            raise LedgerInputError(
                f"{write.function} is endorsable: give the author's endorsement, or "
                "Endorsement.direct(submitter) for a direct write"
            )
        author, nonce, deadline, signature = endorsement
        args.append((to_checksum_address(author), int(nonce), int(deadline), bytes(signature)))
    elif endorsement is not None:
        raise LedgerInputError(f"{write.function} cannot be endorsed; send it without one")
    try:
        encoded = _STRICT_CODEC.encode(get_abi_input_types(abi), args)
    except (EncodingError, TypeError, ValueError, OverflowError) as exc:
        raise LedgerInputError(f"{write.function}: arguments do not fit the ABI ({exc})") from exc
    return function_abi_to_4byte_selector(abi) + encoded


class SignedWrite(BaseModel):
    """A write signed by its author, ready for any endorser to submit.

    Byte values in ``args`` are 0x-hex strings; ``nonce`` is a decimal string (it has 256 bits).
    """

    model_config = ConfigDict(frozen=True)

    chain_id: int
    contract: ContractKey
    contract_address: str
    function: str
    args: dict[str, Any]
    summary: str
    author: str
    nonce: str
    deadline: int
    signature: str

    @property
    def endorsement(self) -> Endorsement:
        """The endorsement struct this signed write carries."""
        return Endorsement(
            to_checksum_address(self.author),
            int(self.nonce),
            self.deadline,
            bytes.fromhex(self.signature.removeprefix("0x")),
        )
