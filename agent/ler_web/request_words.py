"""Plain words for when an employer's request stops working, and for how it ended.

The verifier's own messages are for operators ("abandoned: no progress for 300 s in state
request-sent ..."): a person reads instead "This request expired at 3:42 PM UTC. Ask the candidate
again." Times are given on the server's clock (its time zone named), with the date when it is not
today.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

#: what the learner's wallet says when declining a request (:mod:`.learner_sharing` sends it)
DECLINED_MARK = "declined to share"
#: the verifier's reasons for a request that ran out of time: ler_ledger abandons a stalled
#: DIDComm exchange ("abandoned: no progress for 15 s in state request-sent ..."), a VC-API
#: exchange fails as "expired before a wallet completed it"
TIMED_OUT_MARKS = ("no progress for", "expired before")
ASK_AGAIN = "Ask the candidate again: make a new request and show them its QR code."


@dataclass(frozen=True)
class Ending:
    """How a request ended without a credential, for the employer's page."""

    kind: str  # declined, expired or stopped
    heading: str
    words: str
    next_step: str = ASK_AGAIN


def clock(when: float, now: float, zone: tzinfo | None = None) -> str:
    """``when`` as a person reads it: "3:42 PM UTC", or "Nov 30 at 3:42 PM UTC" if not today."""
    local = datetime.fromtimestamp(when, zone).astimezone(zone)
    today = datetime.fromtimestamp(now, zone).astimezone(zone).date()
    hour = local.strftime("%I:%M %p").lstrip("0")
    text = f"{hour} {local.tzname() or ''}".rstrip()
    if local.date() != today:
        text = f"{local.strftime('%b')} {local.day} at {text}"
    return text


def until_words(expires: float, now: float, zone: tzinfo | None = None) -> str:
    """When a request still waiting stops working."""
    return f"It stops working at {clock(expires, now, zone)}."


def timed_out(reason: str | None) -> bool:
    """Whether the verifier's ``reason`` says the request ran out of time."""
    return any(mark in str(reason or "") for mark in TIMED_OUT_MARKS)


def expired_words(expires: float | None, now: float, zone: tzinfo | None = None) -> str:
    """The employer's sentence for a request that expired before the candidate answered."""
    at = f" at {clock(expires, now, zone)}" if expires else ""
    return f"This request expired{at}, before the candidate answered."


def employer_ending(
    reason: str | None, expires: float | None, now: float, zone: tzinfo | None = None
) -> Ending:
    """How a request the verifier ended without a credential reads on the employer's page.

    ``reason``: the verifier's message (None if it gave none); ``expires``: when the request was
    to stop working (None if unknown).
    """
    text = str(reason or "").strip()
    if DECLINED_MARK in text:
        return Ending(
            "declined",
            "The candidate declined",
            "The candidate chose not to share a credential for this request. Nothing was shared "
            "with you.",
            "If you still need to see it, talk to the candidate, then ask again with a new "
            "request.",
        )
    if timed_out(text) or (not text and expires is not None and now >= expires):
        return Ending("expired", "This request expired", expired_words(expires, now, zone))
    said = text.removeprefix("abandoned:").strip().rstrip(".")
    words = "The request ended without a credential."
    if said:
        words += f" The wallet said: “{said}”."
    return Ending("stopped", "No answer", words)


def learner_expired(who: str, expires: float, now: float, zone: tzinfo | None = None) -> str:
    """The learner's sentence for a request that expired before they answered."""
    return (
        f"This request expired at {clock(expires, now, zone)}. Nothing can be shared with it now. "
        f"If you want to share, ask {who} to send you a new request."
    )


def learner_ended(reason: str | None) -> str:
    """How an exchange the learner's wallet abandoned reads in their history."""
    text = str(reason or "")
    if DECLINED_MARK in text:
        return "You declined."
    if timed_out(text):
        return "Not completed: it ran out of time. Ask them to send you a new request."
    return f"Not completed: {text}" if text else "Not completed."
