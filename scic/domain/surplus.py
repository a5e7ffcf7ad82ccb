"""Surplus allocation by the AG (R9) and the cap on interest on shares (R8): the events,
the bounds, and the decision that refuses an allocation outside them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day
from scic.decimals import RateText
from scic.errors import refuse
from scic.money import AmountOrZero, format_cents
from scic.rules.dated import (
    INTEREST_CAP_MARGIN,
    INTEREST_CAP_YEARS,
    LEGAL_RESERVE_SHARE,
    STATUTORY_RESERVE_SHARE,
    SUBSIDIES_OUT_OF_DISTRIBUTABLE,
    Dated,
    value_at,
)

RATE_QUANTUM = Decimal("0.000001")

# -- events ----------------------------------------------------------------------------


class SurplusAllocated(BaseModel):
    """The AG's decision on a closed year's result (R9), in cents. A loss (result < 0) is
    carried forward (119) or charged to reserves; the figures the bounds rested on are
    kept with it."""

    model_config = ConfigDict(extra="forbid")
    year: int
    decided_on: date
    result_cents: int
    legal_reserve_cents: int = Field(ge=0)
    statutory_reserve_cents: int = Field(ge=0)
    other_reserves_cents: int = Field(ge=0)
    interest_cents: int = Field(ge=0)
    carried_forward_cents: int = Field(default=0, ge=0)
    charged_to_reserves_cents: int = Field(default=0, ge=0)
    carried_loss_cleared_cents: int = Field(default=0, ge=0)
    """R9 — the part of the result that cleared the loss carried forward (119) first."""
    interest_paid_on: date | None = None
    interest_cap_rate: str
    interest_max_cents: int
    interest_by_member: dict[str, int] = Field(default_factory=dict)
    """R8 — the interest split over the members pro rata of their eligible capital."""


class TmoRateSet(BaseModel):
    """An admin records the published TMO of a calendar year (R8)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"year": 2025, "rate": "0.0345", "source": "JO, avis TMO 2025"}]
        },
    )
    year: int = Field(ge=1900, le=2199)  # in force from the next 1 January
    rate: RateText = Field(ge=-1, le=1, decimal_places=6)
    source: str = Field(min_length=3, max_length=500)


EVENTS: tuple[type[BaseModel], ...] = (
    SurplusAllocated,
    TmoRateSet,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


# -- commands --------------------------------------------------------------------------


class Allocate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: str | None = Field(
        default=None,
        pattern=r"^-?\d{1,13}(\.\d{1,2})?$",
        description="the year's result; defaults to the one recorded at closing",
    )
    legal_reserve: AmountOrZero = 0
    statutory_reserve: AmountOrZero = 0
    interest: AmountOrZero = 0
    other_reserves: AmountOrZero = 0
    charged_to_reserves: AmountOrZero = Field(
        default=0, description="for a loss: the part charged to reserves (the rest is carried)"
    )
    decided_on: Day
    interest_paid_on: Day | None = None


# -- bounds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the bounds rest on, as at the year's end.

    Attributes:
      highest_capital_cents: highest subscribed capital reached (R9: the legal reserve
        takes 15 % until it equals it).
      legal_reserve_cents: legal reserve before this allocation.
      eligible_capital_cents: paid capital that may earn interest: shares financed by
        subsidies are left out (R8, art. 19 nonies); public bodies' own shares are not.
      public_subsidies_cents: public operating subsidies of the year (R9).
      carried_loss_cents: the loss carried forward (119) on the AG's date, before this
        allocation (R9: cleared first, C. com. L232-10, L232-11).
    """

    result_cents: int
    highest_capital_cents: int
    legal_reserve_cents: int
    eligible_capital_cents: int
    public_subsidies_cents: int
    tmo: tuple[tuple[int, Decimal], ...]
    decided_on: date
    carried_loss_cents: int = 0


@dataclass(frozen=True)
class Bounds:
    """`base_cents`: the result less the carried loss it clears (what the minimums are
    taken on); `carried_loss_left_cents`: what is still carried after this result."""

    result_cents: int
    legal_reserve_min_cents: int
    remainder_cents: int
    statutory_reserve_min_cents: int
    reserves_min_cents: int
    distributable_cents: int
    subsidies_deducted_cents: int
    interest_cap_rate: Decimal
    interest_cap_cents: int
    interest_max_cents: int
    inputs: Inputs
    carried_loss_cleared_cents: int = 0
    base_cents: int = 0
    carried_loss_left_cents: int = 0


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_CEILING))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_FLOOR))


def interest_cap_rate(tmo: tuple[tuple[int, Decimal], ...], decided_on: date) -> Decimal:
    """R8 — loi 1947 art. 14: average TMO of the 3 calendar years before the AG, + 2
    points for an AG held from 2016-12-11 (loi 2016-1691 art. 113), the average alone
    before."""
    rates = [rate for _, rate in tmo]
    return sum(rates, Decimal(0)) / len(rates) + value_at(INTEREST_CAP_MARGIN, decided_on)


def exact_cap_rate(tmo: tuple[tuple[int, Decimal], ...], decided_on: date) -> Fraction:
    """The R8 cap rate as an exact fraction (a mean of three rates rarely ends), so the
    cap in cents is rounded down once, from the exact value."""
    mean = sum((Fraction(rate) for _, rate in tmo), Fraction(0)) / len(tmo)
    return mean + Fraction(value_at(INTEREST_CAP_MARGIN, decided_on))


def tmo_years(decided_on: date) -> list[int]:
    return [decided_on.year - k for k in range(INTEREST_CAP_YEARS, 0, -1)]


def bounds(inputs: Inputs, subsidies_rule: list[Dated[bool]] | None = None) -> Bounds:
    """R9 — the result first clears the loss carried forward (C. com. L232-10, L232-11);
    on what is left, 15 % to the legal reserve (until it equals the highest capital),
    ≥ 50 % of the remainder to the statutory reserve; interest ≤ what is left after the
    public operating subsidies, and ≤ the R8 cap × eligible capital; no interest while a
    carried loss remains. Minimums round up to the cent, maximums down. A loss has no
    bounds but itself."""
    result = inputs.result_cents
    rate = interest_cap_rate(inputs.tmo, inputs.decided_on)
    carried = inputs.carried_loss_cents
    if result <= 0:
        return Bounds(result, 0, 0, 0, 0, 0, 0, rate, 0, 0, inputs, 0, 0, carried)
    cleared = min(result, carried)
    base = result - cleared
    room = max(0, inputs.highest_capital_cents - inputs.legal_reserve_cents)
    legal = min(_ceil(Decimal(base) * LEGAL_RESERVE_SHARE), room)
    remainder = base - legal
    statutory = _ceil(Decimal(remainder) * STATUTORY_RESERVE_SHARE)
    left = remainder - statutory
    deduct_rule = value_at(subsidies_rule or SUBSIDIES_OUT_OF_DISTRIBUTABLE, inputs.decided_on)
    deducted = min(left, inputs.public_subsidies_cents) if deduct_rule else 0
    distributable = left - deducted
    cap = math.floor(exact_cap_rate(inputs.tmo, inputs.decided_on) * inputs.eligible_capital_cents)
    return Bounds(
        result,
        legal,
        remainder,
        statutory,
        legal + statutory,
        distributable,
        deducted,
        rate,
        cap,
        min(distributable, cap),
        inputs,
        cleared,
        base,
        carried - cleared,
    )


def decide(year: int, b: Bounds, cmd: Allocate) -> SurplusAllocated:
    """The AG's allocation, or the refusal naming the rule it breaks."""
    result = b.result_cents
    if result < 0:
        if cmd.legal_reserve or cmd.statutory_reserve or cmd.interest or cmd.other_reserves:
            raise refuse(
                "loss-not-distributable",
                f"the year's result is a loss of {format_cents(-result)}: nothing goes to "
                "reserves or interest; it is carried forward or charged to reserves",
            )
        if cmd.charged_to_reserves > -result:
            raise refuse(
                "allocation-does-not-add-up",
                f"{format_cents(cmd.charged_to_reserves)} charged to reserves exceeds the "
                f"loss of {format_cents(-result)}",
            )
        charged, carried = cmd.charged_to_reserves, -result - cmd.charged_to_reserves
        return _allocated(year, b, cmd, carried=carried, charged=charged)
    carried_text = _carried(b)
    if cmd.interest and b.carried_loss_left_cents:
        # R9 — C. com. L232-11: nothing is distributed while a carried loss remains.
        raise refuse(
            "interest-while-loss-carried",
            f"{format_cents(cmd.interest)} of interest, but {carried_text}: nothing may be "
            "paid as interest while a loss remains carried forward",
        )
    total = cmd.legal_reserve + cmd.statutory_reserve + cmd.interest + cmd.other_reserves
    if total != b.base_cents or cmd.charged_to_reserves:
        raise refuse(
            "allocation-does-not-add-up",
            f"legal, statutory and other reserves and interest add up to "
            f"{format_cents(total)}, not the {format_cents(b.base_cents)} to allocate "
            f"(result of {format_cents(result)}; {carried_text})",
        )
    if cmd.legal_reserve < b.legal_reserve_min_cents:
        raise refuse(
            "legal-reserve-below-minimum",
            f"{format_cents(cmd.legal_reserve)} to the legal reserve; at least "
            f"{format_cents(b.legal_reserve_min_cents)} (15 % of the "
            f"{format_cents(b.base_cents)} left of the result once the carried loss is "
            f"cleared, until the reserve equals the highest capital reached; {carried_text})",
        )
    if cmd.statutory_reserve < b.statutory_reserve_min_cents:
        raise refuse(
            "statutory-reserve-below-minimum",
            f"{format_cents(cmd.statutory_reserve)} to the statutory reserve; at least "
            f"{format_cents(b.statutory_reserve_min_cents)} (50 % of the remainder after "
            f"the legal reserve; {carried_text})",
        )
    if cmd.interest > b.interest_cap_cents:
        raise refuse(
            "interest-above-cap",
            f"{format_cents(cmd.interest)} of interest exceeds the cap of "
            f"{format_cents(b.interest_cap_cents)} ({b.interest_cap_rate:.4%} of the eligible "
            f"capital, {format_cents(b.inputs.eligible_capital_cents)}; {carried_text})",
        )
    if cmd.interest > b.distributable_cents:
        raise refuse(
            "interest-above-distributable",
            f"{format_cents(cmd.interest)} of interest exceeds the "
            f"{format_cents(b.distributable_cents)} that may be distributed (after the "
            f"minimum reserves and {format_cents(b.subsidies_deducted_cents)} of public "
            f"operating subsidies; {carried_text})",
        )
    if cmd.interest_paid_on is not None and cmd.interest_paid_on < cmd.decided_on:
        raise refuse(
            "interest-paid-before-decision", "interest is paid on or after the AG's decision"
        )
    return _allocated(year, b, cmd)


def _carried(b: Bounds) -> str:
    """The carried loss as a refusal states it."""
    before = b.inputs.carried_loss_cents
    if not before:
        return "no loss carried forward"
    return (
        f"loss carried forward {format_cents(before)}, of which the result clears "
        f"{format_cents(b.carried_loss_cleared_cents)}"
    )


def _allocated(
    year: int, b: Bounds, cmd: Allocate, carried: int = 0, charged: int = 0
) -> SurplusAllocated:
    return SurplusAllocated(
        year=year,
        decided_on=cmd.decided_on,
        result_cents=b.result_cents,
        legal_reserve_cents=cmd.legal_reserve,
        statutory_reserve_cents=cmd.statutory_reserve,
        other_reserves_cents=cmd.other_reserves,
        interest_cents=cmd.interest,
        carried_forward_cents=carried,
        charged_to_reserves_cents=charged,
        carried_loss_cleared_cents=b.carried_loss_cleared_cents,
        interest_paid_on=cmd.interest_paid_on if cmd.interest else None,
        interest_cap_rate=str(b.interest_cap_rate.quantize(RATE_QUANTUM)),
        interest_max_cents=b.interest_max_cents,
    )


def split_interest(total: int, eligible_by_member: dict[str, int]) -> dict[str, int]:
    """`total` cents pro rata of each member's eligible capital; the cents rounding leaves
    go one each to the largest remainders (ties: member id), so the parts add up."""
    base = sum(eligible_by_member.values())
    if total <= 0 or base <= 0:
        return {}
    parts = {m: total * cents // base for m, cents in eligible_by_member.items() if cents > 0}
    left = total - sum(parts.values())
    by_remainder = sorted(parts, key=lambda m: (-(total * eligible_by_member[m] % base), m))
    for member in by_remainder[:left]:
        parts[member] += 1
    return {m: c for m, c in sorted(parts.items()) if c}


def reserves_of(allocation: SurplusAllocated) -> int:
    """What an allocation adds to the reserves (a loss charged to them takes away)."""
    a = allocation
    added = a.legal_reserve_cents + a.statutory_reserve_cents + a.other_reserves_cents
    return added - a.charged_to_reserves_cents
