"""A learner sees why an AnonCreds credential was revoked (issue #12).

The registrar revokes it in the console with a reason; the college's agent publishes the
revocation, sends the reason over DIDComm (revocation notification) and keeps it (ler_ledger's
``/ler/anoncreds/revocations``), so the console shows it; the hosted learner's wallet keeps the
notice, checked to come over the credential's connection (ler_tenants), and the wallet page
shows "Reason: ...". End to end on the
session network; how the page reads a notice, or its absence, is checked with a faked wallet API.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from netkit import Network
from playwright.async_api import Browser, expect

from ler_node.network import flows
from ler_node.network.admin import AdminClient, AdminError
from ler_node.network.hosting import Hosting
from ler_node.network.web_process import LEARNER_SETTINGS
from ler_web import learner_credentials, registrar_anoncreds
from ler_web.agent_calls import AgentCallError

from .learnerkit import (
    accept_offer,
    connect_in_browser,
    learner_wallet_id,
    new_learner,
    reload_until,
)
from .webkit import DESKTOP, Site, new_page, serious_violations, sign_in

TYPE_NAME = "RevocationReasonSkills"  # its own credential type: other tests read theirs
COLLEGE = "Prairie Ridge Community College"


class FakeWallet:
    """A tenant's admin API as the credentials page reads it: one revoked credential."""

    def __init__(self, notice: dict[str, Any] | None, fails: bool = False) -> None:
        self.notice, self.fails = notice, fails

    async def get(self, path: str, **_: str) -> Any:
        if path == "/credentials":
            return {"results": [{"referent": "c1", "rev_reg_id": "r", "attrs": {"program": "P"}}]}
        if path == "/credential/revoked/c1":
            return {"revoked": True}
        assert path == "/ler/wallet/credentials/c1/revocation-notice", path
        if self.fails:
            raise AgentCallError("hosted", 404, "no such route")
        return {"referent": "c1", "notice": self.notice}


@pytest.mark.parametrize(
    ("wallet", "reason"),
    [
        (FakeWallet({"comment": "issued in error", "received_at": "2026-01"}), "issued in error"),
        (FakeWallet(None), ""),  # no notice came: revoked, without a reason
        (FakeWallet(None, fails=True), ""),  # an agent without the route: revoked all the same
    ],
)  # fmt: skip
async def test_a_revoked_credential_shows_the_notices_reason_or_none(
    wallet: FakeWallet, reason: str
) -> None:
    [shown] = await learner_credentials._anoncreds(wallet, {})  # type: ignore[arg-type]
    assert (shown["status"], shown["reason"]) == ("revoked", reason)


class FakeCollege:
    """A college's admin API as the console's revoke calls it."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.posted: list[tuple[str, dict[str, Any]]] = []

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        self.posted.append((path, body))
        return self.answer


@pytest.mark.parametrize("notified", [True, False])
async def test_the_console_revokes_through_the_route_that_keeps_the_reason(notified: bool) -> None:
    college = FakeCollege({"cred_ex_id": "x1", "reason": "issued in error", "notified": notified})
    assert await registrar_anoncreds.revoke(college, "x1", "issued in error") is notified  # type: ignore[arg-type]
    assert college.posted == [
        ("/ler/anoncreds/revocations", {"cred_ex_id": "x1", "reason": "issued in error"})
    ]


@pytest.fixture(scope="module")
async def reason_type(network: Network) -> flows.CredentialType:
    """An accredited, published AnonCreds skills credential type of the college."""
    async with network.admin("state") as state, network.admin("college") as college:
        await flows.set_accreditation(state, network.did("college"), TYPE_NAME, "accredit")
        return await flows.publish_credential_type(college, network.did("college"), name=TYPE_NAME)


async def test_the_registrar_revokes_with_a_reason_and_the_learner_sees_it(
    browser: Browser, site: Site, network: Network, reason_type: flows.CredentialType
) -> None:
    program = f"Pipe Welding {uuid.uuid4().hex[:6]}"
    reason = f"the assessment was repeated {uuid.uuid4().hex[:4]}"
    username, password = await new_learner(network)
    async with Hosting.of(network.home("hosted")) as hosting:  # accepts offers as learners do
        await hosting.admin.put(
            f"/multitenancy/wallet/{learner_wallet_id(network, username)}",
            {"extra_settings": LEARNER_SETTINGS},
        )
    learner_context = await new_page(browser, site, DESKTOP)
    registrar_context = await new_page(browser, site, DESKTOP)
    learner, registrar = await learner_context.new_page(), await registrar_context.new_page()
    college = network.admin("college")
    try:
        await sign_in(learner, site, username, password)
        college_conn = await connect_in_browser(learner, college, f"reason-{uuid.uuid4()}")
        offer = await college.post(
            "/issue-credential-2.0/send-offer",
            {
                "connection_id": college_conn,
                "auto_issue": True,
                "auto_remove": False,
                "credential_preview": {
                    "@type": "issue-credential/2.0/credential-preview",
                    "attributes": [
                        {"name": k, "value": v}
                        for k, v in {
                            "program": program, "skill": "Welding", "level": "3", "date": "20261101"
                        }.items()
                    ],
                },
                "filter": {"anoncreds": {"cred_def_id": reason_type.cred_def_id}},
            },
        )  # fmt: skip
        await accept_offer(learner, f"{program} from {COLLEGE}")
        await college.wait_for(
            f"/issue-credential-2.0/records/{offer['cred_ex_id']}",
            lambda r: r["cred_ex_record"]["state"] == "done",
            what="the credential stored by the hosted learner",
        )

        # the registrar revokes it: a reason is required, then sent with the revocation
        await sign_in(registrar, site, "registrar")
        item = registrar.locator("li.check").filter(has_text=offer["cred_ex_id"])
        await expect(item.locator(".badge")).to_have_text("Valid")
        await expect(item).to_contain_text(program)
        await item.get_by_role("button", name=re.compile("^Revoke")).click()  # no reason
        await expect(registrar.get_by_role("alert")).to_contain_text("Give a reason")
        await item.get_by_label(re.compile("^Reason")).fill(reason)
        await item.get_by_role("button", name=re.compile("^Revoke")).click()
        await expect(registrar.get_by_role("status")).to_contain_text(
            f"You revoked {offer['cred_ex_id']}"
        )
        await expect(item.locator(".badge")).to_have_text("Revoked")
        await expect(item.get_by_role("button", name=re.compile("^Revoke"))).to_have_count(0)
        await expect(item).to_contain_text(f"Reason given: {reason}")
        await expect(item).to_contain_text(re.compile(r"Revoked on \d{1,2} \w{3} \d{4}, "))
        assert await serious_violations(registrar) == []

        # the college's agent keeps the reason (not the web app): its admin API says so
        await _the_college_kept_the_reason(college, offer["cred_ex_id"], reason)

        # the learner's wallet kept the notice, under the credential it names
        wallet_id = learner_wallet_id(network, username)
        async with Hosting.of(network.home("hosted")) as hosting:
            token = (await hosting.admin.post(f"/multitenancy/wallet/{wallet_id}/token"))["token"]
            async with hosting.as_tenant(username, token) as tenant:
                [held] = (await tenant.get("/credentials"))["results"]
                kept = await tenant.wait_for(
                    f"/ler/wallet/credentials/{held['referent']}/revocation-notice",
                    lambda r: r["notice"] is not None,
                    what="the revocation notice kept by the learner's wallet",
                )
        assert kept["notice"]["comment"] == reason

        # the learner's wallet: revoked, with the registrar's reason (once the ledger has it)
        mine = learner.locator("li.check").filter(has_text=program)
        await reload_until(learner, "/wallet", mine, f"Reason: {reason}")
        await expect(mine.locator(".credential-title")).to_contain_text("Revoked")
        await expect(mine).to_contain_text("The college has revoked it")
        assert await serious_violations(learner) == []
    finally:
        await learner_context.close()
        await registrar_context.close()
        await college.close()


async def _the_college_kept_the_reason(college: AdminClient, cred_ex_id: str, reason: str) -> None:
    """The reason is in the college agent's wallet; revoking again, or without a reason, is a
    JSON 4xx that keeps nothing new."""
    path = "/ler/anoncreds/revocations"
    [kept] = (await college.get(path, cred_ex_id=cred_ex_id))["results"]
    assert (kept["reason"], kept["notified"]) == (reason, True)
    assert {"rev_reg_id", "cred_rev_id", "revoked_at"} <= kept.keys()
    for body, status in (
        ({"cred_ex_id": cred_ex_id, "reason": "again"}, 409),
        ({"cred_ex_id": str(uuid.uuid4()), "reason": "why"}, 404),
        ({"cred_ex_id": cred_ex_id, "reason": "   "}, 400),
        ({"cred_ex_id": cred_ex_id}, 422),
    ):
        with pytest.raises(AdminError) as refused:
            await college.post(path, body)
        assert refused.value.status == status, refused.value
        assert '"error"' in str(refused.value)
    assert (await college.get(path, cred_ex_id=cred_ex_id))["results"] == [kept]
