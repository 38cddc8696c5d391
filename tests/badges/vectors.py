"""Read the 1EdTech eddsa-rdfc-2022 test vectors and validator fixtures (``tests/fixtures/ob3``).

Every expected value (keys, credential, proof options, canonical N-Quads, hashes, signature,
proof value) is extracted from the published HTML and the N-Quads files it includes; none is
copied into test code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Vendored public test data; origins and licences in ``tests/fixtures/SOURCES.md``.
TEST_DATA = Path(__file__).resolve().parents[1] / "fixtures"
OB3 = TEST_DATA / "ob3"
VECTORS = OB3 / "test-vectors"
FIXTURES = OB3 / "validator-fixtures"


@dataclass(frozen=True)
class SigningVector:
    """One signing example of ``linked-data-proof-{ob,clr}.html``."""

    name: str
    public_key: bytes
    secret_key: bytes
    public_key_multibase: str
    credential: dict[str, Any]
    proof_options: dict[str, Any]
    proof_canon: str
    document_canon: str
    document_hash: str
    proof_hash: str
    data_to_sign: str
    signature: str
    proof_value: str
    proof: dict[str, Any]
    signed_credential: dict[str, Any]


def _text_after_heading(html: str, heading_id: str) -> str:
    """Text of the first ``<code>`` or ``<pre>`` after ``<h3 id=heading_id>``."""
    start = html.index(f'id="{heading_id}"')
    match = re.compile(r"<(code|pre)\b[^>]*>(.*?)</\1", re.S).search(html, start)
    if match is None:
        raise ValueError(f"no <code> or <pre> after heading {heading_id}")
    return match.group(2).strip()


def _pre_by_title(html: str, title: str) -> tuple[str, str]:
    """(attributes, text) of ``<pre ... title="title" ...>``."""
    match = re.search(rf'<pre\b([^>]*\btitle="{re.escape(title)}"[^>]*)>(.*?)</pre', html, re.S)
    if match is None:
        raise ValueError(f'no <pre title="{title}">')
    return match.group(1), match.group(2)


def _included_file(html_path: Path, attributes: str) -> str:
    """Content of a ``data-include="test-vectors/..."`` file, beside the HTML file."""
    include = re.search(r'data-include="([^"]+)"', attributes)
    if include is None:
        raise ValueError("no data-include attribute")
    relative = Path(include.group(1)).relative_to("test-vectors")
    return (html_path.parent / relative).read_text("utf-8")


def _js_object(text: str) -> dict[str, Any]:
    """Parse the flat JS object literals of the HTML (bare keys, single-quoted strings)."""
    quoted_keys = re.sub(r"^(\s*)(\w+):", r'\1"\2":', text, flags=re.M)
    return json.loads(quoted_keys.replace("'", '"'))


def _code_after_label(html: str, label: str) -> str:
    match = re.search(rf"{re.escape(label)}\s*<code\s*>\s*([0-9a-f]+)\s*</code", html, re.S)
    if match is None:
        raise ValueError(f"no <code> after {label!r}")
    return match.group(1)


def load_vector(name: str) -> SigningVector:
    """Parse ``linked-data-proof-{name}.html`` (name: ``ob`` or ``clr``)."""
    path = VECTORS / f"linked-data-proof-{name}.html"
    html = path.read_text("utf-8")
    _, multikey_js = _pre_by_title(html, "Multikey")
    multibase = re.search(r"publicKeyMultibase:\s*'([^']+)'", multikey_js)
    if multibase is None:
        raise ValueError("no publicKeyMultibase in the Multikey example")
    proof_canon_attrs, _ = _pre_by_title(html, "Proof normalized")
    document_canon_attrs, _ = _pre_by_title(html, "Document normalized")
    return SigningVector(
        name=name,
        public_key=bytes.fromhex(_code_after_label(html, "Public key (hex):")),
        secret_key=bytes.fromhex(_code_after_label(html, "Private key (hex):")),
        public_key_multibase=multibase.group(1),
        credential=json.loads(_pre_by_title(html, "Credential")[1]),
        proof_options=_js_object(_pre_by_title(html, "Proof before signing")[1]),
        proof_canon=_included_file(path, proof_canon_attrs),
        document_canon=_included_file(path, document_canon_attrs),
        document_hash=_text_after_heading(html, f"{name}-document-hash"),
        proof_hash=_text_after_heading(html, f"{name}-proof-hash"),
        data_to_sign=_text_after_heading(html, f"{name}-data"),
        signature=_text_after_heading(html, f"{name}-signature"),
        proof_value=_text_after_heading(html, f"{name}-proof-value"),
        proof=json.loads(_pre_by_title(html, "Proof")[1]),
        signed_credential=json.loads(_pre_by_title(html, "Signed credential")[1]),
    )


def load_fixture(relative: str) -> dict[str, Any]:
    """A validator fixture, e.g. ``ob30/simple.json``."""
    return json.loads((FIXTURES / relative).read_text("utf-8"))


def fixture_pinned_keys() -> dict[str, str]:
    """The keys of the fixtures' issuers, as an employer would pin them (method id -> Multikey).

    The fixtures name their keys ``https://issuer.example/...#<multikey>`` on hosts that do not
    exist; an operator trusting those issuers pins these keys in ``ler_badges.verifier``.
    Methods whose fragment is not a valid Multikey (the ``simple-err-proof-method`` fixture)
    cannot be pinned.
    """
    from ler_badges import MultikeyError, decode_multikey

    pinned = {}
    for path in FIXTURES.rglob("*.json"):
        credential = json.loads(path.read_text("utf-8"))
        documents = (
            [credential, *credential.get("credentialSubject", {}).get("verifiableCredential", [])]
            if isinstance(credential.get("credentialSubject"), dict)
            else [credential]
        )
        for document in documents:
            proofs = document.get("proof") or []
            for proof in proofs if isinstance(proofs, list) else [proofs]:
                method = proof.get("verificationMethod", "")
                if method.startswith("https://") and "#" in method:
                    try:
                        decode_multikey(method.split("#", 1)[1])
                    except MultikeyError:
                        continue
                    pinned[method] = method.split("#", 1)[1]
    return pinned
