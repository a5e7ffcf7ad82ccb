"""Given events / when a command / then events or a refusal: the harness of the decider
tests (no database). A `Ledger` is a cooperative's history written fact by fact; `when`
runs a decider on the state as at its date, then inserts what it decided into the
timeline, as the write side does (scic/write/store.py `judged`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from scic.domain import members, shares
from scic.domain.cooperative import Category, CoopRegistered, Statutes
from scic.domain.facts import Fact
from scic.domain.state import CoopState
from scic.domain.timeline import Entry, Fold, Timeline, Violation
from scic.errors import DomainError

D = date.fromisoformat
STATUTES = Statutes(
    legal_form="SAS",
    share_nominal_cents=5000,
    statutory_floor_cents=0,
    categories=[
        Category(code="usagers", name="Usagers", role="beneficiaries"),
        Category(code="salaries", name="Salariés", role="employees"),
        Category(code="communes", name="Communes", public_body=True),
    ],
)


class Ledger:
    """A timeline written fact by fact, positions in the order given."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def given(self, *facts: Fact, write_id: str | None = None) -> Ledger:
        for fact in facts:
            self.entries.append(self._entry(fact, len(self.entries) + 1, write_id))
        return self

    def _entry(self, fact: Fact, position: int, write_id: str | None) -> Entry:
        return Entry(
            position, f"e{position}", fact.on, fact.event, fact.type, fact.reverses, write_id
        )

    def timeline(self) -> Timeline:
        return Timeline.of(self.entries)

    def when(self, facts: list[Fact], **options: Any) -> list[Violation]:
        """Insert decided facts into history; the violations they cause."""
        timeline = self.timeline()
        base = len(self.entries)
        new = [self._entry(f, base + i, "w") for i, f in enumerate(facts, start=1)]
        return timeline.insert(new, **options)


def registered(on: str = "2019-01-01") -> Fact:
    event = CoopRegistered(
        coop_id="c", name="C", siren=None, incorporated_on=D(on), statutes=STATUTES
    )
    return Fact(event, D(on))


def admitted(member: str, category: str, on: str = "2019-01-01") -> Fact:
    event = members.MemberAdmitted(
        member_id=member, party_id=f"p{member}", kind="person", category=category
    )
    return Fact(event, D(on))


def subscribed(member: str, sub: str, shares_: int, on: str, paid: int | None = None) -> Fact:
    cents = shares_ * 5000
    paid = cents if paid is None else paid
    event = shares.SharesSubscribed(
        subscription_id=sub,
        member_id=member,
        shares=shares_,
        subscribed_cents=cents,
        called_cents=paid,
        paid_cents=paid,
    )
    return Fact(event, D(on))


def coop(*facts: Fact, since: str = "2019-01-01") -> Ledger:
    return (
        Ledger()
        .given(
            registered(since),
            admitted("u", "usagers", since),
            admitted("s", "salaries", since),
            admitted("t", "communes", since),
        )
        .given(*facts)
    )


def decide_subscribe(ledger: Ledger, member: str, count: int, paid: str, on: str) -> list[Fact]:
    state = ledger.timeline().at(D(on))
    assert state.coop is not None
    cmd = shares.Subscribe.model_validate({"member_id": member, "shares": count, "paid": paid})
    return shares.subscribe(state.coop, state.members[member], cmd, "new", D(on))


Decider = Callable[[Fold, CoopState], list[Fact]]


def when(ledger: Ledger, on: str, decide: Decider) -> list[Fact] | str:
    """The facts a command decides on the history as at `on`, once judged into the
    timeline; or the slug of its refusal (by the decider, or by the timeline)."""
    state = ledger.timeline().at(D(on))
    try:
        coop_state = state.coop or ledger.timeline().state.coop
        assert coop_state is not None
        facts = decide(state, coop_state)
    except DomainError as refused:
        return refused.slug
    violations = ledger.when(facts)
    return violations[0].slug if violations else facts
