"""The state's AnonCreds tails server: stores and serves tails files keyed by their hash.

ACA-Py uploads a tails file with ``PUT /hash/<tails_hash>`` (``--tails-server-upload-url``)
before it writes the revocation registry definition, and holders download it from
``GET /hash/<tails_hash>`` (``--tails-server-base-url``). A file is served only once a
revocation registry definition on the ledger names its hash (:mod:`ler_tails.admission`).
"""

from .app import create_app
from .storage import StoredTails, TailsStore
from .validation import parse_tails_hash, tails_hash_of

__all__ = ["StoredTails", "TailsStore", "create_app", "parse_tails_hash", "tails_hash_of"]
