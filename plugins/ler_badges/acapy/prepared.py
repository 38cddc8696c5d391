"""Credentials the issuer checked and offered, waiting for ACA-Py to sign them.

An offer is signed later, when the learner's request comes back, by ACA-Py's ``VcLdpManager``
calling our suite; nothing of ours is on that call path. The issuer leaves here, for each
offered credential, the signer it resolved; the suite takes it back when it is handed the very
same document (compared by a digest of its JSON) by the same profile, and then neither checks
the credential again nor looks up the key. Anything else (another document, another profile or
verification method, an agent restarted in between) gets the full check and key lookup.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from acapy_agent.core.profile import Profile

from .did_keys import Signer

#: offers whose requests have not come back are forgotten, oldest first, beyond this many
LIMIT = 1024


def digest(document: Mapping[str, Any]) -> str:
    """SHA-256 of a document's JSON (keys sorted): equal documents, equal digests."""
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ReadyToSign:
    """An offered credential's signer, as the issuer resolved it."""

    profile: Profile
    verification_method: str
    sign: Signer


class PreparedCredentials:
    """Offered credentials by digest, each with the signer the issuer resolved for it."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._ready: OrderedDict[str, ReadyToSign] = OrderedDict()

    def add(self, document: Mapping[str, Any], ready: ReadyToSign) -> None:
        """Remember that ``document`` was checked and is to be signed by ``ready``."""
        self._ready[digest(document)] = ready
        while len(self._ready) > self.limit:
            self._ready.popitem(last=False)

    def take(
        self, profile: Profile, document: Mapping[str, Any], verification_method: str
    ) -> Signer | None:
        """The signer of ``document`` if it was offered by ``profile`` to be signed so."""
        key = digest(document)
        ready = self._ready.get(key)
        if (
            ready is None
            or ready.profile is not profile
            or ready.verification_method != verification_method
        ):
            return None
        del self._ready[key]
        return ready.sign

    def __len__(self) -> int:
        return len(self._ready)
