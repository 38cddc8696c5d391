"""The stalled-exchange check's cost against the exchanges a wallet keeps: full scan or open ones.

A college keeps a record of every credential it issued. Each size fills an in-memory askar
wallet with that many finished issuance records (each carrying an offer of about 8 KB, as an
AnonCreds offer with its key correctness proof does) and 10 open ones, then times one pass of
``abandon_stalled`` reading every record (the full scan, at start-up and hourly) and one
reading only the open ones (every 30 s), as CPU seconds of this process.

    python -m bench.stalled_check [--sizes 100,1000,10000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from typing import Any

from acapy_agent.config.injection_context import InjectionContext
from acapy_agent.core.event_bus import EventBus
from acapy_agent.messaging.decorators.attach_decorator import AttachDecorator
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_format import V20CredFormat
from acapy_agent.protocols.issue_credential.v2_0.messages.cred_offer import V20CredOffer
from acapy_agent.protocols.issue_credential.v2_0.models.cred_ex_record import V20CredExRecord
from acapy_agent.utils.testing import create_test_profile

from ler_ledger.exchanges import abandon_stalled

OPEN_EXCHANGES = 10


def offer() -> dict[str, Any]:
    """An issue-credential 2.0 offer with an attachment of about 8 KB."""
    content = {
        "schema_id": "WgWxqztrNooG92RXvxSTWv:2:skills:1.0",
        "cred_def_id": "WgWxqztrNooG92RXvxSTWv:3:CL:20:tag",
        "nonce": "1234567890",
        "key_correctness_proof": {
            "c": "1",
            "xz_cap": "2",
            "xr_cap": [[f"a{i}", str(int(secrets.token_hex(150), 16))] for i in range(20)],
        },
    }
    return V20CredOffer(
        formats=[V20CredFormat(attach_id="0", format_=V20CredFormat.Format.ANONCREDS.aries)],
        offers_attach=[AttachDecorator.data_base64(content, ident="0")],
    ).serialize()


async def one_size(size: int) -> dict[str, Any]:
    """CPU of a full pass and of an open-only pass over a wallet of ``size`` finished records."""
    settings = {"wallet.type": "askar-anoncreds"}
    context = InjectionContext(settings=settings)
    context.injector.bind_instance(EventBus, EventBus())  # records emit events when saved
    profile = await create_test_profile(settings, context)
    template = offer()
    open_ids: dict[str, type] = {}
    async with profile.session() as session:
        for i in range(size + OPEN_EXCHANGES):
            state = "offer-sent" if i < OPEN_EXCHANGES else "done"
            record = V20CredExRecord(state=state, connection_id="c", cred_offer=template)
            await record.save(session)
            if state != "done":
                open_ids[record._id] = V20CredExRecord
    timings = {}
    for name, only in (("full_scan", None), ("open_only", open_ids)):
        start = time.process_time()
        await abandon_stalled(profile, 300, only=only)
        timings[f"{name}_cpu_ms"] = round((time.process_time() - start) * 1000, 2)
    await profile.close()
    print(f"{size} finished records: {timings}", file=sys.stderr)
    return timings


async def measure(sizes: list[int]) -> dict[str, Any]:
    """Per size: a full pass and an open-only pass, and the full scan against the smallest."""
    results = {str(size): await one_size(size) for size in sizes}
    base = results[str(sizes[0])]["full_scan_cpu_ms"]
    for row in results.values():
        row["full_scan_vs_smallest"] = round(row["full_scan_cpu_ms"] / base, 1)
    return {"open_exchanges": OPEN_EXCHANGES, "by_finished_records": results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",")]
    print(json.dumps(asyncio.run(measure(sizes)), indent=1))


if __name__ == "__main__":
    main()
