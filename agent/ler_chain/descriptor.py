"""The network descriptor: what a client needs to reach a state's ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import LedgerConfigError
from .identifiers import NETWORK_PATTERN


class ContractAddresses(BaseModel):
    """Addresses of the deployed contracts."""

    model_config = ConfigDict(frozen=True)

    roles: str
    dids: str
    anoncreds: str
    accreditation: str
    status_lists: str


class NetworkDescriptor(BaseModel):
    """Chain id, RPC URL and contract addresses of one LER network.

    ``network`` is the name in ``did:ler:<network>:...``. ``gas_price`` is what writes pay per gas
    (0 on a state's permissioned chain, where gas is free; ``None`` asks the node).
    """

    model_config = ConfigDict(frozen=True)

    network: str = Field(pattern=f"^{NETWORK_PATTERN}$")
    chain_id: int
    rpc_url: str
    contracts: ContractAddresses
    deployed_block: int = 0
    evm_version: str = ""
    gas_price: int | None = 0

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NetworkDescriptor:
        """Read a descriptor file, with a message that says what is wrong."""
        file = Path(path)
        try:
            return cls.model_validate_json(file.read_text("utf-8"))
        except FileNotFoundError as exc:
            raise LedgerConfigError(
                f"no network descriptor at {file}; run `ler-node ledger up` or "
                "`ler-node ledger deploy` to create one"
            ) from exc
        except (ValidationError, json.JSONDecodeError) as exc:
            raise LedgerConfigError(f"{file} is not a valid network descriptor: {exc}") from exc

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the descriptor as JSON."""
        file = Path(path)
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(self.model_dump_json(indent=2) + "\n", "utf-8")
        return file

    def with_rpc_url(self, rpc_url: str) -> NetworkDescriptor:
        """The same network reached through another endpoint."""
        return self.model_copy(update={"rpc_url": rpc_url})
