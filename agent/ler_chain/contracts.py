"""The deployed contracts of a network as web3 contract objects, and ABI-typed JSON."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address
from web3 import AsyncWeb3
from web3.contract import AsyncContract

from ler_contracts import load_artifact

from .descriptor import NetworkDescriptor
from .errors import LedgerInputError
from .writes import CONTRACT_ARTIFACTS, ContractKey


class Contracts:
    """The ler-node contracts of one network, bound to a web3 connection."""

    def __init__(self, w3: AsyncWeb3, descriptor: NetworkDescriptor) -> None:
        addresses = descriptor.contracts.model_dump()
        self._by_key: dict[str, AsyncContract] = {
            key: w3.eth.contract(
                address=to_checksum_address(addresses[key]), abi=load_artifact(name).abi
            )
            for key, name in CONTRACT_ARTIFACTS.items()
        }

    def __getitem__(self, key: ContractKey) -> AsyncContract:
        return self._by_key[key]

    def items(self) -> list[tuple[str, AsyncContract]]:
        """(key, contract) pairs."""
        return list(self._by_key.items())

    def inputs(self, key: ContractKey, function: str) -> list[dict[str, Any]]:
        """ABI inputs of a function."""
        for item in self[key].abi:
            if item.get("type") == "function" and item["name"] == function:
                return list(item["inputs"])
        raise LedgerInputError(f"{CONTRACT_ARTIFACTS[key]} has no function {function!r}")

    def args_to_json(self, key: ContractKey, function: str, args: dict[str, Any]) -> dict[str, Any]:
        """Arguments as JSON values (bytes as 0x-hex, big integers as strings)."""
        types = {i["name"]: i["type"] for i in self.inputs(key, function)}
        return {name: _to_json(types[name], value) for name, value in args.items()}

    def args_from_json(
        self, key: ContractKey, function: str, args: dict[str, Any]
    ) -> dict[str, Any]:
        """Inverse of :meth:`args_to_json`, checking each value against its ABI type."""
        types = {
            i["name"]: i["type"] for i in self.inputs(key, function) if i["name"] != "endorsement"
        }
        unknown = set(args) - set(types)
        if unknown:
            raise LedgerInputError(f"{function}: unknown arguments {sorted(unknown)}")
        return {name: _from_json(types[name], name, args[name]) for name in types if name in args}


def _to_json(abi_type: str, value: Any) -> Any:
    if abi_type.startswith("bytes"):
        return "0x" + bytes(value).hex()
    if abi_type.startswith(("uint", "int")):
        return str(value) if abs(int(value)) >= 2**53 else int(value)
    return value


def _from_json(abi_type: str, name: str, value: Any) -> Any:
    try:
        if abi_type.startswith("bytes"):
            raw = bytes.fromhex(str(value).removeprefix("0x"))
            size = abi_type.removeprefix("bytes")
            if size and len(raw) != int(size):
                raise ValueError(f"expected {size} bytes, got {len(raw)}")
            return raw
        if abi_type.startswith(("uint", "int")):
            return int(value)
        if abi_type == "address":
            return to_checksum_address(value)
        if abi_type == "bool":
            if not isinstance(value, bool):
                raise ValueError("expected true or false")
            return value
        if abi_type == "string":
            if not isinstance(value, str):
                raise ValueError("expected a string")
            return value
    except (ValueError, TypeError) as exc:
        raise LedgerInputError(f"argument {name!r} is not a valid {abi_type}: {exc}") from exc
    raise LedgerInputError(f"argument {name!r} has unsupported type {abi_type}")
