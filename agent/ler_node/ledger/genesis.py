"""A Besu QBFT network for a state's ledger: validator node keys, genesis and allowlists.

Pure builders (``qbft_extra_data``, ``qbft_genesis``, ``permissions_config``) and one writer
(``write_network``). The genesis enables the milestone the contracts are compiled for (the
artifacts' ``evmVersion``, shanghai), gas is free (``zeroBaseFee``, base fee 0; nodes run with
``--min-gas-price=0``) and validators are chosen by block header (their addresses in ``extraData``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import coincurve
import rlp
from eth_keys import keys
from eth_utils import is_address, to_canonical_address, to_checksum_address

from ler_contracts import load_artifact

from ..errors import LerNodeError

DEFAULT_CHAIN_ID = 7342
DEFAULT_BLOCK_PERIOD = 2
DEFAULT_REQUEST_TIMEOUT = 10
DEFAULT_EPOCH_LENGTH = 30_000
# Besu's free-gas guide: the largest block gas limit tooling accepts.
DEFAULT_GAS_LIMIT = 0x1FFFFFFFFFFFFF
P2P_PORT = 30303
VALIDATOR_PREFIX = "validator"
# QBFT genesis constants (Besu QBFT docs): "Istanbul" mix hash and difficulty 1.
QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365"
VANITY = bytes(32)

# Block-numbered milestones up to London, all active from genesis.
_BLOCK_MILESTONES = (
    "homesteadBlock",
    "eip150Block",
    "eip155Block",
    "eip158Block",
    "byzantiumBlock",
    "constantinopleBlock",
    "petersburgBlock",
    "istanbulBlock",
    "muirGlacierBlock",
    "berlinBlock",
    "londonBlock",
    "arrowGlacierBlock",
    "grayGlacierBlock",
)
# The genesis key enabling each EVM version we can target; later forks are left out on purpose.
_TIME_MILESTONES = {"shanghai": ("shanghaiTime",)}


@dataclass(frozen=True)
class NodeKey:
    """A validator's secp256k1 node key; its address is what QBFT lists in ``extraData``."""

    name: str
    private_key: bytes

    @classmethod
    def generate(cls, name: str) -> NodeKey:
        """A fresh random key."""
        return cls(name, coincurve.PrivateKey().secret)

    @property
    def public_key(self) -> bytes:
        """The 64-byte uncompressed public key (no 0x04 prefix), the enode id."""
        return keys.PrivateKey(self.private_key).public_key.to_bytes()

    @property
    def address(self) -> str:
        """Checksummed address derived from the public key."""
        return keys.PrivateKey(self.private_key).public_key.to_checksum_address()

    def enode(self, host: str | None = None, port: int = P2P_PORT) -> str:
        """The enode URL, by default on host ``<name>`` (the compose service name)."""
        return f"enode://{self.public_key.hex()}@{host or self.name}:{port}"


@dataclass(frozen=True)
class QbftExtraData:
    """The decoded fields of a QBFT ``extraData``."""

    vanity: bytes
    validators: list[str]
    vote: list[Any]
    round: int
    seals: list[bytes]


def checksum_addresses(addresses: Sequence[str]) -> list[str]:
    """Validate and checksum ``addresses``, dropping repeats and keeping order."""
    result: list[str] = []
    for address in addresses:
        if not is_address(address):
            raise LerNodeError(
                f"{address!r} is not an EVM address",
                hint="pass 0x and 40 hex digits (with a valid checksum if mixed-case)",
            )
        checksummed = to_checksum_address(address)
        if checksummed not in result:
            result.append(checksummed)
    return result


def qbft_extra_data(validators: Sequence[str]) -> str:
    """``RLP([32-byte vanity, [validators], no vote, round 0, no seals])`` as 0x-hex.

    Byte for byte what ``besu rlp encode --type=QBFT_EXTRA_DATA`` prints for the same addresses.
    """
    encoded = rlp.encode([VANITY, [to_canonical_address(a) for a in validators], [], b"", []])
    return "0x" + encoded.hex()


def decode_qbft_extra_data(extra_data: str) -> QbftExtraData:
    """Decode a QBFT ``extraData`` (the inverse of ``qbft_extra_data`` for genesis blocks)."""
    vanity, validators, vote, round_, seals = rlp.decode(
        bytes.fromhex(extra_data.removeprefix("0x"))
    )
    return QbftExtraData(
        vanity=vanity,
        validators=[to_checksum_address(v) for v in validators],
        vote=list(vote),
        round=int.from_bytes(round_, "big"),
        seals=list(seals),
    )


def milestones(evm_version: str) -> dict[str, int]:
    """Genesis milestones enabling exactly ``evm_version`` from block 0 / time 0."""
    if evm_version not in _TIME_MILESTONES:
        raise LerNodeError(
            f"no Besu genesis milestones known for evmVersion {evm_version!r}",
            hint=f"compile the contracts for {', '.join(_TIME_MILESTONES)} "
            "or add the milestone to ler_node/ledger/genesis.py",
        )
    result = dict.fromkeys(_BLOCK_MILESTONES, 0)
    result.update(dict.fromkeys(_TIME_MILESTONES[evm_version], 0))
    return result


def contracts_evm_version() -> str:
    """The EVM version the committed contract artifacts target."""
    return load_artifact("LerRoles").evm_version


def qbft_genesis(
    validators: Sequence[str],
    *,
    chain_id: int = DEFAULT_CHAIN_ID,
    block_period: int = DEFAULT_BLOCK_PERIOD,
    request_timeout: int = DEFAULT_REQUEST_TIMEOUT,
    epoch_length: int = DEFAULT_EPOCH_LENGTH,
    gas_limit: int = DEFAULT_GAS_LIMIT,
    evm_version: str | None = None,
) -> dict[str, Any]:
    """A Besu QBFT genesis with free gas and block-header validator selection."""
    if not validators:
        raise LerNodeError(
            "a QBFT network needs at least one validator", hint="pass --validators 4"
        )
    if request_timeout <= block_period:
        raise LerNodeError(
            f"request timeout {request_timeout}s must exceed the block period {block_period}s",
            hint="raise --request-timeout or lower --block-period",
        )
    config: dict[str, Any] = {"chainId": chain_id}
    config.update(milestones(evm_version or contracts_evm_version()))
    config["zeroBaseFee"] = True
    config["qbft"] = {
        "blockperiodseconds": block_period,
        "epochlength": epoch_length,
        "requesttimeoutseconds": request_timeout,
    }
    return {
        "config": config,
        "nonce": "0x0",
        "timestamp": "0x0",
        "extraData": qbft_extra_data(validators),
        "gasLimit": hex(gas_limit),
        "baseFeePerGas": "0x0",
        "difficulty": "0x1",
        "mixHash": QBFT_MIX_HASH,
        "coinbase": "0x" + "00" * 20,
        # Free gas: no account needs a balance; who may transact is the accounts allowlist.
        "alloc": {},
    }


def _toml_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def permissions_config(accounts: Sequence[str], enodes: Sequence[str]) -> str:
    """Besu's ``permissions_config.toml``: who may send transactions, which nodes may peer."""
    return (
        "# Besu local permissioning, generated by `ler-node ledger genesis`.\n"
        "# Accounts allowed to send transactions (trustees who deploy and govern).\n"
        f"accounts-allowlist={_toml_list(accounts)}\n"
        "# Validators' enode URLs; hostnames need Besu's --Xdns-enabled=true.\n"
        f"nodes-allowlist={_toml_list(enodes)}\n"
    )


@dataclass(frozen=True)
class NetworkFiles:
    """Where ``write_network`` put each file."""

    root: Path
    genesis: Path
    permissions: Path
    static_nodes: Path
    key_files: list[Path]


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def write_network(
    out: Path, nodes: Sequence[NodeKey], genesis: dict[str, Any], accounts: Sequence[str]
) -> NetworkFiles:
    """Write genesis, allowlists, static nodes and each validator's ``key`` (0600) into ``out``.

    Refuses to overwrite: node keys are secrets that a running network depends on.
    """
    taken = [
        out / n for n in ("genesis.json", *(node.name for node in nodes)) if (out / n).exists()
    ]
    if taken:
        raise LerNodeError(
            f"{taken[0]} already exists; refusing to overwrite a network's keys",
            hint="choose another --out directory, or delete the old one if it is no longer used",
        )
    out.mkdir(parents=True, exist_ok=True)
    enodes = [node.enode() for node in nodes]
    key_files = []
    for node in nodes:
        node_dir = out / node.name
        node_dir.mkdir(mode=0o700)
        _write_secret(node_dir / "key", node.private_key.hex())
        (node_dir / "key.pub").write_text("0x" + node.public_key.hex() + "\n", "utf-8")
        key_files.append(node_dir / "key")
    files = NetworkFiles(
        root=out,
        genesis=out / "genesis.json",
        permissions=out / "permissions_config.toml",
        static_nodes=out / "static-nodes.json",
        key_files=key_files,
    )
    files.genesis.write_text(json.dumps(genesis, indent=2) + "\n", "utf-8")
    files.permissions.write_text(permissions_config(accounts, enodes), "utf-8")
    files.static_nodes.write_text(json.dumps(enodes, indent=2) + "\n", "utf-8")
    return files
