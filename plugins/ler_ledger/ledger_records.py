"""What the ledger holds, read from its events (the state console's ledger browser).

DIDs with their versions, schemas, credential definitions and the history of accreditations.
Reads only; the events are the ones the contracts emit for every change
(``ledger_config/contracts/interfaces``).
"""

from __future__ import annotations

from typing import Any

import base58
from eth_utils import keccak

from ler_chain import LedgerClient
from ler_chain.identifiers import CredDefId, LerDid, SchemaId

ACCREDITATION_EVENTS = {
    "IssuerAccredited": "accredited",
    "IssuerSuspended": "suspended",
    "IssuerReinstated": "reinstated",
    "IssuerWithdrawn": "withdrawn",
}


async def _events(contract: Any, name: str, from_block: int, to_block: int) -> list[dict]:
    logs = await getattr(contract.events, name).get_logs(from_block=from_block, to_block=to_block)
    return [
        {**dict(log["args"]), "block_number": log["blockNumber"], "log_index": log["logIndex"]}
        for log in logs
    ]


async def _block_times(chain: LedgerClient, blocks: set[int]) -> dict[int, int]:
    return {n: int((await chain.w3.eth.get_block(n))["timestamp"]) for n in sorted(blocks)}


async def _dids(chain: LedgerClient, network: str, first: int, last: int) -> list[dict]:
    contract = chain.contracts["dids"]
    dids: dict[bytes, dict[str, Any]] = {}
    for event in await _events(contract, "DidCreated", first, last):
        dids[event["id"]] = {
            "did": str(LerDid.from_id(network, event["id"])),
            "controller": event["controller"],
            "deactivated": False,
            "versions": [_version(1, event, "created")],
        }
    for name in ("DidUpdated", "DidDeactivated", "DidAlsoKnownAsChanged"):
        for event in await _events(contract, name, first, last):
            did = dids.get(event["id"])
            if did is None:  # created before ``first``
                continue
            change = {"DidUpdated": "updated", "DidDeactivated": "deactivated"}.get(
                name, "also-known-as"
            )
            did["versions"].append(_version(event["versionId"], event, change))
            did["deactivated"] |= change == "deactivated"
    for did in dids.values():
        did["versions"].sort(key=lambda v: v["version_id"])
    return list(dids.values())


def _version(number: int, event: dict, change: str) -> dict[str, Any]:
    verkey = event.get("verkey")
    return {
        "version_id": number,
        "change": change,
        "block_number": event["block_number"],
        "verkey": base58.b58encode(bytes(verkey)).decode() if verkey else None,
        "endpoint": event.get("endpoint"),
        "also_known_as": event.get("alsoKnownAs"),
    }


async def _anoncreds(
    chain: LedgerClient, network: str, first: int, last: int
) -> tuple[list[dict], list[dict]]:
    contract = chain.contracts["anoncreds"]
    schemas = [
        {
            "schema_id": str(
                SchemaId(LerDid.from_id(network, e["issuer"]), e["name"], e["version"])
            ),
            "issuer": str(LerDid.from_id(network, e["issuer"])),
            "name": e["name"],
            "version": e["version"],
            "seq_no": e["seqNo"],
            "block_number": e["block_number"],
        }
        for e in await _events(contract, "SchemaRegistered", first, last)
    ]
    cred_defs = [
        {
            "cred_def_id": str(
                CredDefId(LerDid.from_id(network, e["issuer"]), e["schemaSeqNo"], e["tag"])
            ),
            "issuer": str(LerDid.from_id(network, e["issuer"])),
            "schema_seq_no": e["schemaSeqNo"],
            "tag": e["tag"],
            "block_number": e["block_number"],
        }
        for e in await _events(contract, "CredentialDefinitionRegistered", first, last)
    ]
    return schemas, cred_defs


async def _accreditations(chain: LedgerClient, network: str, first: int, last: int) -> list[dict]:
    contract = chain.contracts["accreditation"]
    events = []
    for name, action in ACCREDITATION_EVENTS.items():
        events += [(action, e) for e in await _events(contract, name, first, last)]
    events.sort(key=lambda item: (item[1]["block_number"], item[1]["log_index"]))
    types = {e["typeKey"]: e["credentialType"] for a, e in events if a == "accredited"}
    for issuer in {e["issuer"] for a, e in events if e["typeKey"] not in types}:
        for terms in await chain.accreditation.accreditations_of(LerDid.from_id(network, issuer)):
            types[keccak(text=terms.credential_type)] = terms.credential_type
    return [
        {
            "issuer": str(LerDid.from_id(network, e["issuer"])),
            "credential_type": types.get(e["typeKey"], "0x" + bytes(e["typeKey"]).hex()),
            "action": action,
            "by": e["by"],
            "reason": e.get("reason", ""),
            "valid_from": e.get("validFrom"),
            "valid_until": e.get("validUntil"),
            "block_number": e["block_number"],
        }
        for action, e in events
    ]


async def ledger_records(chain: LedgerClient, network: str, from_block: int = 0) -> dict[str, Any]:
    """Everything anchored from ``from_block`` to the latest block, oldest first."""
    last = await chain.block_number()
    first = from_block
    if first > last:  # nothing there yet
        schemas, cred_defs, accreditations, dids = [], [], [], []
    else:
        schemas, cred_defs = await _anoncreds(chain, network, first, last)
        accreditations = await _accreditations(chain, network, first, last)
        dids = await _dids(chain, network, first, last)
    times = await _block_times(chain, {a["block_number"] for a in accreditations} | {last})
    for entry in accreditations:
        entry["time"] = times[entry["block_number"]]
    return {
        "network": network,
        "block": last,
        "time": times[last],
        "from_block": first,
        "dids": dids,
        "schemas": schemas,
        "credential_definitions": cred_defs,
        "accreditations": accreditations,
    }
