"""Weighted votes in general assembly (R4): one member one vote inside each college,
colleges weighted by the statutes, never by capital."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.domain.cooperative import Statutes
from scic.domain.members import is_associate
from scic.domain.state import MemberState
from scic.errors import refuse
from scic.rules.dated import COLLEGE_WEIGHT_MAX

Choice = Literal["yes", "no", "abstain"]


class Ballot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    choice: Choice


class TallyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ballots: list[Ballot] = Field(min_length=1)


@dataclass(frozen=True)
class CollegeCount:
    code: str
    weight: Decimal
    yes: int
    cast: int
    applied: Fraction
    """The weight this vote gave the college once silent colleges' weight was shared."""


PRO_RATA_WITHIN_BOUNDS = "pro-rata-within-bounds"
"""R4 default: a silent college's weight goes pro rata to the colleges that cast votes,
none above the 50 % maximum; what a capped college cannot take goes to the others."""
PRO_RATA_BOUNDS_UNREACHABLE = "pro-rata-bounds-unreachable"
"""Too few colleges cast votes for the bounds to hold (one college alone weighs 100 %)."""


@dataclass(frozen=True)
class Tally:
    colleges: list[CollegeCount]
    result: Fraction
    """Exact: the majority is judged on this, never on a rounded figure."""
    adopted: bool
    redistribution: str | None
    """How silent colleges' weight was shared (None: every college cast votes)."""

    @property
    def rounded(self) -> Decimal:
        return display(self.result)


def display(value: Fraction) -> Decimal:
    """A share for display only: 4 decimals, half to even."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal("0.0001"), rounding=ROUND_HALF_EVEN)


def voters(
    members: Mapping[str, MemberState], ballots: Sequence[Ballot], on: date
) -> list[tuple[str, Choice]]:
    """Each ballot as (category of its voter that day, choice), `members` being the fold
    as at `on`, the assembly's date.

    R2, R4 — one vote per associate, in its college (loi 1947 art. 19 octies): a member
    admitted after `on`, one gone by then, or one holding no share that day has no vote;
    one who left later still votes, in the category it held that day."""
    seen: set[str] = set()
    choices: list[tuple[str, Choice]] = []
    for ballot in ballots:
        if ballot.member_id in seen:
            raise refuse("duplicate-ballot", f"member {ballot.member_id} voted twice")
        seen.add(ballot.member_id)
        member = members.get(ballot.member_id)
        if member is None:
            why = f"was not admitted on {on}"
        elif not member.active:
            why = f"had left on {member.exited_on}"
        elif not is_associate(member):
            why = f"held no share on {on}: no vote"
        else:
            choices.append((member.category, ballot.choice))
            continue
        raise refuse("voter-not-member", f"{ballot.member_id} {why}")
    return choices


def tally(statutes: Statutes, choices: list[tuple[str, Choice]]) -> Tally:
    """`choices`: (category of the voter, choice). Abstentions are not votes cast.

    Result = Σ w_c × yes_c / cast_c over colleges that cast votes (R4), in exact
    fractions; adopted at simple majority: result > 1/2. Without colleges in the statutes,
    every member weighs the same.
    """
    groups = statutes.colleges or []
    counts: dict[str, list[int]] = {c.code: [0, 0] for c in groups}
    for category, choice in choices:
        college = statutes.college_of(category) if groups else None
        key = college.code if college else "all"
        if groups and college is None:
            raise refuse("voter-without-college", f"category {category!r} belongs to no college")
        yes_cast = counts.setdefault(key, [0, 0])
        if choice != "abstain":
            yes_cast[1] += 1
            yes_cast[0] += choice == "yes"
    weights = {c.code: Fraction(c.weight) for c in groups} or {"all": Fraction(1)}
    voting = [code for code in weights if counts.get(code, [0, 0])[1] > 0]
    applied, redistribution = _share_silent_weight(weights, voting)
    result = sum(
        (applied[code] * Fraction(counts[code][0], counts[code][1]) for code in voting),
        Fraction(0),
    )
    declared = {c.code: c.weight for c in groups} or {"all": Decimal(1)}
    rows = [
        CollegeCount(
            code,
            declared[code],
            yes=counts.get(code, [0, 0])[0],
            cast=counts.get(code, [0, 0])[1],
            applied=applied.get(code, Fraction(0)),
        )
        for code in weights
    ]
    return Tally(rows, result, result > Fraction(1, 2), redistribution)


def _share_silent_weight(
    weights: dict[str, Fraction], voting: list[str]
) -> tuple[dict[str, Fraction], str | None]:
    """R4 — the weights a vote applies when some colleges cast no vote."""
    if len(voting) == len(weights):
        return dict(weights), None
    cap = Fraction(COLLEGE_WEIGHT_MAX)
    if len(voting) * cap < 1:
        total = sum((weights[c] for c in voting), Fraction(0))
        return {c: weights[c] / total for c in voting}, PRO_RATA_BOUNDS_UNREACHABLE
    applied: dict[str, Fraction] = {}
    free, remaining = list(voting), Fraction(1)
    while True:
        total = sum((weights[c] for c in free), Fraction(0))
        share = {c: weights[c] * remaining / total for c in free}
        over = [c for c in free if share[c] > cap]
        if not over:
            applied.update(share)
            return applied, PRO_RATA_WITHIN_BOUNDS
        for code in over:
            applied[code] = cap
            remaining -= cap
            free.remove(code)
