"""The offline document loader: bundled contexts only, unknown URLs refused, no network."""

from __future__ import annotations

from typing import Any

import pytest
from pyld import jsonld

from ler_badges import (
    ContextNotBundledError,
    OfflineDocumentLoader,
    add_proof,
    bundled_context,
    bundled_context_urls,
    canonicalize,
    local_signer,
    verify_proof,
)

from .vectors import SigningVector

UNKNOWN = "https://contexts.example.org/not-bundled/v1.jsonld"
OB_303 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def test_serves_bundled_contexts_as_pyld_remote_documents() -> None:
    loader = OfflineDocumentLoader()
    for url in bundled_context_urls():
        remote = loader(url, {})
        assert remote["documentUrl"] == url
        assert remote["contextUrl"] is None
        assert "@context" in remote["document"]
        assert url in loader


def test_served_documents_are_copies() -> None:
    loader = OfflineDocumentLoader()
    loader(OB_303, {})["document"]["@context"]["poisoned"] = "https://evil.example/"
    assert "poisoned" not in loader(OB_303, {})["document"]["@context"]
    assert "poisoned" not in bundled_context(OB_303)["@context"]


def test_unknown_url_is_refused_with_a_clear_error() -> None:
    with pytest.raises(ContextNotBundledError) as caught:
        OfflineDocumentLoader()(UNKNOWN, {})
    assert caught.value.url == UNKNOWN
    assert UNKNOWN in str(caught.value)
    assert "must be bundled" in str(caught.value)
    assert "network" in str(caught.value)
    with pytest.raises(ContextNotBundledError):
        bundled_context(UNKNOWN)


@pytest.mark.parametrize(
    "url",
    [
        OB_303 + "?",
        OB_303.replace("https://", "http://"),
        OB_303.upper(),
        "https://www.w3.org/ns/credentials/v2/",
    ],
)
def test_matching_is_exact(url: str) -> None:
    with pytest.raises(ContextNotBundledError):
        OfflineDocumentLoader()(url, {})


def test_unknown_context_is_refused_without_a_network_call(
    network_calls: list[str], ob_vector: SigningVector
) -> None:
    credential = dict(ob_vector.credential)
    credential["@context"] = [*credential["@context"], UNKNOWN]
    with pytest.raises(ContextNotBundledError, match="not-bundled"):
        canonicalize(credential)
    assert network_calls == []


def test_the_network_guard_itself_works(network_calls: list[str]) -> None:
    """Prove the guard would see a fetch: pyld's own default loader tries the network."""
    with pytest.raises(jsonld.JsonLdError):
        jsonld.expand({"@context": UNKNOWN, "@id": "urn:x"})
    assert network_calls, "the socket guard did not notice pyld's network loader"


async def test_verification_with_an_unknown_context_makes_no_network_call(
    network_calls: list[str], ob_vector: SigningVector
) -> None:
    signed = await add_proof(
        ob_vector.credential,
        sign=local_signer(ob_vector.secret_key),
        verification_method=ob_vector.proof_options["verificationMethod"],
    )
    signed["@context"] = [*signed["@context"], UNKNOWN]
    with pytest.raises(ContextNotBundledError):
        await verify_proof(signed, ob_vector.public_key)
    assert network_calls == []


def test_signing_and_verifying_the_vectors_makes_no_network_call(
    network_calls: list[str], vector: SigningVector
) -> None:
    assert canonicalize(vector.credential) == vector.document_canon
    assert network_calls == []


def test_extra_contexts_can_be_added() -> None:
    url = "https://ler.example.gov/contexts/transcript-extension/v1"
    document: dict[str, Any] = {"@context": {"gpa": {"@id": "https://ler.example.gov/vocab#gpa"}}}
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "id": "urn:uuid:5e0f6a6e-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential"],
        "gpa": "3.9",
    }
    with pytest.raises(ContextNotBundledError):
        canonicalize(credential)
    loader = OfflineDocumentLoader({url: document})
    assert url in loader.urls
    assert '<https://ler.example.gov/vocab#gpa> "3.9"' in canonicalize(credential, loader)

    later = OfflineDocumentLoader()
    later.add_context(url, document)
    assert canonicalize(credential, later) == canonicalize(credential, loader)
    with pytest.raises(ValueError, match="@context"):
        later.add_context(url, {"gpa": "not a context document"})


def test_replacing_an_added_context_takes_effect() -> None:
    """The loader's resolved-context cache is cleared when a context is (re)added."""
    url = "https://ler.example.gov/contexts/changing/v1"
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", url],
        "id": "urn:uuid:5e0f6a6e-0000-4000-8000-000000000002",
        "type": ["VerifiableCredential"],
        "level": "3",
    }
    loader = OfflineDocumentLoader({url: {"@context": {"level": "https://a.example/level"}}})
    assert "https://a.example/level" in canonicalize(credential, loader)
    loader.add_context(url, {"@context": {"level": "https://b.example/level"}})
    assert "https://b.example/level" in canonicalize(credential, loader)


def test_loader_without_bundled_contexts_refuses_them() -> None:
    loader = OfflineDocumentLoader(include_bundled=False)
    assert loader.urls == frozenset()
    with pytest.raises(ContextNotBundledError):
        loader(OB_303, {})


def test_pyld_global_context_cache_cannot_stand_in_for_a_bundled_context(
    ob_vector: SigningVector,
) -> None:
    """Another loader in the process (ACA-Py's) may cache a different document for a URL."""
    poisoned = bundled_context(OB_303)
    poisoned["@context"]["Achievement"]["@id"] = "https://evil.example/Achievement"

    def other_loader(url: str, _options: Any = None) -> dict[str, Any]:
        document = poisoned if url == OB_303 else bundled_context(url)
        return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}

    try:
        expanded = jsonld.expand(ob_vector.credential, {"documentLoader": other_loader})
        assert "https://evil.example/Achievement" in str(expanded)
        assert canonicalize(ob_vector.credential) == ob_vector.document_canon
    finally:
        jsonld._resolved_context_cache.clear()
