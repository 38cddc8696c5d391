"""Events the plugin listens to (its webhooks are emitted where their events happen)."""

from __future__ import annotations

from acapy_agent.core.event_bus import Event, EventBus
from acapy_agent.core.profile import Profile
from acapy_agent.core.util import STARTUP_EVENT_PATTERN

from . import exchanges, tenant_exchanges
from .endorsement import settling
from .verifier import presentation_verdicts


def register(event_bus: EventBus) -> None:
    """Subscribe every handler of the plugin."""
    event_bus.subscribe(STARTUP_EVENT_PATTERN, on_startup)
    presentation_verdicts.register(event_bus)
    exchanges.register(event_bus)  # which exchanges may stall, for the settling loop's check
    tenant_exchanges.install()  # and which of a hosted agent's tenants


async def on_startup(profile: Profile, event: Event) -> None:
    """Reconcile wallet and ledger: settle open writes, answer requests left unanswered."""
    settling.start(profile)
