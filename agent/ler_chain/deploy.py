"""Deploying a network's contracts and bootstrapping its first trustee."""

from __future__ import annotations

from collections.abc import Callable

from ler_contracts import load_artifact

from .client import connect
from .descriptor import ContractAddresses, NetworkDescriptor
from .registries.roles import role_id
from .signing import Signer
from .transactions import TransactionSender, rpc_errors

Progress = Callable[[str], None]


async def deploy_network(
    rpc_url: str,
    network: str,
    trustee: Signer,
    *,
    gas_price: int | None = 0,
    receipt_timeout: float = 120.0,
    progress: Progress = lambda _msg: None,
) -> NetworkDescriptor:
    """Deploy the five contracts with ``trustee`` as first TRUSTEE (and ENDORSER).

    Works against any EVM JSON-RPC endpoint where ``trustee`` may send transactions (on Besu with
    account permissioning, its address must be allowed in the genesis).
    """
    w3 = connect(rpc_url)
    try:
        async with rpc_errors(rpc_url):
            chain_id = await w3.eth.chain_id
        sender = TransactionSender(
            w3,
            trustee,
            chain_id=chain_id,
            rpc_url=rpc_url,
            gas_price=gas_price,
            receipt_timeout=receipt_timeout,
        )

        async def deploy(name: str, *args: object) -> tuple[str, int]:
            artifact = load_artifact(name)
            factory = w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
            data = factory.constructor(*args).data_in_transaction
            sent = await sender.send(None, data)
            address = sent.receipt["contractAddress"]
            progress(
                f"deployed {name} at {address} (block {sent.block_number}, gas {sent.gas_used})"
            )
            return address, sent.block_number

        roles, first_block = await deploy("LerRoles", trustee.address)
        dids, _ = await deploy("DidRegistry", roles, network)
        anoncreds, _ = await deploy("AnonCredsRegistry", roles, dids)
        accreditation, _ = await deploy("AccreditationRegistry", roles, dids)
        status_lists, _ = await deploy("StatusListRegistry", roles, dids)

        roles_contract = w3.eth.contract(address=roles, abi=load_artifact("LerRoles").abi)
        data = roles_contract.encode_abi("grantRole", args=[role_id("ENDORSER"), trustee.address])
        await sender.send(roles, data)
        progress(f"granted ENDORSER to the first trustee {trustee.address}")
        return NetworkDescriptor(
            network=network,
            chain_id=chain_id,
            rpc_url=rpc_url,
            contracts=ContractAddresses(
                roles=roles,
                dids=dids,
                anoncreds=anoncreds,
                accreditation=accreditation,
                status_lists=status_lists,
            ),
            deployed_block=first_block,
            evm_version=load_artifact("LerRoles").evm_version,
            gas_price=gas_price,
        )
    finally:
        await w3.provider.disconnect()
