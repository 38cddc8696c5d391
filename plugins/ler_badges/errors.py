"""Errors of the Open Badges 3.0 / CLR 2.0 library.

Every error derives from :class:`BadgesError`::

    BadgesError
    ├── ContextNotBundledError       a JSON-LD @context URL that is not bundled (never fetched)
    ├── CanonicalizationError        the document cannot be canonicalized as JSON-LD (safely)
    ├── MultikeyError                a public key or did:key that is not an Ed25519 Multikey
    ├── ProofError                   anything wrong with an eddsa-rdfc-2022 proof
    │   ├── ProofCreationError           the proof could not be made (bad options or signer)
    │   └── ProofVerificationError       the proof does not hold
    │       ├── MalformedProofError          missing or ill-formed proof fields
    │       ├── KeyResolutionError           no public key for the verification method
    │       └── SignatureMismatchError       the signature does not match (content changed)
    └── SchemaValidationError        the credential breaks the OB 3.0 / CLR 2.0 schema
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class BadgesError(Exception):
    """Root of every error raised by :mod:`ler_badges`."""


class ContextNotBundledError(BadgesError):
    """A document names a JSON-LD context URL that is not bundled; it is never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"JSON-LD context {url!r} is not bundled with ler-node and will not be fetched "
            "from the network: contexts must be bundled (add it with "
            "OfflineDocumentLoader.add_context if it is trusted)"
        )
        self.url = url


class CanonicalizationError(BadgesError):
    """The document is not JSON-LD that can be canonicalized safely (e.g. terms get dropped)."""


class MultikeyError(BadgesError, ValueError):
    """A value is not a valid Ed25519 Multikey, public key or did:key identifier."""


class ProofError(BadgesError):
    """Base class of eddsa-rdfc-2022 proof errors."""


class ProofCreationError(ProofError):
    """A proof could not be created (bad proof options, or the signer misbehaved)."""


class ProofVerificationError(ProofError):
    """A proof does not verify; ``reason`` says why in a sentence."""


class MalformedProofError(ProofVerificationError):
    """The proof is missing fields or is not an eddsa-rdfc-2022 ``DataIntegrityProof``."""


class KeyResolutionError(ProofVerificationError):
    """No Ed25519 public key could be found for the proof's verification method."""


class SignatureMismatchError(ProofVerificationError):
    """The signature does not match: the credential or its proof was changed after signing."""


@dataclass(frozen=True)
class SchemaProblem:
    """One schema problem: where it is (a JSON path such as ``issuer.type``) and what to do."""

    path: str
    message: str

    def __str__(self) -> str:
        return self.message


class SchemaValidationError(BadgesError, ValueError):
    """The credential does not meet its JSON Schema; ``problems`` lists each one."""

    def __init__(self, kind: str, problems: Iterable[SchemaProblem]) -> None:
        self.kind = kind
        self.problems: tuple[SchemaProblem, ...] = tuple(problems)
        count = len(self.problems)
        lines = [
            f"This {kind} has {count} problem{'s' if count != 1 else ''} to fix before it can "
            "be issued or accepted:"
        ]
        lines.extend(f"  - {problem.message}" for problem in self.problems)
        super().__init__("\n".join(lines))

    @property
    def paths(self) -> list[str]:
        """The JSON paths of the problems, in order."""
        return [problem.path for problem in self.problems]
