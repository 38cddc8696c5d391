"""The learner wallet's routes (``/wallet``): credentials, receiving, sharing, backup."""

from __future__ import annotations

from aiohttp import web

from . import (
    learner_backup,
    learner_credentials,
    learner_offers,
    learner_share_links,
    learner_sharing,
)


def routes() -> list[web.RouteDef]:
    """The wallet's routes."""
    return [
        web.get("/wallet", learner_credentials.credentials),
        web.get("/wallet/badges/{record_id}.json", learner_credentials.badge_json),
        web.get("/wallet/receive", learner_offers.receive_form),
        web.post("/wallet/receive", learner_offers.receive),
        web.post("/wallet/my-link", learner_offers.my_link),
        web.post("/wallet/offers/{cred_ex_id}", learner_offers.answer_offer),
        web.get("/wallet/requests", learner_sharing.requests),
        web.post("/wallet/requests/{pres_ex_id}", learner_sharing.answer),
        web.get("/wallet/backup", learner_backup.backup_form),
        web.post("/wallet/backup", learner_backup.backup),
        web.post("/wallet/restore", learner_backup.restore),
        *learner_share_links.routes(),
    ]
