"""R4 tally as a pure function: given statutes and ballots, then a result (no database)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from scic.domain.cooperative import Category, College, Statutes
from scic.domain.state import Holding, MemberState
from scic.domain.votes import (
    PRO_RATA_BOUNDS_UNREACHABLE,
    PRO_RATA_WITHIN_BOUNDS,
    Ballot,
    Choice,
    tally,
    voters,
)
from scic.errors import DomainError


def statutes(*weights: tuple[str, str]) -> Statutes:
    return Statutes(
        legal_form="SAS",
        share_nominal_cents=2_000,
        statutory_floor_cents=0,
        categories=[Category(code=f"cat{code}", name=code) for code, _ in weights],
        colleges=[
            College(code=code, name=code, weight=Decimal(weight), categories=[f"cat{code}"])
            for code, weight in weights
        ],
    )


def ballots(college: str, yes: int, no: int) -> list[tuple[str, Choice]]:
    category = f"cat{college}"
    yes_votes: list[tuple[str, Choice]] = [(category, "yes")] * yes
    no_votes: list[tuple[str, Choice]] = [(category, "no")] * no
    return yes_votes + no_votes


def test_a_majority_by_a_hair_is_a_majority() -> None:
    """0.4999 + 0.3001 × 7/4201 = 0.50040…: above one half, though it shows as 0.5004;
    and 0.4999 + 0.3001 × 1/2001 = 0.500049… shows as 0.5000 yet is adopted."""
    rules = statutes(("A", "0.4999"), ("B", "0.3001"), ("C", "0.2000"))
    hair = tally(rules, ballots("A", 9, 0) + ballots("B", 1, 2000) + ballots("C", 0, 3))
    assert hair.result == Fraction(4999, 10000) + Fraction(3001, 10000) * Fraction(1, 2001)
    assert str(hair.rounded) == "0.5000"
    assert hair.adopted is True
    exactly_half = tally(
        statutes(("A", "0.5000"), ("B", "0.3000"), ("C", "0.2000")),
        ballots("A", 4, 0) + ballots("B", 0, 6) + ballots("C", 0, 1),
    )
    assert exactly_half.result == Fraction(1, 2) and exactly_half.adopted is False


def test_a_silent_college_cannot_push_another_above_half() -> None:
    """D and C silent: pro rata, A would weigh 0.45/0.70 = 64 %; it stops at 50 % and B
    takes the rest. 0.5 × 2/3 + 0.5 × 1/4 = 11/24."""
    rules = statutes(("A", "0.45"), ("B", "0.25"), ("C", "0.20"), ("D", "0.10"))
    result = tally(rules, ballots("A", 2, 1) + ballots("B", 1, 3))
    assert result.redistribution == PRO_RATA_WITHIN_BOUNDS
    assert {c.code: c.applied for c in result.colleges} == {
        "A": Fraction(1, 2),
        "B": Fraction(1, 2),
        "C": 0,
        "D": 0,
    }
    assert result.result == Fraction(11, 24) and result.adopted is False


def test_pro_rata_when_no_college_reaches_the_cap() -> None:
    rules = statutes(("A", "0.30"), ("B", "0.30"), ("C", "0.30"), ("D", "0.10"))
    result = tally(rules, ballots("A", 1, 0) + ballots("B", 0, 1) + ballots("C", 1, 0))
    third = Fraction(1, 3)
    assert {c.code: c.applied for c in result.colleges} == {
        "A": third,
        "B": third,
        "C": third,
        "D": 0,
    }
    assert result.result == Fraction(2, 3) and result.redistribution == PRO_RATA_WITHIN_BOUNDS


def test_one_college_alone_cannot_stay_within_the_bounds() -> None:
    rules = statutes(("A", "0.40"), ("B", "0.40"), ("C", "0.20"))
    result = tally(rules, ballots("B", 3, 1))
    assert result.redistribution == PRO_RATA_BOUNDS_UNREACHABLE
    assert result.result == Fraction(3, 4) and result.adopted is True


def test_every_college_voting_keeps_the_statutes_weights() -> None:
    rules = statutes(("A", "0.50"), ("B", "0.30"), ("C", "0.20"))
    result = tally(rules, ballots("A", 1, 1) + ballots("B", 1, 0) + ballots("C", 0, 1))
    assert result.redistribution is None
    assert result.result == Fraction(1, 4) + Fraction(3, 10) and result.adopted is True


def test_a_voter_whose_category_is_in_no_college_is_refused() -> None:
    with pytest.raises(DomainError) as refused:
        tally(statutes(("A", "0.4"), ("B", "0.3"), ("C", "0.3")), [("catZ", "yes")])
    assert refused.value.slug == "voter-without-college"


ASSEMBLY = date(2025, 6, 1)


def member(member_id: str, shares: int, pending: int = 0, *, left: bool = False) -> MemberState:
    return MemberState(
        member_id=member_id,
        category="catA",
        admitted_on=date(2024, 1, 1),
        status="withdrawn" if left else "active",
        exited_on=date(2025, 1, 1) if left else None,
        holding=Holding(shares=shares),
        pending=Holding(shares=pending),
    )


def test_an_associate_votes_in_the_category_it_held_that_day() -> None:
    members = {"a": member("a", 2), "b": member("b", 1)}
    ballots_ = [Ballot(member_id="a", choice="yes"), Ballot(member_id="b", choice="no")]
    assert voters(members, ballots_, ASSEMBLY) == [("catA", "yes"), ("catA", "no")]


@pytest.mark.parametrize(
    ("members", "ballots_", "slug", "why"),
    [
        ({}, ["x"], "voter-not-member", "was not admitted on 2025-06-01"),
        ({"g": member("g", 0, left=True)}, ["g"], "voter-not-member", "had left on 2025-01-01"),
        ({"z": member("z", 0)}, ["z"], "voter-not-member", "held no share"),
        # every share asked back: admitted still, no longer an associate (R2, R4)
        ({"w": member("w", 3, pending=3)}, ["w"], "voter-not-member", "held no share"),
        ({"a": member("a", 1)}, ["a", "a"], "duplicate-ballot", "voted twice"),
    ],
)
def test_a_ballot_that_is_not_an_associates_own_is_refused(
    members: dict[str, MemberState], ballots_: list[str], slug: str, why: str
) -> None:
    with pytest.raises(DomainError) as refused:
        voters(members, [Ballot(member_id=m, choice="yes") for m in ballots_], ASSEMBLY)
    assert refused.value.slug == slug and why in refused.value.detail
