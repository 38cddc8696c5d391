"""Start-up check: wallet objects claimed as anchored but missing on the ledger are reported."""

from __future__ import annotations

import os

import base58
from acapy_agent.core.event_bus import EventBus, MockEventBus
from acapy_agent.core.profile import Profile

from ler_chain import LerDid
from ler_ledger.did.manager import LerDidManager
from ler_ledger.did.wallet_dids import store_anchored_did
from ler_ledger.reconcile import missing_on_ledger, report_missing


async def test_a_did_the_ledger_lost_is_reported(endorser_profile: Profile) -> None:
    anchored = await LerDidManager(endorser_profile).create()
    verkey = os.urandom(32)
    lost = str(LerDid.from_verkey("local", verkey))
    await store_anchored_did(endorser_profile, lost, base58.b58encode(verkey).decode(), {})
    events = MockEventBus()
    endorser_profile.context.injector.bind_instance(EventBus, events)

    assert await missing_on_ledger(endorser_profile) == [("did", lost)]
    assert anchored["did"] != lost
    await report_missing(endorser_profile)

    webhooks = [e.payload for _, e in events.events if e.topic.endswith("ler_anchor")]
    assert [(w["state"], w["object_id"]) for w in webhooks] == [("missing", lost)]
    assert "publish it again" in webhooks[0]["reason"]
