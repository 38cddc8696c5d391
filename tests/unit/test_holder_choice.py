"""Which credential answers each item of a proof request (ler_ledger.holder.choice).

The choice is tested against a wallet faked at its boundary (pages of candidates, revocation
answers); the wallet's own read is tested against a real askar store in memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from aries_askar import Store

from ler_ledger.holder import choice
from ler_ledger.holder.choice import AskarWallet, Candidate

DEF_A, DEF_B = "did:ler:a/anoncreds/v0/CLAIM_DEF/1/default", "did:ler:b/anoncreds/v0/CLAIM_DEF/2/x"


def credential(cred_id: str, level: int, date: str = "20260101") -> Candidate:
    attrs = {"skill": "Welding", "level": str(level), "date": date}
    return Candidate(cred_id, attrs, "schema", DEF_A, "rev-reg")


class FakeWallet:
    """Candidates newest first; which are revoked; what was read and checked."""

    def __init__(self, newest_first: list[Candidate], revoked: set[str] | None = None) -> None:
        self.credentials = newest_first
        self.revoked_ids = revoked or set()
        self.reads: list[tuple[str, int, int]] = []
        self.checked: list[str] = []

    async def newest(
        self, request: Mapping[str, Any], referent: str, offset: int, limit: int
    ) -> list[Candidate]:
        self.reads.append((referent, offset, limit))
        return self.credentials[offset : offset + limit]

    async def revoked(self, candidate: Candidate, interval: Mapping[str, Any]) -> bool:
        self.checked.append(candidate.cred_id)
        return candidate.cred_id in self.revoked_ids


def request(min_level: int = 3, non_revoked: bool = True) -> dict[str, Any]:
    restriction = [{"cred_def_id": DEF_A}]
    asked: dict[str, Any] = {
        "requested_attributes": {
            "skill": {"names": ["skill", "date"], "restrictions": restriction}
        },
        "requested_predicates": {
            "level": {
                "name": "level",
                "p_type": ">=",
                "p_value": min_level,
                "restrictions": restriction,
            }
        },
    }
    if non_revoked:
        asked["non_revoked"] = {"from": 100, "to": 100}
    return asked


async def test_the_newest_answer_is_chosen_and_reading_stops_there() -> None:
    wallet = FakeWallet([credential(f"c{i}", 4) for i in range(1000)])
    chosen = await choice.choose(wallet, request(), "level")
    assert chosen.candidate is not None and chosen.candidate.cred_id == "c0"
    assert wallet.reads == [("level", 0, choice.PAGE + 1)]  # one page, however large the wallet
    assert wallet.checked == ["c0"]


async def test_predicates_and_revocation_skip_to_an_older_credential() -> None:
    wallet = FakeWallet(
        [credential("revoked", 5), credential("too-low", 2), credential("fits", 3)],
        revoked={"revoked"},
    )
    chosen = await choice.choose(wallet, request(min_level=3), "level")
    assert chosen.candidate is not None and chosen.candidate.cred_id == "fits"
    assert wallet.checked == ["revoked", "fits"]  # the one too low is never checked
    skill = await choice.choose(wallet, request(min_level=3), "skill")  # no predicate here
    assert skill.candidate is not None and skill.candidate.cred_id == "too-low"


async def test_without_an_interval_revocation_is_not_checked() -> None:
    wallet = FakeWallet([credential("revoked", 4), credential("old", 4)], revoked={"revoked"})
    chosen = await choice.choose(wallet, request(non_revoked=False), "skill")
    assert chosen.candidate is not None and chosen.candidate.cred_id == "revoked"
    assert wallet.checked == []


async def test_an_item_interval_overrides_the_requests() -> None:
    asked = request(non_revoked=False)
    asked["requested_attributes"]["skill"]["non_revoked"] = {"from": 5, "to": 5}
    wallet = FakeWallet([credential("revoked", 4), credential("old", 4)], revoked={"revoked"})
    chosen = await choice.choose(wallet, asked, "skill")
    assert chosen.candidate is not None and chosen.candidate.cred_id == "old"


async def test_pages_are_read_until_an_answer_then_the_bound() -> None:
    revoked = {f"c{i}" for i in range(25)}
    wallet = FakeWallet([credential(f"c{i}", 4) for i in range(40)], revoked=revoked)
    chosen = await choice.choose(wallet, request(), "skill", page=10)
    assert chosen.candidate is not None and chosen.candidate.cred_id == "c25"
    assert [offset for _, offset, _ in wallet.reads] == [0, 10, 20]

    wallet = FakeWallet([credential(f"c{i}", 4) for i in range(40)], revoked=revoked)
    bounded = await choice.choose(wallet, request(), "skill", limit=20, page=10)
    assert bounded.candidate is None and bounded.more is True  # older matches left unread
    assert [offset for _, offset, _ in wallet.reads] == [0, 10]
    wallet.reads.clear()
    later = await choice.choose(wallet, request(), "skill", offset=30, limit=5, page=10)
    assert later.candidate is not None and later.candidate.cred_id == "c30"
    assert wallet.reads == [("skill", 30, 6)]


async def test_revoked_only_is_missing_unless_asked_as_a_last_resort() -> None:
    wallet = FakeWallet([credential("new", 4), credential("old", 4)], revoked={"new", "old"})
    missing = await choice.choose(wallet, request(), "skill")
    assert missing.candidate is None and missing.more is False
    last = await choice.choose(wallet, request(), "skill", revoked_as_last_resort=True)
    assert last.candidate is not None and last.candidate.cred_id == "new"
    unsatisfied = await choice.choose(
        wallet, request(min_level=9), "level", revoked_as_last_resort=True
    )
    assert unsatisfied.candidate is None  # a last resort still makes the predicate true


async def test_choose_all_checks_each_credential_once_and_builds_the_answer() -> None:
    wallet = FakeWallet([credential("c1", 4), credential("c0", 4)])
    choices = await choice.choose_all(wallet, request())
    assert [(c.referent, c.kind) for c in choices] == [
        ("skill", "attribute"),
        ("level", "predicate"),
    ]
    assert wallet.checked == ["c1"]  # both items chose it; its status was read once
    assert choice.requested_credentials(choices) == {
        "requested_attributes": {"skill": {"cred_id": "c1", "revealed": True}},
        "requested_predicates": {"level": {"cred_id": "c1"}},
        "self_attested_attributes": {},
    }


async def test_items_share_the_credential_chosen_from_a_revocation_registry() -> None:
    # ACA-Py proves two credentials of one registry with the first one's witness (acapy#2036)
    wallet = FakeWallet(
        [credential("revoked", 5), credential("too-low", 2), credential("fits", 4)],
        revoked={"revoked"},
    )
    choices = await choice.choose_all(wallet, request(min_level=3))
    assert [c.candidate.cred_id for c in choices if c.candidate] == ["fits", "fits"]
    elsewhere = Candidate(
        "elsewhere", {"skill": "Welding", "level": "2", "date": "1"}, "s", DEF_A, "r2"
    )
    wallet = FakeWallet([elsewhere, credential("fits", 4)])
    choices = await choice.choose_all(wallet, request(min_level=3))
    assert [c.candidate.cred_id for c in choices if c.candidate] == ["elsewhere", "fits"]


def test_values_match_names_regardless_of_spaces_and_case() -> None:
    found = Candidate.from_tags(
        "c", {"attr::SkillCode::value": "O*NET 51-4121", "rev_reg_id": "None", "cred_def_id": "d"}
    )
    assert found.value("skill code") == found.value("SkillCode") == "O*NET 51-4121"
    assert found.value("missing") == "" and found.rev_reg_id is None
    predicate = {"name": "level", "p_type": ">=", "p_value": 3}
    assert not choice.satisfies(found, predicate)  # no value: it cannot make it true
    assert choice.satisfies(credential("x", 3), predicate)
    assert not choice.satisfies(credential("x", 3), {**predicate, "p_type": "!="})


# --- the askar read ------------------------------------------------------------------------


@pytest.fixture
async def store() -> Store:
    opened = await Store.provision("sqlite://:memory:", "raw", Store.generate_raw_key())
    async with opened.session() as session:
        for i in range(30):  # stored in this order: c29 is the newest
            definition = DEF_B if i % 10 == 3 else DEF_A
            tags = {
                "cred_def_id": definition,
                "schema_id": "schema",
                "rev_reg_id": "rev-reg",
                "attr::skill::value": "Welding",
                "attr::date::value": f"2026{i:04d}",
                "attr::level::value": str(i % 6),
            }
            if i == 29:
                del tags["attr::skill::value"]  # lacks the asked attribute
            await session.insert("credential", f"c{i:02d}", b"{}", tags)
        await session.insert("other", "x", b"{}", {"cred_def_id": DEF_A})
    yield opened
    await opened.close()


async def test_askar_reads_the_newest_matches_a_page_at_a_time(store: Store) -> None:
    wallet = AskarWallet(SimpleNamespace(store=store, settings={}))
    page = await wallet.newest(request(), "skill", 0, 4)
    assert [c.cred_id for c in page] == ["c28", "c27", "c26", "c25"]  # c29 lacks "skill"
    assert page[0].attrs == {"skill": "Welding", "date": "20260028", "level": "4"}
    assert (page[0].cred_def_id, page[0].rev_reg_id) == (DEF_A, "rev-reg")
    later = await wallet.newest(request(), "skill", 4, 4)
    assert [c.cred_id for c in later] == ["c24", "c22", "c21", "c20"]  # c23 is of DEF_B


async def test_askar_restrictions_are_alternatives(store: Store) -> None:
    wallet = AskarWallet(SimpleNamespace(store=store, settings={}))
    asked = request()
    asked["requested_attributes"]["skill"]["restrictions"] = [
        {"cred_def_id": DEF_B},
        {"cred_def_id": "did:ler:none", "attr::level::value": "0"},
    ]
    found = await wallet.newest(asked, "skill", 0, 100)
    assert [c.cred_id for c in found] == ["c23", "c13", "c03"]
    asked["requested_attributes"]["skill"]["restrictions"] = [
        {"cred_def_id": DEF_A, "attr::level::value": "0"}
    ]
    found = await wallet.newest(asked, "skill", 0, 100)
    assert [c.cred_id for c in found] == ["c24", "c18", "c12", "c06", "c00"]


async def test_askar_predicate_items_match_on_the_attribute_name(store: Store) -> None:
    wallet = AskarWallet(SimpleNamespace(store=store, settings={}))
    chosen = await choice.choose(wallet, request(min_level=5, non_revoked=False), "level")
    assert chosen.candidate is not None and chosen.candidate.cred_id == "c29"  # level 5
    with pytest.raises(KeyError):
        choice.tag_filter(request(), "unknown")
