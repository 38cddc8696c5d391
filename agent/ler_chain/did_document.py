"""W3C DID documents of did:ler DIDs, built from their ledger record (no ACA-Py needed)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import base58
import multibase

from .models import DidRecord

KEY_FRAGMENT = "#key-1"
SERVICE_FRAGMENT = "#did-communication"
CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


ED25519_PUB_PREFIX = b"\xed\x01"  # multicodec ed25519-pub, as a varint


def ed25519_multikey(verkey: bytes) -> str:
    """``z6Mk…``: an Ed25519 public key as a Multikey (multicodec 0xed, base58btc)."""
    return multibase.encode("base58btc", ED25519_PUB_PREFIX + verkey).decode()


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_did_document(record: DidRecord, *, as_did: str | None = None) -> dict[str, Any]:
    """The DID document: the Ed25519 key as a Multikey, and the DIDComm service if any.

    ``alsoKnownAs`` lists the other DID the ledger records for it (e.g. its did:web). With
    ``as_did`` (that other DID) the same keys and service are described under that DID instead,
    naming the did:ler as ``alsoKnownAs``: the document a college serves as its did:web.
    """
    did = as_did or str(record.did)
    key_id = did + KEY_FRAGMENT
    document: dict[str, Any] = {"@context": CONTEXTS, "id": did}
    if record.deactivated:
        return document
    other = str(record.did) if as_did else record.also_known_as
    if other:
        document["alsoKnownAs"] = [other]
    document["verificationMethod"] = [
        {
            "id": key_id,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": ed25519_multikey(record.verkey),
        }
    ]
    document["authentication"] = [key_id]
    document["assertionMethod"] = [key_id]
    if record.endpoint:
        document["service"] = [
            {
                "id": did + SERVICE_FRAGMENT,
                "type": "did-communication",
                "serviceEndpoint": record.endpoint,
                "recipientKeys": [key_id],
                "routingKeys": [],
                "accept": ["didcomm/aip2;env=rfc19"],
                "priority": 0,
            }
        ]
    return document


def build_document_metadata(record: DidRecord) -> dict[str, Any]:
    """DID document metadata: created, updated, deactivated, versionId (ISO times)."""
    return {
        "created": _iso(record.created),
        "updated": _iso(record.updated),
        "deactivated": record.deactivated,
        "versionId": str(record.version_id),
        "controller": record.controller,
        "verkey": base58.b58encode(record.verkey).decode(),
    }
