"""Async client for a state LER network's ledger contracts (any EVM JSON-RPC endpoint).

It knows nothing of ACA-Py: the ACA-Py plugin, the ``ler-node`` CLI, the benchmarks and a state's
operators all use it the same way.
"""

from .client import LedgerClient, connect
from .deploy import deploy_network
from .descriptor import ContractAddresses, NetworkDescriptor
from .errors import (
    LedgerConfigError,
    LedgerConflictError,
    LedgerError,
    LedgerInputError,
    LedgerIntegrityError,
    LedgerInvalidError,
    LedgerNotFoundError,
    LedgerPermissionError,
    LedgerRevertError,
    LedgerTimeoutError,
    LedgerUnavailableError,
)
from .identifiers import DID_PATTERN, CredDefId, LerDid, RevRegDefId, SchemaId, parse_anoncreds_id
from .models import (
    Accreditation,
    AccreditationStatus,
    AnchoredObject,
    DidRecord,
    RevocationRegistryRecord,
    RevocationStatusList,
    TrusteeProposal,
    WriteResult,
)
from .settlement import Settlement, WriteStanding, settle
from .signing import LocalSigner, Signer
from .transactions import SettledTransaction, WriteUndeterminedError
from .writes import SignedWrite, Write

__all__ = [
    "DID_PATTERN",
    "Accreditation",
    "AccreditationStatus",
    "AnchoredObject",
    "ContractAddresses",
    "CredDefId",
    "DidRecord",
    "LedgerClient",
    "LedgerConfigError",
    "LedgerConflictError",
    "LedgerError",
    "LedgerInputError",
    "LedgerIntegrityError",
    "LedgerInvalidError",
    "LedgerNotFoundError",
    "LedgerPermissionError",
    "LedgerRevertError",
    "LedgerTimeoutError",
    "LedgerUnavailableError",
    "LerDid",
    "LocalSigner",
    "NetworkDescriptor",
    "RevRegDefId",
    "RevocationRegistryRecord",
    "RevocationStatusList",
    "SchemaId",
    "SettledTransaction",
    "Settlement",
    "SignedWrite",
    "Signer",
    "TrusteeProposal",
    "Write",
    "WriteResult",
    "WriteStanding",
    "WriteUndeterminedError",
    "connect",
    "deploy_network",
    "parse_anoncreds_id",
    "settle",
]
