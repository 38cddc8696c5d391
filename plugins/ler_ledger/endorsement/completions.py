"""What the owner of a write does once it landed, or once it certainly never will.

Endorsement is a plain transport: it does not know what a write is for. Whoever starts a write
(the AnonCreds registrar, the DID manager, the badges' status lists) names a ``kind`` and a
JSON ``job`` (stored with the write, so it survives restarts), and registers a
:class:`Completion` for that kind. When the chain settles the write, the completion of its kind
runs: ``landed`` when it is on the ledger, ``failed`` when it can never land (refused, expired or
superseded), so that no wallet record claims a success that did not happen.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from acapy_agent.core.profile import Profile

LOGGER = logging.getLogger(__name__)


class Completion(Protocol):
    """The follow-up of one kind of write."""

    async def landed(self, profile: Profile, job: dict[str, Any]) -> None:
        """The write is on the ledger: make the wallet say so."""

    async def failed(self, profile: Profile, job: dict[str, Any]) -> None:
        """The write can never land: remove what was parked for it."""


_COMPLETIONS: dict[str, Completion] = {}


def register_completion(kind: str, completion: Completion) -> None:
    """Run ``completion`` for settled writes of ``kind`` (the last registration wins)."""
    _COMPLETIONS[kind] = completion


async def run_landed(profile: Profile, kind: str, job: dict[str, Any] | None) -> None:
    """Run the ``landed`` follow-up of a write, if its kind has one."""
    completion = _COMPLETIONS.get(kind)
    if completion is not None:
        await completion.landed(profile, job or {})


async def run_failed(profile: Profile, kind: str, job: dict[str, Any] | None) -> None:
    """Run the ``failed`` follow-up of a write, if its kind has one."""
    completion = _COMPLETIONS.get(kind)
    if completion is not None:
        await completion.failed(profile, job or {})
