"""`ler-node ledger genesis`: Besu QBFT genesis, validator node keys, allowlists."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import time
import tomllib
from pathlib import Path

import pytest
import rlp
from eth_account import Account
from eth_utils import is_checksum_address, keccak, to_checksum_address, to_int
from packaging_testkit import run_cli
from web3 import Web3

from ler_chain import LocalSigner, deploy_network
from ler_contracts import load_artifact
from ler_node.errors import LerNodeError
from ler_node.ledger.genesis import (
    DEFAULT_CHAIN_ID,
    NodeKey,
    decode_qbft_extra_data,
    milestones,
    qbft_extra_data,
    qbft_genesis,
)
from ler_node.paths import anvil_binary
from ler_node.processes import free_port

TRUSTEE = "0x52c4448861f74e1605F077AC1167e25547A326A8"
OTHER = "0x000000000000000000000000000000000000dEaD"

# Known answers from Besu itself, for the same validator addresses:
# - hyperledger/besu, RLPSubCommandTest.canEncodeToQbftExtraData (app/src/test/java/org/hyperledger/
#   besu/cli/subcommands/rlp/): the output of `besu rlp encode --type=QBFT_EXTRA_DATA`;
# - besu-docs docs/private-networks/how-to/configure/consensus/qbft.md, the genesis example.
BESU_RLP_ENCODE = (
    ["0xbe068f726a13c8d46c44be6ce9d275600e1735a4", "0x5ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c193"],
    "0xf84fa00000000000000000000000000000000000000000000000000000000000000000ea94be068f726a13c8d"
    "46c44be6ce9d275600e1735a4945ff6f4b66a46a2b2310a6f3a93aaddc0d9a1c193c080c0",
)
BESU_DOCS_GENESIS = (
    [
        "0x64a702e6263b7297a96638cac6ae65e6541f4169",
        "0x3923390ad55e90c237593b3b0e401f3b08a03185",
        "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
        "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78",
    ],
    "0xf87aa00000000000000000000000000000000000000000000000000000000000000000f8549464a702e6263b72"
    "97a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08a0318594aefdb9a738c9f433e5b6b2"
    "12a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0",
)


@pytest.mark.parametrize("validators, expected", [BESU_RLP_ENCODE, BESU_DOCS_GENESIS])
def test_extra_data_is_what_besu_encodes(validators: list[str], expected: str) -> None:
    assert qbft_extra_data(validators) == expected
    decoded = decode_qbft_extra_data(expected)
    assert decoded.validators == [to_checksum_address(v) for v in validators]


def test_extra_data_decodes_to_the_validators_in_order() -> None:
    nodes = [NodeKey.generate(f"validator{i}") for i in range(1, 6)]
    extra = qbft_extra_data([n.address for n in nodes])
    vanity, validators, vote, round_, seals = rlp.decode(bytes.fromhex(extra[2:]))
    assert vanity == bytes(32)
    assert [to_checksum_address(v) for v in validators] == [n.address for n in nodes]
    assert (vote, round_, seals) == ([], b"", [])
    decoded = decode_qbft_extra_data(extra)
    assert decoded.round == 0 and decoded.seals == [] and decoded.vote == []


def test_node_key_address_is_derived_from_the_public_key() -> None:
    node = NodeKey.generate("validator1")
    assert len(node.private_key) == 32 and len(node.public_key) == 64
    assert node.address == Account.from_key(node.private_key).address
    assert node.address == to_checksum_address(keccak(node.public_key)[-20:])
    assert node.enode() == f"enode://{node.public_key.hex()}@validator1:30303"
    assert node.enode("10.0.0.5", 30304).endswith("@10.0.0.5:30304")


def test_milestone_is_the_contracts_evm_version() -> None:
    evm_version = load_artifact("LerRoles").evm_version
    assert evm_version == "shanghai"
    config = qbft_genesis([TRUSTEE])["config"]
    assert config["shanghaiTime"] == 0
    assert config["berlinBlock"] == 0 and config["londonBlock"] == 0
    assert not {k for k in config if re.match(r"(cancun|prague|osaka|bpo\d)", k, re.I)}
    with pytest.raises(LerNodeError, match="cancun"):
        milestones("cancun")


def test_genesis_has_free_gas_and_qbft_config() -> None:
    genesis = qbft_genesis([TRUSTEE], chain_id=99, block_period=3, request_timeout=12)
    config = genesis["config"]
    assert config["chainId"] == 99 and config["zeroBaseFee"] is True
    assert config["qbft"] == {
        "blockperiodseconds": 3,
        "epochlength": 30000,
        "requesttimeoutseconds": 12,
    }
    assert to_int(hexstr=genesis["baseFeePerGas"]) == 0
    assert genesis["alloc"] == {}
    assert genesis["difficulty"] == "0x1"
    with pytest.raises(LerNodeError, match="request timeout"):
        qbft_genesis([TRUSTEE], block_period=10, request_timeout=10)
    with pytest.raises(LerNodeError, match="at least one validator"):
        qbft_genesis([])


def test_cli_writes_a_loadable_network(tmp_path: Path) -> None:
    out = tmp_path / "besu"
    result = run_cli(
        "ledger", "genesis", "--validators", "4", "--out", str(out), "--chain-id", "4242",
        "--block-period", "5", "--trustee", TRUSTEE.lower(), "--account", OTHER,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"  {(out / 'validator1' / 'key').resolve()}\n" in result.output

    genesis = json.loads((out / "genesis.json").read_text())
    assert genesis["config"]["chainId"] == 4242
    assert genesis["config"]["qbft"]["blockperiodseconds"] == 5
    for field in ("nonce", "timestamp", "gasLimit", "baseFeePerGas", "difficulty"):
        to_int(hexstr=genesis[field])
    # Besu's QBFT block identifier (QBFT docs: mixHash for Istanbul block identification)
    assert Web3.to_bytes(hexstr=genesis["mixHash"]) == b"ctical byzantine fault tolerance"

    nodes = []
    for i in range(1, 5):
        key_file = out / f"validator{i}" / "key"
        assert key_file.stat().st_mode & 0o777 == 0o600
        text = key_file.read_text()
        assert re.fullmatch(r"[0-9a-f]{64}", text), "Besu expects one line of 0x-less hex"
        node = NodeKey(f"validator{i}", bytes.fromhex(text))
        public = (out / f"validator{i}" / "key.pub").read_text().strip()
        assert public == "0x" + node.public_key.hex()
        nodes.append(node)
    validators = decode_qbft_extra_data(genesis["extraData"]).validators
    assert validators == [n.address for n in nodes]
    assert all(is_checksum_address(v) for v in validators)

    permissions = tomllib.loads((out / "permissions_config.toml").read_text())
    assert permissions["accounts-allowlist"] == [TRUSTEE, OTHER]
    enodes = [f"enode://{n.public_key.hex()}@validator{i}:30303" for i, n in enumerate(nodes, 1)]
    assert permissions["nodes-allowlist"] == enodes
    assert json.loads((out / "static-nodes.json").read_text()) == enodes


def test_cli_creates_and_allows_the_trustee_key(tmp_path: Path, no_password_env: None) -> None:
    key_file, password_file = tmp_path / "trustee.json", tmp_path / "trustee.password"
    result = run_cli(
        "ledger", "genesis", "--validators", "1", "--out", str(tmp_path / "besu"),
        "--trustee-key-file", str(key_file), "--password-file", str(password_file),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "tolerate no faulty node" in result.output
    address = Account.from_key(
        Account.decrypt(json.loads(key_file.read_text()), password_file.read_text().strip())
    ).address
    assert password_file.stat().st_mode & 0o777 == 0o600
    permissions = tomllib.loads((tmp_path / "besu" / "permissions_config.toml").read_text())
    assert permissions["accounts-allowlist"] == [address]


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "no account would be allowed"),
        (["--trustee", "0x1234"], "not an EVM address"),
        (["--trustee", TRUSTEE, "--block-period", "12"], "request timeout"),
    ],
)
def test_cli_errors_say_what_to_do(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli("ledger", "genesis", "--validators", "4", "--out", str(tmp_path), *args)
    assert result.exit_code == 1
    assert message in result.output and "next:" in result.output
    assert not (tmp_path / "genesis.json").exists()


def test_cli_never_overwrites_keys(tmp_path: Path) -> None:
    args = ["ledger", "genesis", "--validators", "2", "--out", str(tmp_path), "--trustee", TRUSTEE]
    assert run_cli(*args).exit_code == 0
    key = (tmp_path / "validator1" / "key").read_text()
    again = run_cli(*args)
    assert again.exit_code == 1 and "refusing to overwrite" in again.output
    assert (tmp_path / "validator1" / "key").read_text() == key


def test_cli_refuses_keys_a_git_repo_would_commit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    args = ["ledger", "genesis", "--validators", "1", "--trustee", TRUSTEE, "--out"]
    refused = run_cli(*args, str(tmp_path / "keys"))
    assert refused.exit_code == 1 and "not ignored" in refused.output
    assert not (tmp_path / "keys").exists()
    (tmp_path / ".gitignore").write_text("secrets/\n")
    assert run_cli(*args, str(tmp_path / "secrets" / "besu")).exit_code == 0


def test_an_evm_started_from_the_genesis_deploys_with_free_gas(tmp_path: Path) -> None:
    """anvil loads the genesis (chain id, base fee 0); an unfunded trustee deploys for free."""
    out = tmp_path / "besu"
    args = ["--validators", "4", "--out", str(out), "--trustee", TRUSTEE]
    assert run_cli("ledger", "genesis", *args).exit_code == 0
    port = free_port()
    command = [str(anvil_binary()), "--init", str(out / "genesis.json"), "--port", str(port)]
    command += ["--hardfork", load_artifact("LerRoles").evm_version, "--silent"]
    anvil = subprocess.Popen(command)
    try:
        w3 = Web3(Web3.HTTPProvider(f"http://127.0.0.1:{port}"))
        deadline = time.monotonic() + 20
        while not w3.is_connected():
            assert time.monotonic() < deadline, "anvil did not start"
            time.sleep(0.1)
        assert w3.eth.chain_id == DEFAULT_CHAIN_ID
        assert w3.eth.get_block(0)["baseFeePerGas"] == 0
        trustee = LocalSigner.generate()
        descriptor = asyncio.run(
            deploy_network(f"http://127.0.0.1:{port}", "genesis-test", trustee, gas_price=0)
        )
        assert descriptor.chain_id == DEFAULT_CHAIN_ID
        assert w3.eth.get_code(descriptor.contracts.roles) != b""
        assert w3.eth.get_balance(trustee.address) == 0
    finally:
        anvil.terminate()
        anvil.wait(timeout=10)
