"""Events the plugin listens to, and the webhooks it re-emits for controllers."""

from __future__ import annotations

import re

from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile

from .verifier import events as verifier_events

ANCHOR_TOPIC = "acapy::webhook::ler_anchor"
ANONCREDS_FINISHED = re.compile(
    r"^anoncreds::(schema|credential-definition|revocation-registry-definition|revocation-list)::finished$"
)
ANONCREDS_FAILED = re.compile(r"^anoncreds::revocation-list::update-failed$")
KINDS = {
    "schema": ("schema", "schema_id"),
    "credential-definition": ("cred_def", "cred_def_id"),
    "revocation-registry-definition": ("rev_reg_def", "rev_reg_def_id"),
    "revocation-list": ("rev_list", "rev_reg_def_id"),
}


def register(event_bus: EventBus) -> None:
    """Subscribe every handler of the plugin."""
    event_bus.subscribe(ANONCREDS_FINISHED, on_anoncreds_finished)
    event_bus.subscribe(ANONCREDS_FAILED, on_anoncreds_failed)
    verifier_events.register(event_bus)


async def on_anoncreds_finished(profile: Profile, event: Event) -> None:
    """Re-emit an AnonCreds object's anchoring as the ``ler_anchor`` webhook."""
    match = ANONCREDS_FINISHED.match(event.topic)
    kind, id_field = KINDS[match.group(1)]
    payload = event.payload
    object_id = (
        getattr(payload, id_field, None) if not isinstance(payload, dict) else payload.get(id_field)
    )
    await profile.notify(ANCHOR_TOPIC, {"state": "finished", "kind": kind, "object_id": object_id})


async def on_anoncreds_failed(profile: Profile, event: Event) -> None:
    """Re-emit a failed status list update as the ``ler_anchor`` webhook."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    await profile.notify(
        ANCHOR_TOPIC, {"state": "failed", "kind": "rev_list", "reason": payload.get("msg")}
    )
