"""``replicas`` in the network file: which agents may have them, and the ports of each instance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ler_node.network.spec import AgentSpec, NetworkSpec

HOSTED = {
    "id": "hosted",
    "name": "Hosted",
    "role": "holder",
    "multitenant": True,
    "storage": "postgres",
    "admin_port": 8061,
    "inbound_port": 8060,
}
STATE = {
    "id": "state",
    "name": "State",
    "role": "endorser",
    "admin_port": 8021,
    "inbound_port": 8020,
}


def test_instances_of_a_replicated_hosted_agent_have_their_own_ports() -> None:
    agent = AgentSpec.model_validate({**HOSTED, "replicas": 3})
    ports = [(i.instance, i.admin_port, i.inbound_port) for i in agent.instances()]
    assert ports == [(1, 8061, 8060), (2, 8063, 8062), (3, 8065, 8064)]
    assert {i.id for i in agent.instances()} == {"hosted"}  # one agent: same secrets, databases
    moved = NetworkSpec.model_validate(
        {"agents": [STATE, {**HOSTED, "replicas": 2}]}
    ).on_free_ports()
    instances = moved.agents[1].instances()
    assert len(instances) == 2 and instances[1].admin_port != 8063
    assert len({p for i in instances for p in (i.admin_port, i.inbound_port)}) == 4


@pytest.mark.parametrize(
    "change",
    [
        {"storage": "sqlite"},
        {"multitenant": False},
        {"replica_ports": [[9001, 9000], [9003, 9002]]},
    ],
)
def test_replicas_need_a_shared_database_and_a_port_pair_each(change: dict) -> None:
    with pytest.raises(ValidationError):
        AgentSpec.model_validate({**HOSTED, "replicas": 2, **change})


def test_a_replica_port_taken_by_another_agent_is_refused() -> None:
    clash = {**STATE, "admin_port": 8063}
    with pytest.raises(ValidationError, match="ports must all differ"):
        NetworkSpec.model_validate({"agents": [clash, {**HOSTED, "replicas": 2}]})
