"""The plain words a person reads when an employer's request stops working or ends unanswered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from ler_web.learner_sharing import DECLINED
from ler_web.request_words import (
    clock,
    employer_ending,
    expired_words,
    learner_ended,
    learner_expired,
    until_words,
)

CST = timezone(timedelta(hours=-6), "CST")
AT_3_42_PM = datetime(2026, 11, 30, 21, 42, 10, tzinfo=UTC).timestamp()  # 3:42 PM in CST
SAME_DAY = AT_3_42_PM + 600
#: what ler_ledger writes on a DIDComm exchange it abandons (ler_ledger.exchanges._abandon)
TIMED_OUT = (
    "abandoned: no progress for 15 s in state request-sent (the other agent, or this one, may "
    "have restarted mid-way); start a new exchange"
)


def test_a_time_reads_as_on_a_clock_with_the_date_only_when_not_today() -> None:
    assert clock(AT_3_42_PM, SAME_DAY, CST) == "3:42 PM CST"
    assert clock(AT_3_42_PM, SAME_DAY, UTC) == "9:42 PM UTC"
    assert clock(AT_3_42_PM, AT_3_42_PM + 86_400, CST) == "Nov 30 at 3:42 PM CST"
    morning = AT_3_42_PM - 12 * 3600 + 60  # 3:43 AM
    assert clock(morning, SAME_DAY, CST) == "3:43 AM CST"
    assert until_words(AT_3_42_PM, SAME_DAY, CST) == "It stops working at 3:42 PM CST."


def test_the_verifiers_timeout_reads_as_an_expiry_with_what_to_do() -> None:
    ending = employer_ending(TIMED_OUT, AT_3_42_PM, SAME_DAY, CST)
    assert ending.kind == "expired"
    assert ending.heading == "This request expired"
    assert ending.words == "This request expired at 3:42 PM CST, before the candidate answered."
    assert ending.next_step.startswith("Ask the candidate again")
    assert "no progress" not in ending.words + ending.next_step
    vc_api = employer_ending("expired before a wallet completed it", AT_3_42_PM, SAME_DAY, CST)
    assert vc_api == ending
    # the record is gone and its time is past: expired; not yet past: it just stopped
    assert employer_ending(None, AT_3_42_PM, SAME_DAY, CST).kind == "expired"
    assert employer_ending(None, SAME_DAY + 1, SAME_DAY, CST).kind == "stopped"
    assert expired_words(None, SAME_DAY) == "This request expired, before the candidate answered."


def test_a_decline_reads_as_the_candidates_choice() -> None:
    # the verifier's record after the learner's problem report
    ending = employer_ending(f"abandoned: {DECLINED}", AT_3_42_PM, SAME_DAY, CST)
    assert ending.kind == "declined"
    assert ending.heading == "The candidate declined"
    assert "Nothing was shared with you." in ending.words
    assert "abandoned" not in ending.words


def test_another_ending_quotes_the_wallet_without_the_protocols_prefix() -> None:
    ending = employer_ending("abandoned: Unsupported attachment.", None, SAME_DAY, CST)
    assert ending.kind == "stopped"
    assert ending.words == (
        "The request ended without a credential. The wallet said: “Unsupported attachment”."
    )
    assert employer_ending("", None, SAME_DAY).words == "The request ended without a credential."


def test_the_learner_reads_when_a_request_expired_and_whom_to_ask() -> None:
    words = learner_expired("Crossroads Manufacturing", AT_3_42_PM, SAME_DAY, CST)
    assert words.startswith("This request expired at 3:42 PM CST. Nothing can be shared")
    assert words.endswith("ask Crossroads Manufacturing to send you a new request.")
    assert learner_ended(f"created problem report: {DECLINED}") == "You declined."
    assert learner_ended(TIMED_OUT.replace("request-sent", "presentation-sent")) == (
        "Not completed: it ran out of time. Ask them to send you a new request."
    )
    assert learner_ended("abandoned: refused") == "Not completed: abandoned: refused"
