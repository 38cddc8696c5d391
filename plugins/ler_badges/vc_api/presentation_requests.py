"""The VC-API messages an exchange sends, and the links that start one (pure, no ACA-Py).

An exchange lives at ``<public base>/exchanges/<id>`` (the VC-API "exchange URL"). A wallet
starts it with ``POST`` and an empty JSON object and is answered with a
``verifiablePresentationRequest`` (VPR, W3C CCG Verifiable Presentation Request):

- issuance asks for ``DIDAuthentication``: the wallet signs a presentation over the request's
  ``challenge`` and ``domain`` with the key of the DID the credential is to be issued to;
- presentation asks, by ``QueryByExample``, for an Open Badge, with a challenge and domain too.

People reach an exchange through a link (a QR code holds the same text): the *interaction URL*
(``<exchange URL>/protocols?iuv=1``; a wallet ``GET``s it with ``Accept: application/json`` and
reads ``protocols.vcapi``), or Learner Credential Wallet's own deep link
``https://lcw.app/request?request=<JSON {credentialRequestOrigin, protocols}>``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = [
    "BADGE_TYPES",
    "LCW_REQUEST_URL",
    "badge_query_request",
    "did_auth_request",
    "interaction_url",
    "lcw_request_link",
    "origin_of",
    "presentation_in",
    "protocols",
]

LCW_REQUEST_URL = "https://lcw.app/request"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: Both names of an OB 3.0 badge (the OB context maps them to the same IRI); wallets compare
#: type names as strings, so the request asks for either.
BADGE_TYPES = ("OpenBadgeCredential", "AchievementCredential")


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (the ``domain`` a presentation is bound to)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _interact(exchange_url: str) -> dict[str, Any]:
    return {
        "service": [
            {"type": "VerifiableCredentialApiExchangeService", "serviceEndpoint": exchange_url},
            {"type": "UnmediatedPresentationService2021", "serviceEndpoint": exchange_url},
        ]
    }


def did_auth_request(exchange_url: str, challenge: str, domain: str) -> dict[str, Any]:
    """The VPR of an issuance: prove control of a ``did:key`` (Ed25519)."""
    return {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}]}],
        "challenge": challenge,
        "domain": domain,
        "interact": _interact(exchange_url),
    }


def badge_query_request(
    exchange_url: str, challenge: str, domain: str, achievement_type: str | None = None
) -> dict[str, Any]:
    """The VPR of a presentation: an Open Badge (of ``achievement_type``, if given)."""
    queries = []
    for badge_type in BADGE_TYPES:
        example: dict[str, Any] = {"@context": [VC_V2, OB_CONTEXT], "type": [badge_type]}
        if achievement_type:
            example["credentialSubject"] = {"achievement": {"achievementType": achievement_type}}
        queries.append(
            {
                "type": "QueryByExample",
                "credentialQuery": {
                    "reason": "An employer asks to see this Open Badge.",
                    "example": example,
                },
            }
        )
    return {
        "query": queries,
        "challenge": challenge,
        "domain": domain,
        "interact": _interact(exchange_url),
    }


def protocols(exchange_url: str) -> dict[str, str]:
    """The ``protocols`` object of an exchange (VC-API interaction)."""
    return {"vcapi": exchange_url}


def interaction_url(exchange_url: str) -> str:
    """The interaction URL of an exchange (``GET`` it for its ``protocols``)."""
    return f"{exchange_url}/protocols?iuv=1"


def lcw_request_link(exchange_url: str) -> str:
    """Learner Credential Wallet's deep link to an exchange (opens the app, or its web page)."""
    request = {
        "credentialRequestOrigin": origin_of(exchange_url),
        "protocols": protocols(exchange_url),
    }
    return f"{LCW_REQUEST_URL}?{urlencode({'request': json.dumps(request)})}"


def presentation_in(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The verifiable presentation a wallet sent, or ``None`` if it sent none (starts).

    VC-API wraps it as ``{"verifiablePresentation": {...}}``; a bare presentation is accepted too.
    Raises ``ValueError`` if the body holds something else.
    """
    if not body:
        return None
    presentation = body.get("verifiablePresentation", body)
    types = presentation.get("type") if isinstance(presentation, Mapping) else None
    types = [types] if isinstance(types, str) else types or []
    if not isinstance(presentation, Mapping) or "VerifiablePresentation" not in types:
        raise ValueError(
            'send an empty JSON object to start the exchange, then {"verifiablePresentation": '
            "{...}} with a presentation of type VerifiablePresentation"
        )
    return dict(presentation)
