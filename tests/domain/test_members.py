"""The members aggregate (R2), decided without a database: given a cooperative's events,
when an admission or a category change is decided as at its date and judged into the
timeline, then its facts or the refusal it gets."""

from __future__ import annotations

from typing import Any

import pytest

from scic.domain import members, shares
from scic.domain.facts import Fact
from scic.domain.state import CoopState
from scic.domain.timeline import Fold
from tests.domain.given import D, Ledger, admitted, coop, subscribed, when


def _admit(category: str, on: str, number: str | None = None) -> Any:
    cmd = members.AdmitMember(name="Zoé", kind="person", category=category, number=number)

    def decide(fold: Fold, c: CoopState) -> list[Fact]:
        return members.admit(c, cmd, "z", "pz", D(on), fold.members.values())

    return decide


def _change(member: str, category: str, on: str) -> Any:
    return lambda fold, c: members.change_category(c, fold.members[member], category, D(on))


def _subscribe_later_member(ledger: Ledger, member: str, on: str) -> Any:
    """A back-dated command for a member admitted after its date, as the write side
    finds the member (scic/write/store.py)."""
    found = ledger.timeline().state.members[member]
    cmd = shares.Subscribe.model_validate({"member_id": member, "shares": 1, "paid": "50.00"})
    return lambda fold, c: shares.subscribe(c, found, cmd, "n", D(on))


NUMBERED = coop()
NUMBERED.given(
    Fact(
        members.MemberAdmitted(
            member_id="n", party_id="pn", kind="person", category="usagers", number="7"
        ),
        D("2019-06-01"),
    )
)
LATE = coop(admitted("l", "usagers", "2021-01-01"))
GONE = coop(
    subscribed("u", "a", 1, "2020-01-01"),
    Fact(
        shares.MemberWithdrew(
            withdrawal_id="w",
            member_id="u",
            exit=True,
            due_by=D("2025-01-01"),
            shares=1,
            subscribed_cents=5000,
            called_cents=5000,
            paid_cents=5000,
        ),
        D("2020-06-01"),
    ),
)

REFUSALS = [
    ("unknown-category", coop(), "2020-01-01", _admit("retraites", "2020-01-01")),
    ("unknown-category", coop(), "2020-01-01", _change("u", "retraites", "2020-01-01")),
    ("same-category", coop(), "2020-01-01", _change("u", "usagers", "2020-01-01")),
    ("member-number-taken", NUMBERED, "2020-01-01", _admit("usagers", "2020-01-01", "007")),
    ("date-before-incorporation", coop(), "2018-06-01", _admit("usagers", "2018-06-01")),
    ("date-before-admission", LATE, "2020-01-01", _subscribe_later_member(LATE, "l", "2020-01-01")),
    ("member-not-active", GONE, "2021-01-01", _change("u", "salaries", "2021-01-01")),
    # R3 — a category change may not take public bodies above the cap
    (
        "public-capital-cap",
        coop(subscribed("u", "a", 10, "2020-01-01")),
        "2020-06-01",
        _change("u", "communes", "2020-06-01"),
    ),
]


@pytest.mark.parametrize(
    ("slug", "ledger", "on", "decide"),
    REFUSALS,
    ids=[f"{slug}-{i}" for i, (slug, *_) in enumerate(REFUSALS)],
)
def test_a_command_is_refused_with_its_rule(
    slug: str, ledger: Ledger, on: str, decide: Any
) -> None:
    assert when(ledger, on, decide) == slug


def test_an_admission_takes_the_next_number() -> None:
    facts = when(NUMBERED, "2020-01-01", _admit("salaries", "2020-01-01"))
    assert isinstance(facts, list)
    [fact] = facts
    assert isinstance(fact.event, members.MemberAdmitted) and fact.event.number == "8"
