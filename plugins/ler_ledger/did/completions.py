"""Keeping wallet DIDs in step with their writes: stored, re-keyed or deactivated once landed."""

from __future__ import annotations

from typing import Any

from acapy_agent.core.profile import Profile

from ..endorsement.completions import register_completion
from .wallet_dids import rotate_wallet_did_key, set_did_metadata, store_anchored_did

KIND = "did"


class DidCompletion:
    """A DID write's follow-up in the wallet (a DID is stored only once anchored)."""

    async def landed(self, profile: Profile, job: dict[str, Any]) -> None:
        """Store, re-key or mark the wallet DID as the ledger now says."""
        match job.get("type"):
            case "did_create":
                await store_anchored_did(
                    profile,
                    job["did"],
                    job["verkey"],
                    {"ler": job.get("metadata", {})},
                    job.get("public", False),
                )
            case "did_update":
                await rotate_wallet_did_key(profile, job["did"], job["verkey"])
            case "did_deactivate":
                await set_did_metadata(profile, job["did"], deactivated=True)

    async def failed(self, profile: Profile, job: dict[str, Any]) -> None:
        """Nothing was stored before the write landed, so nothing to undo."""


def register() -> None:
    """Handle settled DID writes."""
    register_completion(KIND, DidCompletion())
