"""Proposals for a statement line: what in the ledger it may be. Pure: the candidates are
read by scic.bank.candidates; the rules run in this order, best score first.

Credit lines
0. `payment` of a direct debit — the end-to-end id the bank gives back is one of a
   pain.008 produced here (scic.bank.direct_debits) and not yet settled: the debit's
   subscription, score 100.
1. `link` — a movement already recorded by hand (a payment, the paid part of a
   subscription, a grant instalment) of the same amount, within LINK_DAYS of the
   booking date and not yet tied to a line: score 90, +10 when the payer's name matches.
2. `payment` by reference — a subscription id (`sub_…`) written in the remittance
   information: score 100; else the member number (n° d'associé) after "n°", "adhérent",
   "associé" or "membre": the member's open subscription with room for the amount
   (the oldest), score 95.
3. `instalment` — a grant whose funder's name matches the payer (fuzzy) and whose
   award still has room for the amount: score = the name's similarity (≥ NAME_FLOOR).
4. `payment` by payer — a subscription with at least the amount unpaid whose member's
   name matches the payer (fuzzy): the name's similarity, less 10 when the amount is not
   exactly what remains unpaid (≥ NAME_FLOOR).
Debit lines
5. `return` — an R-transaction (a direct debit returned: ReversalIndicator, or bank
   transaction code UPDD/RRTN/RPCR) whose end-to-end id is a debit produced here and
   not yet returned: score 100. Confirming it reverses the payment the collection had
   recorded (a correction) and lets the call be collected again.
6. `payout` — a reimbursement released (R5) of the same amount not yet tied to a line:
   90, +10 when the member's name matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

from scic.domain.members import number_key
from scic.names import search_key

LINK_DAYS = 10
NAME_FLOOR = 60
MAX_PROPOSALS = 3
SUBSCRIPTION_ID = re.compile(r"\bsub_[0-9a-f]{16}\b")
MEMBER_NUMBER = re.compile(
    r"(?:(?:\bn[°o]\.?|\bnum(?:[ée]ro)?\.?|\bassoci[ée]e?|\badh[ée]rente?|\bmembre)\s*:?\s*)+"
    r"\b([a-z]{0,3}[-/]?[0-9][a-z0-9/-]{0,16})",
    re.IGNORECASE,
)
# Words of a bank's wording that are no part of a name.
_NOISE = re.compile(
    r"\b(vir|virement|sepa|recu|de|m|mme|mr|mlle|inst|instantane|prlv|ref|parts?|"
    r"sociales?|liberation|cotisation)\b"
)


@dataclass(frozen=True)
class OpenSubscription:
    subscription_id: str
    member_id: str
    member_name: str | None
    unpaid_cents: int
    subscribed_on: date
    member_number: str | None = None


@dataclass(frozen=True)
class OpenGrant:
    grant_id: str
    funder_name: str | None
    room_cents: int
    awarded_on: date


@dataclass(frozen=True)
class Movement:
    """Money the ledger already says came in or went out. Attributes: kind (payment,
    subscription, instalment, payout); event_id what a line tied to it records; amount
    signed as on the statement (> 0 in)."""

    kind: str
    event_id: str
    target_id: str
    name: str | None
    amount_cents: int
    on: date


@dataclass(frozen=True)
class Collection:
    """A direct debit produced here (pain.008). Attributes: status sent or settled;
    event_id the payment its statement line recorded (settled)."""

    end_to_end_id: str
    subscription_id: str
    member_name: str | None
    amount_cents: int
    status: str
    event_id: str | None


@dataclass(frozen=True)
class Proposal:
    """Attributes: kind (link, payment, instalment, return); target_id the subscription,
    grant, movement, or the returned debit's end-to-end id; event_id for a link (the
    movement's id); score 0–100; why in words."""

    kind: str
    target_id: str
    amount_cents: int
    score: int
    why: str
    name: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class Candidates:
    subscriptions: list[OpenSubscription]
    grants: list[OpenGrant]
    movements: list[Movement]
    collections: list[Collection] = field(default_factory=list)


def similarity(name: str | None, wording: str) -> int:
    """How well a ledger name matches the payer's wording (0–100): token-set ratio on
    accent-free, lower-case words, the bank's own words left out."""
    if not name:
        return 0
    a = _NOISE.sub(" ", search_key(name) or "")
    b = _NOISE.sub(" ", search_key(wording) or "")
    return round(fuzz.token_set_ratio(a, b))


def propose(
    booking_date: date,
    amount_cents: int,
    wording: str,
    found: Candidates,
    end_to_end_id: str | None = None,
    returned: bool = False,
) -> list[Proposal]:
    proposals = _collected(amount_cents, end_to_end_id, returned, found) + (
        _credit(booking_date, amount_cents, wording, found)
        if amount_cents > 0
        else _debit(booking_date, amount_cents, wording, found)
    )
    best: dict[tuple[str, str], Proposal] = {}
    for p in proposals:
        key = (p.kind, p.target_id)
        if key not in best or best[key].score < p.score:
            best[key] = p
    return sorted(best.values(), key=lambda p: (-p.score, p.kind, p.target_id))[:MAX_PROPOSALS]


def _collected(
    cents: int, end_to_end_id: str | None, returned: bool, found: Candidates
) -> list[Proposal]:
    """Rules 0 and 5: the line names a direct debit produced here."""
    if not end_to_end_id:
        return []
    out = []
    for c in found.collections:
        if c.end_to_end_id != end_to_end_id or abs(cents) != c.amount_cents:
            continue
        if cents > 0 and not returned and c.status == "sent":
            why = f"direct debit {c.end_to_end_id} collected"
            out.append(Proposal("payment", c.subscription_id, cents, 100, why, c.member_name))
        elif cents < 0 and returned:
            why = f"direct debit {c.end_to_end_id} returned: its payment is reversed"
            out.append(Proposal("return", c.end_to_end_id, cents, 100, why, c.member_name))
    return out


def _links(on: date, cents: int, wording: str, found: Candidates) -> list[Proposal]:
    return [
        Proposal(
            "link",
            m.target_id,
            cents,
            min(100, 90 + (10 if similarity(m.name, wording) >= NAME_FLOOR else 0)),
            f"{m.kind} of the same amount recorded on {m.on}",
            m.name,
            m.event_id,
        )
        for m in found.movements
        if m.amount_cents == cents and abs((m.on - on).days) <= LINK_DAYS
    ]


def _credit(on: date, cents: int, wording: str, found: Candidates) -> list[Proposal]:
    out = _links(on, cents, wording, found)
    named = set(SUBSCRIPTION_ID.findall(wording))
    numbered = {number_key(n) for n in MEMBER_NUMBER.findall(wording)}
    by_number: set[str] = set()  # members whose number proposed a subscription already
    for sub in found.subscriptions:
        if sub.subscribed_on > on:
            continue
        if sub.subscription_id in named:
            out.append(
                Proposal(
                    "payment",
                    sub.subscription_id,
                    cents,
                    100,
                    "subscription named in the remittance information",
                    sub.member_name,
                )
            )
        elif (
            sub.member_number is not None
            and number_key(sub.member_number) in numbered
            and sub.unpaid_cents >= cents
            and sub.member_id not in by_number
        ):
            by_number.add(sub.member_id)  # subscriptions come oldest first
            out.append(
                Proposal(
                    "payment",
                    sub.subscription_id,
                    cents,
                    95,
                    "member number in the remittance information",
                    sub.member_name,
                )
            )
        elif sub.unpaid_cents >= cents:
            score = similarity(sub.member_name, wording)
            if sub.unpaid_cents != cents:
                score -= 10
            if score >= NAME_FLOOR:
                out.append(
                    Proposal(
                        "payment",
                        sub.subscription_id,
                        cents,
                        score,
                        "payer's name and amount",
                        sub.member_name,
                    )
                )
    for grant in found.grants:
        if grant.awarded_on > on or grant.room_cents < cents:
            continue
        score = similarity(grant.funder_name, wording)
        if score >= NAME_FLOOR:
            out.append(
                Proposal(
                    "instalment",
                    grant.grant_id,
                    cents,
                    score,
                    "funder's name, within the award",
                    grant.funder_name,
                )
            )
    return out


def _debit(on: date, cents: int, wording: str, found: Candidates) -> list[Proposal]:
    return [p for p in _links(on, cents, wording, found) if p.amount_cents < 0]
