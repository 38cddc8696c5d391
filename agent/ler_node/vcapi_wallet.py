"""A VC-API wallet written from the specs (VC-API exchanges, VP Request Spec), holding a did:key.

A small tool for the demo and the tests: it stands in for a learner's phone. It is what a
Learner Credential Wallet does, and no more: open a link (LCW's
``https://lcw.app/request?request=...`` or an interaction URL), ``POST {}`` to the exchange URL,
read the ``verifiablePresentationRequest``, answer ``DIDAuthentication`` with a presentation
signed (eddsa-rdfc-2022, purpose ``authentication``) over the challenge and domain, answer a
``QueryByExample`` with the stored credentials whose fields include the example's, and keep what
the exchange hands back. It knows nothing of the server beyond those messages.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from ler_badges import (
    add_proof,
    did_key_from_public_key,
    did_key_verification_method,
    local_signer,
    public_key_of,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"


class ExchangeFailed(Exception):
    """The server answered 4xx/5xx: ``status`` and its JSON body."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def matches(example: Any, value: Any) -> bool:
    """QueryByExample: every field of the example is in the value (lists: every element)."""
    if isinstance(example, dict):
        return isinstance(value, dict) and all(matches(v, value.get(k)) for k, v in example.items())
    if isinstance(example, list):
        values = value if isinstance(value, list) else [value]
        return all(item in values for item in example)
    return example == value


@dataclass
class VcApiWallet:
    """A holder with one Ed25519 did:key and a list of credentials."""

    secret: bytes = field(default_factory=lambda: os.urandom(32))
    credentials: list[dict[str, Any]] = field(default_factory=list)

    @property
    def did(self) -> str:
        """The wallet's did:key."""
        return did_key_from_public_key(public_key_of(self.secret))

    @property
    def method(self) -> str:
        """The verification method of its key (``did:key:z...#z...``)."""
        return did_key_verification_method(public_key_of(self.secret))

    async def exchange_url(self, http: aiohttp.ClientSession, link: str) -> str:
        """The VC-API exchange URL a link leads to."""
        query = parse_qs(urlsplit(link).query)
        if "request" in query:  # LCW's deep link: a JSON wallet request with its protocols
            return json.loads(query["request"][0])["protocols"]["vcapi"]
        if "iuv" in query:  # an interaction URL: GET its protocols
            async with http.get(link, headers={"Accept": "application/json"}) as response:
                body = await response.json()
                if response.status >= 400:
                    raise ExchangeFailed(response.status, body)
            return body["protocols"]["vcapi"]
        return link

    async def post(self, http: aiohttp.ClientSession, url: str, body: dict) -> dict[str, Any]:
        """POST JSON to an exchange; raises :class:`ExchangeFailed` on an error status."""
        async with http.post(url, json=body) as response:
            answer = await response.json()
            if response.status >= 400:
                raise ExchangeFailed(response.status, answer)
            return answer

    async def presentation(
        self, request: dict[str, Any], credentials: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A presentation signed over the request's challenge and domain."""
        presentation: dict[str, Any] = {
            "@context": [VC_V2],
            "type": ["VerifiablePresentation"],
            "holder": self.did,
        }
        if credentials:
            presentation["verifiableCredential"] = credentials
        return await add_proof(
            presentation,
            sign=local_signer(self.secret),
            verification_method=self.method,
            proof_purpose="authentication",
            options={"challenge": request["challenge"], "domain": request["domain"]},
        )

    def select(self, request: dict[str, Any]) -> list[dict[str, Any]]:
        """The stored credentials a request's QueryByExample queries ask for."""
        queries = request.get("query")
        queries = queries if isinstance(queries, list) else [queries]
        chosen: list[dict[str, Any]] = []
        for query in queries:
            if query.get("type") != "QueryByExample":
                continue
            example = query["credentialQuery"]["example"]
            chosen += [c for c in self.credentials if matches(example, c) and c not in chosen]
        return chosen

    async def start(self, http: aiohttp.ClientSession, link: str) -> tuple[str, dict[str, Any]]:
        """Open a link and start its exchange: (exchange URL, its presentation request)."""
        url = await self.exchange_url(http, link)
        answer = await self.post(http, url, {})
        return url, answer["verifiablePresentationRequest"]

    async def answer(
        self, http: aiohttp.ClientSession, url: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        """Answer a request (DIDAuthentication and/or QueryByExample); keep what comes back."""
        presentation = await self.presentation(request, self.select(request))
        target = request.get("interact", {}).get("service", [{}])[0].get("serviceEndpoint", url)
        answer = await self.post(http, target, {"verifiablePresentation": presentation})
        received = (answer.get("verifiablePresentation") or {}).get("verifiableCredential") or []
        self.credentials += received if isinstance(received, list) else [received]
        return answer

    async def run(self, http: aiohttp.ClientSession, link: str) -> dict[str, Any]:
        """A whole exchange from its link."""
        url, request = await self.start(http, link)
        return await self.answer(http, url, request)
