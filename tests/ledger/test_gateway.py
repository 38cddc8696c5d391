"""The embedded ledger is closed: only the gateway's allowlist is reachable from the host."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from ler_chain import LedgerClient, LocalSigner, NetworkDescriptor
from ler_chain.writes import Endorsement, build_calldata
from ler_node.ledger.anvil import dev_rpc, network_isolation
from ler_node.ledger.gateway import MAX_BODY
from ler_node.ledger.local import LedgerHome, LedgerUp

from .own_ledger import own_ledger

DEAD = "0x000000000000000000000000000000000000dEaD"


async def post(url: str, body: Any, *, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers={"Content-Type": "application/json"}) as response,
    ):
        text = await response.text()
        return response.status, json.loads(text) if text else None


def call(method: str, params: list[Any] | None = None, call_id: int = 1) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": call_id, "method": method, "params": params or []}


def ledger_dir(ledger: LedgerUp) -> Path:
    return ledger.descriptor_file.parent.parent


async def test_the_attack_is_refused(
    descriptor: NetworkDescriptor, ledger: LedgerUp, trustee: LocalSigner
) -> None:
    """impersonate the state's account, then eth_sendTransaction a grant of ENDORSER to 0xdEaD."""
    url = descriptor.rpc_url
    async with LedgerClient(descriptor) as reader:
        grant = reader.roles.grant("ENDORSER", DEAD)
        contract = reader.contracts[grant.contract]
        direct = Endorsement.direct(trustee.address) if grant.endorsable else None
        data = "0x" + build_calldata(grant, direct).hex()
        height = await reader.block_number()
        send = {"from": trustee.address, "to": contract.address, "data": data, "gasPrice": "0x0"}
        attack = [
            call("anvil_impersonateAccount", [trustee.address]),
            call("hardhat_impersonateAccount", [trustee.address]),
            call("eth_sendTransaction", [send]),
        ]
        for attempt in attack:
            status, answer = await post(url, attempt)
            assert status == 200
            assert answer["error"]["code"] == -32601, answer
            assert "method not allowed on this ledger" in answer["error"]["message"]
        assert not await reader.roles.has_role("ENDORSER", DEAD)
        assert await reader.block_number() == height


@pytest.mark.parametrize(
    "method, params",
    [
        ("eth_accounts", []),
        ("evm_mine", []),
        ("evm_snapshot", []),
        ("evm_setNextBlockTimestamp", [4_000_000_000]),
        ("anvil_setBalance", [DEAD, "0xffff"]),
        ("anvil_setCode", [DEAD, "0x00"]),
        ("anvil_dumpState", []),
        ("anvil_reset", []),
        ("hardhat_setStorageAt", [DEAD, "0x0", "0x" + "00" * 32]),
        ("debug_traceTransaction", ["0x" + "00" * 32]),
        ("txpool_content", []),
        ("eth_sign", [DEAD, "0x00"]),
        ("eth_signTypedData_v4", [DEAD, {}]),
        ("personal_sign", ["0x00", DEAD]),
        ("eth_signTransaction", [{"from": DEAD}]),
    ],
)
async def test_unsafe_methods_are_not_allowed(
    descriptor: NetworkDescriptor, method: str, params: list[Any]
) -> None:
    status, answer = await post(descriptor.rpc_url, call(method, params, 7))
    assert status == 200
    assert answer["id"] == 7
    assert answer["error"]["code"] == -32601
    assert answer["error"]["message"] == f"method not allowed on this ledger: {method}"


async def test_allowed_methods_answer(descriptor: NetworkDescriptor) -> None:
    url = descriptor.rpc_url
    for method, params in [
        ("eth_chainId", []),
        ("net_version", []),
        ("web3_clientVersion", []),
        ("eth_gasPrice", []),
        ("eth_syncing", []),
        ("eth_getBalance", [DEAD, "latest"]),
        ("eth_getCode", [descriptor.contracts.roles, "latest"]),
        ("eth_getBlockByNumber", ["latest", False]),
    ]:
        status, answer = await post(url, call(method, params))
        assert status == 200 and "result" in answer, (method, answer)
    _, chain = await post(url, call("eth_chainId"))
    assert int(chain["result"], 16) == descriptor.chain_id
    _, code = await post(url, call("eth_getCode", [descriptor.contracts.roles, "latest"]))
    assert len(code["result"]) > 100


async def test_a_batch_is_filtered_call_by_call(descriptor: NetworkDescriptor) -> None:
    batch = [
        call("eth_chainId", call_id=1),
        call("anvil_setBalance", [DEAD, "0x1"], call_id=2),
        {"jsonrpc": "2.0", "id": 3, "params": []},
        call("eth_blockNumber", call_id="four"),  # type: ignore[arg-type]
        call("eth_accounts", call_id=5),
    ]
    status, answers = await post(descriptor.rpc_url, batch)
    assert status == 200
    by_id = {answer["id"]: answer for answer in answers}
    assert set(by_id) == {1, 2, 3, "four", 5}
    assert int(by_id[1]["result"], 16) == descriptor.chain_id
    assert by_id[2]["error"]["code"] == -32601
    assert by_id[3]["error"]["code"] == -32600
    assert int(by_id["four"]["result"], 16) > 0
    assert by_id[5]["error"]["code"] == -32601
    async with LedgerClient(descriptor) as reader:
        assert await reader.w3.eth.get_balance(DEAD) == 0


@pytest.mark.parametrize(
    "raw, code",
    [
        (b"{not json", -32700),
        (b"", -32700),
        (b"\xff\xfe", -32700),
        (b"42", -32600),
        (b'"eth_chainId"', -32600),
        (b"[]", -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": 5}', -32600),
        (b'{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": 5}', -32600),
        (json.dumps([call("eth_chainId")] * 101).encode(), -32600),
    ],
)
async def test_malformed_input_gets_json_rpc_errors(
    descriptor: NetworkDescriptor, raw: bytes, code: int
) -> None:
    status, answer = await post(descriptor.rpc_url, None, raw=raw)
    assert status == 200
    assert answer["jsonrpc"] == "2.0" and answer["error"]["code"] == code, answer


async def test_an_oversized_body_is_refused(descriptor: NetworkDescriptor) -> None:
    huge = call("eth_call", [{"to": DEAD, "data": "0x" + "00" * MAX_BODY}, "latest"])
    status, answer = await post(descriptor.rpc_url, huge)
    assert status == 413
    assert answer["error"]["code"] == -32600 and "exceeds" in answer["error"]["message"]
    status, fine = await post(descriptor.rpc_url, call("eth_chainId"))
    assert status == 200 and "result" in fine


def _listening_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def test_anvil_has_no_port_on_the_host(ledger: LedgerUp) -> None:
    assert network_isolation(), "this host forbids network namespaces: anvil's port is open"
    home = LedgerHome.in_data_dir(ledger_dir(ledger))
    pid = home.anvil.process.pid()
    assert pid is not None
    sockets = {
        link[len("socket:[") : -1]
        for fd in os.listdir(f"/proc/{pid}/fd")
        if (link := os.readlink(f"/proc/{pid}/fd/{fd}")).startswith("socket:[")
    }
    assert sockets, "anvil should hold its sockets"
    assert not sockets & _listening_inodes()
    gateway = home.anvil.gateway.pid()
    gateway_sockets = {
        link[len("socket:[") : -1]
        for fd in os.listdir(f"/proc/{gateway}/fd")
        if (link := os.readlink(f"/proc/{gateway}/fd/{fd}")).startswith("socket:[")
    }
    assert gateway_sockets & _listening_inodes()  # the check sees listeners when there are some


async def test_only_the_owner_reaches_the_dev_socket() -> None:
    async with own_ledger() as (data_dir, up):
        anvil = LedgerHome.in_data_dir(data_dir).anvil
        assert anvil.private_dir.stat().st_mode & 0o777 == 0o700
        assert int(await dev_rpc(data_dir, "eth_chainId"), 16) == up.descriptor.chain_id
        if os.geteuid() != 0:  # no other user to be here; the mode is what stops them
            assert anvil.private_dir.stat().st_uid == os.geteuid()
            return
        probe = (
            "import socket, sys\n"
            "open(sys.argv[1]).close()\n"  # the ledger directory itself is open to others
            "s = socket.socket(socket.AF_UNIX)\n"
            "try:\n    s.connect(sys.argv[2])\nexcept PermissionError:\n    sys.exit(3)\n"
        )
        python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
        command = [python, "-c", probe, str(up.descriptor_file), str(anvil.ipc_path)]
        denied = await asyncio.create_subprocess_exec(*command, user=65534, group=65534)
        assert await denied.wait() == 3


async def test_a_large_body_under_the_cap_is_served(descriptor: NetworkDescriptor) -> None:
    data = "0x" + "00" * (MAX_BODY // 2 - 1000)  # arrives in many chunks
    status, answer = await post(descriptor.rpc_url, call("eth_call", [{"to": DEAD, "data": data}]))
    assert status == 200 and answer["result"] == "0x", answer
