"""An offline pyld document loader: bundled JSON-LD contexts only, never the network.

Canonicalizing a credential resolves every ``@context`` it names. Fetching those at signing or
verification time would fail on closed networks, leak which credentials are being checked, and
let whoever serves a context change what a signature covers. :class:`OfflineDocumentLoader`
serves the contexts bundled in ``ler_badges/contexts/`` (see ``contexts/SOURCES.md``) plus any
added with :meth:`OfflineDocumentLoader.add_context`, and refuses every other URL with
:class:`~ler_badges.errors.ContextNotBundledError`. It has no code path that opens a socket.

pyld keeps a process-wide cache of resolved contexts keyed by URL, shared with any other loader
in the process (ACA-Py's included). :meth:`OfflineDocumentLoader.context_resolver` gives a
resolver over this loader's own cache, so a context resolved elsewhere can never stand in for
a bundled one.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from pyld.context_resolver import ContextResolver

from .errors import ContextNotBundledError

__all__ = [
    "OfflineDocumentLoader",
    "bundled_context",
    "bundled_context_urls",
]

_CONTEXTS = resources.files(__package__) / "contexts"
_INDEX = "index.json"
_RESOLVED_CACHE_SIZE = 100


@cache
def _index() -> dict[str, str]:
    return json.loads((_CONTEXTS / _INDEX).read_text("utf-8"))


@cache
def _read_bundled(url: str) -> dict[str, Any]:
    document = json.loads((_CONTEXTS / _index()[url]).read_text("utf-8"))
    if not isinstance(document, dict) or "@context" not in document:
        raise ValueError(f"bundled context file for {url} is not a JSON-LD context document")
    return document


def bundled_context_urls() -> frozenset[str]:
    """The context URLs bundled with the package."""
    return frozenset(_index())


def bundled_context(url: str) -> dict[str, Any]:
    """A copy of the bundled context document for ``url``; unknown URLs are refused."""
    if url not in _index():
        raise ContextNotBundledError(url)
    return copy.deepcopy(_read_bundled(url))


class _BoundedCache(OrderedDict[str, Any]):
    """The little thread-safe LRU mapping pyld's :class:`ContextResolver` needs."""

    def __init__(self, maxsize: int) -> None:
        super().__init__()
        self._maxsize = maxsize
        self._lock = threading.RLock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key in self:
                self.move_to_end(key)
                return super().__getitem__(key)
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)
            self.move_to_end(key)
            while len(self) > self._maxsize:
                self.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            super().clear()


class OfflineDocumentLoader:
    """A pyld ``documentLoader`` that serves bundled contexts and refuses any other URL.

    Call it as pyld does, ``loader(url, options)``. Pass it to pyld together with its own
    resolver: ``{"documentLoader": loader, "contextResolver": loader.context_resolver()}``.
    """

    def __init__(
        self,
        extra_contexts: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        include_bundled: bool = True,
    ) -> None:
        self._include_bundled = include_bundled
        self._extra: dict[str, dict[str, Any]] = {}
        self._resolved = _BoundedCache(_RESOLVED_CACHE_SIZE)
        for url, document in (extra_contexts or {}).items():
            self.add_context(url, document)

    @property
    def urls(self) -> frozenset[str]:
        """Every URL this loader will serve."""
        bundled = bundled_context_urls() if self._include_bundled else frozenset()
        return bundled | frozenset(self._extra)

    def add_context(self, url: str, document: Mapping[str, Any]) -> None:
        """Serve ``document`` (a JSON-LD context document with ``@context``) for ``url``.

        Only add contexts you trust: their definitions decide what a signature covers.
        """
        if not isinstance(document, Mapping) or "@context" not in document:
            raise ValueError(f"context for {url} must be a JSON object with an '@context' key")
        self._extra[url] = copy.deepcopy(dict(document))
        self._resolved.clear()

    def __contains__(self, url: object) -> bool:
        return isinstance(url, str) and url in self.urls

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Return the pyld remote document for ``url``; raise if it is not bundled."""
        if url in self._extra:
            document = copy.deepcopy(self._extra[url])
        elif self._include_bundled and url in _index():
            document = bundled_context(url)
        else:
            raise ContextNotBundledError(url)
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    def context_resolver(self) -> ContextResolver:
        """A pyld context resolver that caches in this loader only, never in pyld's global."""
        return ContextResolver(self._resolved, self)
