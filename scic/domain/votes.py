"""Weighted votes in general assembly (R4): one member one vote inside each college,
colleges weighted by the statutes, never by capital."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scic.domain.cooperative import Statutes
from scic.errors import refuse

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


@dataclass(frozen=True)
class Tally:
    colleges: list[CollegeCount]
    result: Decimal
    adopted: bool


def tally(statutes: Statutes, choices: list[tuple[str, Choice]]) -> Tally:
    """`choices`: (category of the voter, choice). Abstentions are not votes cast.

    Result = Σ w_c × yes_c / cast_c over colleges that cast votes, the weights of
    colleges that cast none being shared pro rata among the others (the default the
    statutes may override). Adopted at simple majority: result > 0.5.
    Without colleges in the statutes, every member weighs the same.
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
    weights = {c.code: c.weight for c in groups} or {"all": Decimal(1)}
    voting = {code: w for code, w in weights.items() if counts.get(code, [0, 0])[1] > 0}
    total = sum(voting.values(), Decimal(0))
    result = Decimal(0)
    for code, weight in voting.items():
        yes, cast = counts[code]
        result += weight / total * Decimal(yes) / Decimal(cast)
    result = result.quantize(Decimal("0.0001"))
    rows = [CollegeCount(code, weights[code], *counts.get(code, [0, 0])) for code in weights]
    return Tally(rows, result, result > Decimal("0.5"))
