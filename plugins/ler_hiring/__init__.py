"""Skills-based hiring on the LER network: jobs, verified-skills matches, LER résumés, ATS.

Its pure modules need no ACA-Py:

- :mod:`~ler_hiring.jobs`: job postings, their JSON Schema, skills resolved from the catalogue;
- :mod:`~ler_hiring.proof_requests`: the AnonCreds proof request a job needs, and what it does
  not ask;
- :mod:`~ler_hiring.matching`: a job's skills against verified evidence, skill by skill;
- :mod:`~ler_hiring.employment`: employment records and the primary-source rule;
- :mod:`~ler_hiring.resume`: HR Open LER-RS résumés with embedded credentials;
- :mod:`~ler_hiring.ats_config`: the ATS webhook's configuration and HMAC signatures;
- :mod:`~ler_hiring.ats_presentation`: the hand-off as a presentation signed by the employer's DID.

It is also an ACA-Py plugin loaded next to ``ler_ledger`` and ``ler_badges`` (whose verification
it reuses): :mod:`.routes` is the admin API, :mod:`.ats_delivery` the durable ATS queue (one
worker for the agent's wallet and its tenants'), :mod:`.store` the wallet records.
It builds on ``ler_badges`` (skills catalogue, OB 3.0 / CLR verification, issuance) rather than
living inside it: hiring is the employer's concern, badges the college's and learner's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from acapy_agent.config.injection_context import InjectionContext

__all__ = ["setup"]


async def setup(context: InjectionContext) -> None:
    """Register the error kinds and bind the ATS delivery queue (configured or not)."""
    from ler_ledger import ErrorKind, register_errors

    from .ats_config import PLUGIN_NAME, AtsConfig
    from .ats_delivery import AtsDeliveries
    from .errors import ERRORS

    register_errors({cls: ErrorKind(*kind) for cls, kind in ERRORS.items()})
    config = AtsConfig.from_plugin_config(context.settings.for_plugin(PLUGIN_NAME))
    context.injector.bind_instance(AtsDeliveries, AtsDeliveries(config))
