"""Finishing AnonCreds objects that ACA-Py parked while their endorsed write was on its way.

The registrar answers ``wait`` with a job id; ACA-Py stores the object under it. Once the write
landed the job is finished (which lets ACA-Py go on, e.g. set up revocation for a new credential
definition); once it certainly never will, what was parked is removed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from acapy_agent.anoncreds.constants import (
    CATEGORY_CRED_DEF,
    CATEGORY_CRED_DEF_KEY_PROOF,
    CATEGORY_CRED_DEF_PRIVATE,
    CATEGORY_REV_LIST,
    CATEGORY_REV_REG_DEF,
    CATEGORY_REV_REG_DEF_PRIVATE,
    CATEGORY_SCHEMA,
)
from acapy_agent.anoncreds.issuer import AnonCredsIssuer
from acapy_agent.anoncreds.revocation import AnonCredsRevocation
from acapy_agent.core.profile import Profile

from ..endorsement.completions import register_completion

LOGGER = logging.getLogger(__name__)

KINDS = ("schema", "cred_def", "rev_reg_def", "rev_list")
JOB_CATEGORIES = {
    "schema": (CATEGORY_SCHEMA,),
    "cred_def": (CATEGORY_CRED_DEF, CATEGORY_CRED_DEF_PRIVATE, CATEGORY_CRED_DEF_KEY_PROOF),
    "rev_reg_def": (CATEGORY_REV_REG_DEF, CATEGORY_REV_REG_DEF_PRIVATE),
    "rev_list": (CATEGORY_REV_LIST,),
}
RECORD_WAIT_SECONDS = 30.0


class AnonCredsCompletion:
    """Finish or remove the AnonCreds object parked under a job."""

    async def landed(self, profile: Profile, job: dict[str, Any]) -> None:
        """Finish the parked object (ACA-Py then emits its ``finished`` event)."""
        kind = job.get("type")
        if kind == "schema":
            await _require(profile, CATEGORY_SCHEMA, job["job_id"])
            await AnonCredsIssuer(profile).finish_schema(job["job_id"], job["schema_id"])
        elif kind == "cred_def":
            await _require(profile, CATEGORY_CRED_DEF, job["job_id"])
            await AnonCredsIssuer(profile).finish_cred_def(
                job["job_id"], job["cred_def_id"], job.get("options") or {}
            )
        elif kind == "rev_reg_def":
            await _require(profile, CATEGORY_REV_REG_DEF, job["job_id"])
            await AnonCredsRevocation(profile).finish_revocation_registry_definition(
                job["job_id"], job["rev_reg_def_id"], job.get("options") or {}
            )
        elif kind == "rev_list":
            if not job.get("update"):
                await _require(profile, CATEGORY_REV_LIST, job["job_id"])
            await AnonCredsRevocation(profile).finish_revocation_list(
                job["job_id"], job["rev_reg_def_id"], job.get("revoked") or []
            )
            if job.get("update"):
                await _set_list_state(profile, job["rev_reg_def_id"], "finished")

    async def failed(self, profile: Profile, job: dict[str, Any]) -> None:
        """Remove what the job parked, so nothing claims success."""
        kind = job.get("type")
        if kind == "rev_list" and job.get("update"):
            await _set_list_state(profile, job["rev_reg_def_id"], "failed")
            return
        categories = JOB_CATEGORIES.get(kind or "", ())
        if not categories or not await _job_stored(profile, categories[0], job["job_id"]):
            return
        async with profile.transaction() as txn:
            for category in categories:
                if await txn.handle.fetch(category, job["job_id"], for_update=True) is not None:
                    await txn.handle.remove(category, job["job_id"])
            await txn.commit()
        LOGGER.info("removed the %s parked under job %s", kind, job["job_id"])


def register() -> None:
    """Handle settled AnonCreds writes."""
    completion = AnonCredsCompletion()
    for kind in KINDS:
        register_completion(kind, completion)


async def _job_stored(profile: Profile, category: str, job_id: str) -> bool:
    """Wait until ACA-Py has stored the record parked under ``job_id``.

    ACA-Py stores it right after the registrar returns, which can be after a fast endorsement.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECORD_WAIT_SECONDS
    while True:
        async with profile.session() as session:
            if await session.handle.fetch(category, job_id) is not None:
                return True
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)


async def _require(profile: Profile, category: str, job_id: str) -> None:
    if not await _job_stored(profile, category, job_id):
        raise RuntimeError(f"ACA-Py never stored the {category} record of job {job_id}")


async def _set_list_state(profile: Profile, rev_reg_def_id: str, state: str) -> None:
    async with profile.transaction() as txn:
        entry = await txn.handle.fetch(CATEGORY_REV_LIST, rev_reg_def_id, for_update=True)
        if entry is not None:
            tags = dict(entry.tags)
            tags["state"] = state
            await txn.handle.replace(
                CATEGORY_REV_LIST, rev_reg_def_id, value=entry.value, tags=tags
            )
            await txn.commit()
