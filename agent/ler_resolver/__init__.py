"""A DIF Universal Resolver driver for did:ler: a small public HTTP service on the state's node.

It reads DID documents straight from the state ledger with :mod:`ler_chain` (no ACA-Py, whose
admin API is authenticated), so anyone outside the network can resolve a college's DID and
check its credentials. See :mod:`ler_resolver.app` for the HTTP contract.
"""

from .app import create_app
from .resolution import Resolution, ResolutionError, resolve

__all__ = ["Resolution", "ResolutionError", "create_app", "resolve"]
