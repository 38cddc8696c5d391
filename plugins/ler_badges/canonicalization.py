"""RDF Dataset Canonicalization of JSON-LD documents, offline and in safe mode.

Canonical form is pyld's ``normalize`` with ``algorithm: URDNA2015`` (the algorithm that
W3C RDF Dataset Canonicalization, RDFC-1.0, standardised) and ``format: application/n-quads``.
Contexts come only from an :class:`~ler_badges.document_loader.OfflineDocumentLoader`.

Safe mode: JSON-LD expansion silently drops a property its contexts do not define, and
RDF conversion silently drops a node or type whose IRI is relative, so a signature would not
cover them. As Data Integrity requires, both are errors here
(:class:`~ler_badges.errors.CanonicalizationError`). Expansion runs with no base IRI, so a
relative IRI stays relative (pyld would otherwise resolve it against an example base).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pyld.jsonld import JsonLdError, JsonLdProcessor

from .document_loader import OfflineDocumentLoader
from .errors import BadgesError, CanonicalizationError

__all__ = ["canonicalize"]

_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*|_):\S*$")


@cache
def _default_loader() -> OfflineDocumentLoader:
    """The shared bundled-only loader (never handed out, so nobody can add to it)."""
    return OfflineDocumentLoader()


def _badges_cause(error: BaseException) -> BadgesError | None:
    """The first of our own errors in an exception's cause chain (pyld wraps loader errors)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, BadgesError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _relative_iris(expanded: Any) -> Iterator[str]:
    """Relative ``@id`` and ``@type`` values anywhere in an expanded JSON-LD document."""
    if isinstance(expanded, list):
        for item in expanded:
            yield from _relative_iris(item)
        return
    if not isinstance(expanded, dict):
        return
    if "@value" in expanded:
        datatype = expanded.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _ABSOLUTE_IRI.match(datatype):
            yield datatype
        return
    node_id = expanded.get("@id")
    if isinstance(node_id, str) and not _ABSOLUTE_IRI.match(node_id):
        yield node_id
    for node_type in expanded.get("@type", []):
        if isinstance(node_type, str) and not _ABSOLUTE_IRI.match(node_type):
            yield node_type
    for key, value in expanded.items():
        if key not in ("@id", "@type"):
            yield from _relative_iris(value)


def canonicalize(document: Mapping[str, Any], loader: OfflineDocumentLoader | None = None) -> str:
    """Canonical N-Quads of a JSON-LD document (RDFC-1.0 / URDNA2015), one quad per line."""
    loader = loader or _default_loader()
    dropped: list[str] = []

    def on_dropped(term: str | None) -> None:
        dropped.append(term or "(unnamed)")

    processor = JsonLdProcessor(on_property_dropped=on_dropped)
    options = {
        "documentLoader": loader,
        "contextResolver": loader.context_resolver(),
        "base": None,
    }
    try:
        expanded = processor.expand(dict(document), options)
    except JsonLdError as error:
        cause = _badges_cause(error)
        if cause is not None:
            raise cause from error
        raise CanonicalizationError(f"the document is not valid JSON-LD: {error}") from error
    if dropped:
        terms = ", ".join(sorted(set(dropped)))
        raise CanonicalizationError(
            f"the document uses terms its @context does not define ({terms}); they would not "
            "be covered by a signature, so the document is refused"
        )
    if relative := sorted(set(_relative_iris(expanded))):
        raise CanonicalizationError(
            f"the document uses relative IRIs ({', '.join(relative)}) where absolute ones are "
            "needed; they would not be covered by a signature, so the document is refused"
        )
    try:
        return processor.normalize(
            expanded, {**options, "algorithm": "URDNA2015", "format": "application/n-quads"}
        )
    except JsonLdError as error:
        raise CanonicalizationError(f"the document cannot be canonicalized: {error}") from error
