"""JSON-LD documents without the network, for ACA-Py's own flows and for our suite.

ACA-Py's ``DocumentLoader`` fetches every context it does not cache (the OB 3.0 and CLR 2.0
contexts included) over HTTP, which fails on a closed network and lets whoever serves a context
change what a signature covers. :class:`OfflineAcaPyDocumentLoader` replaces it in the injector:
DIDs still go to the DID resolver, contexts come from ler_badges' bundle or ACA-Py's own static
cache, and every other URL is refused without a network call.
"""

from __future__ import annotations

import json
import logging
from functools import cache
from typing import Any

from acapy_agent.vc.ld_proofs.document_downloader import StaticCacheJsonLdDownloader
from acapy_agent.vc.ld_proofs.document_loader import DocumentLoader
from acapy_agent.vc.ld_proofs.error import LinkedDataProofException

from ..document_loader import OfflineDocumentLoader, bundled_context, bundled_context_urls
from ..errors import ContextNotBundledError

LOGGER = logging.getLogger(__name__)


@cache
def acapy_static_contexts() -> dict[str, dict[str, Any]]:
    """The contexts ACA-Py ships in its package (security v1/v2, Ed25519 2020, DIF PE...)."""
    contexts = {}
    for url, entry in StaticCacheJsonLdDownloader().cache.items():
        document = entry["document"]
        contexts[url] = json.loads(document) if isinstance(document, str) else document
    return contexts


@cache
def suite_loader() -> OfflineDocumentLoader:
    """Our offline loader, also serving ACA-Py's static contexts (for documents ACA-Py makes)."""
    extra = {
        url: doc
        for url, doc in acapy_static_contexts().items()
        if url not in bundled_context_urls()
    }
    return OfflineDocumentLoader(extra)


class OfflineAcaPyDocumentLoader(DocumentLoader):
    """ACA-Py's document loader with HTTP fetching replaced by the bundled contexts."""

    def _load_http_document(self, url: str, options: dict) -> dict[str, Any]:
        if url in bundled_context_urls():
            return {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": bundled_context(url),
            }
        if url in acapy_static_contexts():
            return self.requests_loader(url, options)  # served from ACA-Py's static cache
        LOGGER.warning("refused to fetch JSON-LD context %s: it is not bundled", url)
        raise LinkedDataProofException(str(ContextNotBundledError(url)))
