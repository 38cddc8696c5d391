"""Small helpers for the plugins' admin route handlers (shared by ler_ledger and ler_badges)."""

from __future__ import annotations

from typing import Any

from acapy_agent.admin.request_context import AdminRequestContext
from acapy_agent.core.profile import Profile
from aiohttp import web

from ler_chain import LerDid

from .errors import LerInputError, WrongNetworkError
from .http_errors import one_line
from .ledger import LedgerService

__all__ = ["local_did", "one_line", "request_json", "request_profile"]


def request_profile(request: web.BaseRequest) -> Profile:
    """The profile (wallet or tenant) a request acts for."""
    context: AdminRequestContext = request["context"]
    return context.profile


async def request_json(request: web.BaseRequest) -> dict[str, Any]:
    """The JSON object in the body ({} if none); :class:`LerInputError` if it is not one."""
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise LerInputError(
            f"the body is not JSON ({exc}): send a JSON object with Content-Type: application/json"
        ) from exc
    if not isinstance(body, dict):
        raise LerInputError("the body must be a JSON object")
    return body


def local_did(profile: Profile, did: str) -> LerDid:
    """``did`` parsed as a did:ler DID of this agent's network.

    Raises :class:`ler_chain.LedgerInputError` if it is not a did:ler DID and
    :class:`WrongNetworkError` if it names another network (its id could be a DID of ours).
    """
    parsed = LerDid.parse(did)
    network = profile.inject(LedgerService).network
    if parsed.network != network:
        raise WrongNetworkError(did, network)
    return parsed
