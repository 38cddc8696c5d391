"""Periodic sweeps other plugins hook into the settling loop (:mod:`.endorsement.settling`).

A plugin whose records must end within a bound without anyone reading them (e.g. ``ler_badges``'
VC-API exchanges) registers a sweep once, at setup; the settling loop runs every registered
sweep with the agent's root profile every :data:`~.endorsement.settling.INTERVAL` seconds. A
failing sweep is logged and retried on the next round; it never stops the loop or the others.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acapy_agent.core.profile import Profile

LOGGER = logging.getLogger(__name__)

Sweep = Callable[["Profile"], Awaitable[object]]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, sweep: Sweep) -> None:
    """Run ``sweep(root_profile)`` on every round of the settling loop (the last one wins)."""
    _SWEEPS[name] = sweep


async def run_sweeps(root: Profile) -> None:
    """Run every registered sweep once; log (and survive) those that fail."""
    for name, sweep in list(_SWEEPS.items()):
        try:
            await sweep(root)
        except Exception:
            LOGGER.exception("sweep %s failed; retrying on the next round", name)
