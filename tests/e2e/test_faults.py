"""Faults are normal: real processes of the session's network killed with SIGKILL mid-work.

For each fault: nothing reported done is lost, nothing is duplicated, nothing reported failed
lands later, and every write and exchange ends (done, or failed with a reason) within a bound.
Every killed process is brought back with ``network up``, as an operator would.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest
from netkit import Network, held_request

from ler_chain import (
    LedgerClient,
    LedgerNotFoundError,
    NetworkDescriptor,
    Settlement,
    SignedWrite,
    parse_anoncreds_id,
    settle,
)
from ler_node.ledger.local import LedgerHome
from ler_node.network import flows
from ler_node.network.admin import AdminClient
from ler_node.network.hosting import Hosting
from ler_node.network.launcher import connect, network_up
from ler_node.processes import ProcessFiles

OPEN = {"request-sent", "settling"}
FINAL_EXCHANGE = {"done", "abandoned", "credential-revoked"}


def sigkill(files: ProcessFiles) -> None:
    """Kill a process of the network (its whole group) the hard way; return once it is gone."""
    assert files.kill(timeout=10), f"{files.name} is not running"
    assert files.pid() is None, f"{files.name} outlived SIGKILL for 10 s"


async def restart(network: Network) -> None:
    """``network up`` again: it starts what is down and leaves the rest."""
    await network_up(network.spec, network.data_dir, progress=lambda _m: None)


async def author_requests(college: AdminClient, since: set[str]) -> list[dict[str, Any]]:
    records = await college.get("/ler/endorsement/requests", role="author")
    return [r for r in records["results"] if r["endorsement_id"] not in since]


async def until_settled(college: AdminClient, since: set[str], count: int) -> list[dict]:
    """The author's ``count`` (or more) new requests once none is open.

    Bounded by a signature's life (endorsement timeout + grace) and the settling interval.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 150
    while loop.time() < deadline:
        requests = await author_requests(college, since)
        if len(requests) >= count and not any(r["state"] in OPEN for r in requests):
            return requests
        await asyncio.sleep(0.2)
    raise AssertionError(f"writes still open: {await author_requests(college, since)}")


async def check_schemas_against_the_chain(
    network: Network, college: AdminClient, requests: list[dict]
) -> None:
    """Done ones are on the ledger and in the wallet once; failed ones are in neither."""
    descriptor = NetworkDescriptor.load(network.info.descriptor)
    wallet = (await college.get("/anoncreds/schemas"))["schema_ids"]
    assert len(wallet) == len(set(wallet)), "a schema is in the wallet twice"
    async with LedgerClient(descriptor) as reader:
        for request in requests:
            standing = await settle(reader, SignedWrite.model_validate(request["signed_write"]))
            if request["state"] == "done":
                assert standing.settlement is Settlement.LANDED, request
                await reader.anoncreds.schema(parse_anoncreds_id(request["object_id"]))
                assert request["object_id"] in wallet
            else:
                assert request["state"] in ("failed", "refused") and request["reason"], request
                assert standing.settlement is not Settlement.LANDED, request
                assert request["object_id"] not in wallet
                with pytest.raises(LedgerNotFoundError):
                    await reader.anoncreds.schema(parse_anoncreds_id(request["object_id"]))


def schema(issuer: str, name: str) -> dict:
    return {"schema": {"attrNames": ["skill"], "issuerId": issuer, "name": name, "version": "1.0"}}


async def test_anvil_killed_mid_writes_loses_nothing_it_confirmed(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival = admins["rival"]
    since = await flows.endorsement_ids(rival)
    ledger = LedgerHome.in_data_dir(network.data_dir).anvil

    async def publish(index: int) -> None:
        await asyncio.sleep(0.15 * index)
        with contextlib.suppress(Exception):  # some are refused while the ledger is down
            await rival.post("/anoncreds/schema", schema(network.did("rival"), f"Crash{index}"))

    writes = asyncio.gather(*(publish(i) for i in range(8)))
    await asyncio.sleep(0.5)
    sigkill(ledger.process)
    sigkill(ledger.gateway)
    # the ledger comes back while writes are still in flight: a write waiting for it then ends
    # at once instead of at its time bound (waiting for all of them first took up to 2 minutes)
    await restart(network)
    await writes

    requests = await until_settled(rival, since, 1)
    assert requests, "no write reached the endorsement stage"
    assert any(r["state"] == "done" for r in requests) or all(r.get("reason") for r in requests)
    await check_schemas_against_the_chain(network, rival, requests)


async def test_the_endorser_killed_while_holding_approves_after_its_restart(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, state = admins["rival"], admins["state"]
    since = await flows.endorsement_ids(rival)
    await state.put("/ler/endorsement/policy", {"auto_approve": False})
    try:
        await rival.post("/anoncreds/schema", schema(network.did("rival"), "HeldThroughACrash"))
        await rival.wait_for(
            "/ler/endorsement/requests?role=author",
            lambda r: [x for x in r["results"] if x["endorsement_id"] not in since],
            what="the college's request",
        )
        [mine] = await author_requests(rival, since)
        request = await held_request(state, mine["thread_id"])

        sigkill(network.home("state").process)
        await restart(network)

        approved = await state.post(
            f"/ler/endorsement/requests/{request['endorsement_id']}/approve"
        )
        assert approved["state"] == "endorsed"
    finally:
        await state.put("/ler/endorsement/policy", {"auto_approve": True})
    requests = await until_settled(rival, since, 1)
    assert [r["state"] for r in requests] == ["done"]
    await check_schemas_against_the_chain(network, rival, requests)


async def test_the_college_killed_mid_issuance_ends_every_exchange(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    rival, learner = admins["rival"], admins["learner"]
    published = await flows.publish_credential_type(
        rival, network.did("rival"), name="CrashCourse", registry_size=8
    )
    rival_conn, learner_conn = await network.connection(admins, "rival", "learner")
    offers = []
    for index in range(3):
        offers.append(
            await rival.post(
                "/issue-credential-2.0/send-offer",
                {
                    "connection_id": rival_conn,
                    "auto_issue": True,
                    "auto_remove": False,
                    "credential_preview": {
                        "@type": "issue-credential/2.0/credential-preview",
                        "attributes": [
                            {"name": "program", "value": f"Crash {index}"},
                            {"name": "skill", "value": "2.B.3.k"},
                            {"name": "level", "value": "3"},
                            {"name": "date", "value": "2026-11-29"},
                        ],
                    },
                    "filter": {"anoncreds": {"cred_def_id": published.cred_def_id}},
                },
            )
        )
    sigkill(network.home("rival").process)  # mid-issuance: offers out, credentials not all
    await restart(network)

    threads = {offer["thread_id"] for offer in offers}

    async def states(admin: AdminClient, connection_id: str) -> dict[str, str]:
        records = await admin.get("/issue-credential-2.0/records", connection_id=connection_id)
        return {
            r["cred_ex_record"]["thread_id"]: r["cred_ex_record"]["state"]
            for r in records["results"]
            if r["cred_ex_record"]["thread_id"] in threads
        }

    for admin, connection_id in ((rival, rival_conn), (learner, learner_conn)):
        ended = await admin.wait_for(
            f"/issue-credential-2.0/records?connection_id={connection_id}",
            lambda r: all(
                x["cred_ex_record"]["state"] in FINAL_EXCHANGE
                for x in r["results"]
                if x["cred_ex_record"]["thread_id"] in threads
            ),
            what="every interrupted issuance to end",
            timeout=120,
        )
        for record in ended["results"]:
            exchange = record["cred_ex_record"]
            if exchange["thread_id"] in threads and exchange["state"] == "abandoned":
                assert "start a new exchange" in (exchange.get("error_msg") or ""), exchange
    college_side, learner_side = (
        await states(rival, rival_conn),
        await states(learner, learner_conn),
    )
    # a credential the learner holds is one the college recorded as issued
    for thread, state in learner_side.items():
        if state == "done":
            assert college_side.get(thread) in ("done", "credential-revoked"), (thread, state)


async def test_a_tenants_exchange_left_open_by_a_killed_hosted_agent_ends(
    network: Network, admins: dict[str, AdminClient]
) -> None:
    college = admins["college"]
    async with Hosting.of(network.home("hosted")) as hosting:
        tenant = await hosting.create("Sam Stalled")
        async with hosting.as_tenant(tenant) as wallet:
            college_conn, tenant_conn = await connect(college, wallet, "sam")
            # the college answers a proposal only when its registrar does: the tenant waits
            proposal = await wallet.post(
                "/issue-credential-2.0/send-proposal",
                {
                    "connection_id": tenant_conn,
                    "auto_remove": False,
                    "credential_preview": {
                        "@type": "issue-credential/2.0/credential-preview",
                        "attributes": [{"name": "skill", "value": "TIG welding"}],
                    },
                    "filter": {"anoncreds": {}},
                },
            )
    assert proposal["state"] == "proposal-sent"
    college_side = f"/issue-credential-2.0/records?connection_id={college_conn}"
    await college.wait_for(
        college_side,
        lambda r: [x["cred_ex_record"]["state"] for x in r["results"]] == ["proposal-received"],
        what="the college to receive the proposal",
    )
    sigkill(network.home("hosted").process)
    await restart(network)

    async with Hosting.of(network.home("hosted")) as hosting:
        async with hosting.as_tenant(tenant) as wallet:
            ended = await wallet.wait_for(
                f"/issue-credential-2.0/records/{proposal['cred_ex_id']}",
                lambda r: r["cred_ex_record"]["state"] == "abandoned",
                what="the tenant's stalled proposal to be abandoned after the restart",
                timeout=90,
            )
        assert "start a new exchange" in ended["cred_ex_record"]["error_msg"]
        # the college's side waits for a person (its registrar): left alone
        records = (await college.get(college_side))["results"]
        assert [r["cred_ex_record"]["state"] for r in records] == ["proposal-received"]
        await hosting.delete(tenant.wallet_id)
