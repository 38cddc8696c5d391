"""ACA-Py plugin for a state-hosted (multitenant) agent: suspend, resume, back up, restore.

Load it next to ``ler_ledger`` into an agent started with ``--multitenant --multitenant-admin``.
Tenants are ACA-Py's own (``/multitenancy/wallet``, JWTs); this plugin adds what the state's
operators need beyond that, under ``/ler/tenants`` (admin API key only):

* **suspend / resume**: a suspended tenant's tokens are refused (ACA-Py checks a token's ``iat``
  against the wallet record, which suspension clears), no new token is issued for it, and its
  DIDComm routes are set aside, so its inbound messages reach no wallet and are not processed.
  Everything lives in the shared database, so every instance of the agent sees it at once.
* **backup / restore**: a tenant's whole wallet (records and keys) as an askar SQLite store
  encrypted under a passphrase (argon2i), and back into a fresh tenant, routes included.
* **revocation notices**: the college's reason for revoking a credential, kept in the wallet
  that received the notice (:mod:`.revocation_notices`), read by the tenant with its token; a
  notice is accepted only from the connection the credential was issued over (or its issuer).

``setup`` registers the plugin's error kinds and the checked revocation-notice messages; the
routes are in :mod:`.routes`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acapy_agent.config.injection_context import InjectionContext

__all__ = ["setup"]


async def setup(context: InjectionContext) -> None:
    """Register the error kinds of tenant operations, and the checked revocation notices."""
    from acapy_agent.core.protocol_registry import ProtocolRegistry

    from ler_ledger.http_errors import register_errors

    from .errors import ERROR_KINDS
    from .revocation_notices import message_types

    register_errors(ERROR_KINDS)
    # after ACA-Py's protocols (plugins set up in load order): these classes replace its own
    context.inject(ProtocolRegistry).register_message_types(message_types())
