"""Grants (R14): award, instalments, justification, clawback, amendment, closing; the
de minimis ceiling over the period its regulation sets, and a written agreement above
23,000 € (public) — an amendment raising an award is checked like a new award."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from scic.dates import Day, add_years
from scic.domain.facts import Fact
from scic.domain.fiscal_years import fiscal_year, year_of
from scic.domain.funders import PUBLIC_FUNDER_TYPES, FunderIn, FunderType, one_funder
from scic.errors import refuse
from scic.jsontypes import Boolean, Integer
from scic.money import Amount, format_cents, format_ratio
from scic.rules.dated import (
    AGREEMENT_THRESHOLD_CENTS,
    DE_MINIMIS_REGIMES,
    DE_MINIMIS_WARNING,
    DeMinimisRegime,
    entry_at,
    value_at,
)

Purpose = Literal["operating", "investment"]
DeMinimisRegimeName = Literal["general", "sieg"]
Figure = Literal["awarded", "received", "justified", "clawed_back"]


@dataclass(frozen=True)
class GrantMove:
    """What a grant event does to the grant's figures (R14): the figure it moves (the
    `grants` row's and GrantState's `{figure}_cents`) and by how much. The funding fold,
    the funding projector and the journal read it; none reads the amounts by type."""

    grant_id: str
    figure: Figure
    cents: int


# -- events ----------------------------------------------------------------------------


class Depreciation(BaseModel):
    """Schedule of the funded asset: an investment grant is released to income pro rata."""

    model_config = ConfigDict(extra="forbid")
    start: Day
    years: Integer = Field(gt=0, le=50)


class GrantAwarded(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: str
    funder_id: str
    funder_type: FunderType
    purpose: Purpose
    amount_cents: int = Field(gt=0)
    justify_by: date | None = None
    de_minimis: bool = False
    de_minimis_override: str | None = None
    de_minimis_regime: DeMinimisRegimeName = "general"
    agreement_ref: str | None = None
    programme: str | None = None
    conditions: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    depreciation: Depreciation | None = None

    def move(self) -> GrantMove:
        return GrantMove(self.grant_id, "awarded", self.amount_cents)


class GrantAmended(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: str
    amount_cents: int = Field(gt=0, description="new awarded total")
    previous_cents: int
    reason: str
    agreement_ref: str | None = None
    de_minimis_override: str | None = None

    def move(self) -> GrantMove:
        """The change of the award as recorded (against the award it amended)."""
        return GrantMove(self.grant_id, "awarded", self.amount_cents - self.previous_cents)


class GrantFlow(BaseModel):
    """Instalment received, justification filed or clawback (by event type)."""

    model_config = ConfigDict(extra="forbid")
    grant_id: str
    amount_cents: int = Field(gt=0)
    reason: str | None = None
    # an instalment read from a bank statement (scic.bank): the line's reference; absent
    # from the payload when there is none, so flows stored before it hash unchanged
    bank_reference: str | None = Field(default=None, exclude_if=lambda v: v is None)

    FIGURE: ClassVar[Figure]
    """The grant figure this flow adds to."""

    def move(self) -> GrantMove:
        return GrantMove(self.grant_id, self.FIGURE, self.amount_cents)


class GrantInstalmentReceived(GrantFlow):
    """The three flows share GrantFlow's payload; these subclasses name the fact (the
    event type is the class name) and the figure it moves."""

    FIGURE = "received"


class GrantJustified(GrantFlow):
    FIGURE = "justified"


class GrantClawedBack(GrantFlow):
    FIGURE = "clawed_back"


class GrantClosed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: str


EVENTS: tuple[type[BaseModel], ...] = (
    GrantAwarded,
    GrantAmended,
    GrantInstalmentReceived,
    GrantJustified,
    GrantClawedBack,
    GrantClosed,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


# -- commands --------------------------------------------------------------------------


class AwardGrant(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=one_funder("funder"))
    funder: FunderIn | None = None
    funder_id: str | None = Field(default=None, description="an existing funder, instead of funder")
    purpose: Purpose
    amount: Amount
    awarded_on: Day | None = None
    justify_by: Day | None = None
    de_minimis: Boolean = False
    de_minimis_override: str | None = Field(
        default=None,
        min_length=5,
        max_length=1000,
        description="reason to record a de minimis grant beyond the ceiling",
    )
    de_minimis_regime: DeMinimisRegimeName = Field(
        default="general",
        description="general de minimis (300,000 € over 3 years) or SIEG compensation "
        "(services of general economic interest: 750,000 €), R14",
    )
    agreement_ref: str | None = Field(default=None, max_length=120)
    programme: str | None = Field(default=None, max_length=200)
    conditions: str | None = Field(default=None, max_length=2000)
    period_start: Day | None = None
    period_end: Day | None = None
    depreciation: Depreciation | None = None

    @model_validator(mode="after")
    def _one_funder(self) -> AwardGrant:
        if (self.funder is None) == (self.funder_id is None):
            raise ValueError("give either funder {name, type} or funder_id")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        if self.de_minimis_regime == "sieg" and not self.de_minimis:
            raise ValueError("de_minimis_regime sieg is de minimis aid: set de_minimis")
        return self


class GrantAmount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    effective_date: Day | None = None


class Instalment(GrantAmount):
    bank_reference: str | None = Field(
        default=None,
        max_length=140,
        exclude_if=lambda v: v is None,
        description="the bank's reference of the statement line (set by reconciliation)",
    )


class Clawback(GrantAmount):
    reason: str = Field(min_length=3, max_length=1000)


class Amend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    reason: str = Field(min_length=3, max_length=1000)
    effective_date: Day | None = None
    agreement_ref: str | None = Field(
        default=None,
        max_length=120,
        description="the written agreement (avenant), needed when a public grant rises "
        "above 23,000 € and none was given at award",
    )
    de_minimis_override: str | None = Field(
        default=None,
        min_length=5,
        max_length=1000,
        description="reason to record a de minimis increase beyond the ceiling",
    )


class Close(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_date: Day | None = None


# -- state -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GrantState:
    grant_id: str
    funder_type: str
    awarded_cents: int
    received_cents: int
    justified_cents: int
    clawed_back_cents: int
    awarded_on: date
    status: str
    de_minimis: bool = False
    agreement_ref: str | None = None
    funder_id: str = ""
    period_start: date | None = None
    period_end: date | None = None
    de_minimis_regime: str = "general"

    def annual(self) -> dict[int, Fraction]:
        return annual_amounts(
            self.awarded_cents, self.period_start, self.period_end, self.awarded_on
        )


@dataclass(frozen=True)
class DeMinimisWindow:
    """The de minimis aid a new grant is added to. Attributes:
    start / end: first and last day of aid counted (end: the new grant's date).
    regime: the ceiling and period in force on `end`, with its `source`."""

    start: date
    end: date
    regime: DeMinimisRegime
    source: str


# -- decisions -------------------------------------------------------------------------


def award(
    cmd: AwardGrant,
    grant_id: str,
    funder_id: str,
    funder_type: FunderType,
    on: date,
    window: DeMinimisWindow,
    de_minimis_before: int,
    authority_years: dict[int, Fraction] | None = None,
) -> tuple[list[Fact], list[str]]:
    """`de_minimis_before`: de minimis aid granted within `window`; `authority_years`:
    the annual amounts of the funder's other public grants, by calendar year. Returns
    the facts and warnings (80 % of the ceiling reached)."""
    data = GrantAwarded(
        grant_id=grant_id,
        funder_id=funder_id,
        funder_type=funder_type,
        purpose=cmd.purpose,
        amount_cents=cmd.amount,
        justify_by=cmd.justify_by,
        de_minimis=cmd.de_minimis,
        de_minimis_override=cmd.de_minimis_override if cmd.de_minimis else None,
        de_minimis_regime=cmd.de_minimis_regime,
        agreement_ref=cmd.agreement_ref,
        programme=cmd.programme,
        conditions=cmd.conditions,
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        depreciation=cmd.depreciation,
    )
    return [Fact(data, on)], check_award(data, window, de_minimis_before, authority_years or {})


def check_award(
    e: GrantAwarded,
    window: DeMinimisWindow,
    de_minimis_before: int,
    authority_years: dict[int, Fraction],
) -> list[str]:
    """R14 — an award on its date: the written agreement, the de minimis ceiling."""
    annual = annual_amounts(e.amount_cents, e.period_start, e.period_end, window.end)
    _check_agreement(e.funder_type, annual, authority_years, e.agreement_ref)
    if not e.de_minimis:
        return []
    return _check_de_minimis(window, de_minimis_before, e.amount_cents, e.de_minimis_override)


def de_minimis_window(
    on: date, incorporated_on: date, fiscal_year_end: str, regime_name: str = "general"
) -> DeMinimisWindow:
    """R14 — the period de minimis aid is summed over, by the regime in force on the
    grant's date: before 2024 (reg. 1407/2013; SIEG: 360/2012) the fiscal year of the
    grant and the two before it, the beneficiary's fiscal years; from 2024 (reg.
    2023/2831; SIEG: 2023/2832) the three rolling years ending on the grant's date."""
    entry = entry_at(DE_MINIMIS_REGIMES[regime_name], on)
    regime = entry.value
    if regime.period == "rolling-years":
        start = add_years(on, -regime.years) + timedelta(days=1)
    else:
        current = year_of(incorporated_on, fiscal_year_end, on)
        first = (
            fiscal_year(incorporated_on, fiscal_year_end, current.year - regime.years + 1)
            if current
            else None
        )
        start = first.start if first else min(incorporated_on, on)
    return DeMinimisWindow(start, on, regime, entry.source)


def funded_years(start: date, end: date) -> int:
    """The number of years a funded period covers (a period a few days short of whole
    years counts them whole; at least one)."""
    days = (end - start).days + 1
    return max(1, math.ceil(Fraction(days * 100, 36525) - Fraction(1, 100)))


def annual_amounts(
    amount_cents: int, start: date | None, end: date | None, awarded_on: date
) -> dict[int, Fraction]:
    """R14 — a grant's annual amount (décret 2001-495 art. 1), by calendar year: its
    amount spread evenly over the years of its funded period, counted in every calendar
    year the period touches; a grant with no period: its amount, in its award's year."""
    if start is None or end is None:
        return {awarded_on.year: Fraction(amount_cents)}
    annual = Fraction(amount_cents, funded_years(start, end))
    return dict.fromkeys(range(start.year, end.year + 1), annual)


def _check_agreement(
    funder_type: str,
    annual: dict[int, Fraction],
    authority_years: dict[int, Fraction],
    agreement_ref: str | None,
) -> None:
    # R14 — décret 2001-495 art. 1: a written agreement when the public grants of one
    # granting authority exceed 23,000 € in a year (their annual amounts added).
    if funder_type not in PUBLIC_FUNDER_TYPES or agreement_ref:
        return
    for year, cents in sorted(annual.items()):
        others = authority_years.get(year, Fraction(0))
        total = others + cents
        if total > AGREEMENT_THRESHOLD_CENTS:
            with_others = (
                f", with {_euros(others)} € of the same funder's other grants" if others else ""
            )
            raise refuse(
                "agreement-required",
                f"public grants of one granting authority above "
                f"{format_cents(AGREEMENT_THRESHOLD_CENTS)} € a year need a written "
                f"agreement: in {year} this grant's annual amount is {_euros(cents)} €"
                f"{with_others}, {_euros(total)} € in all: give agreement_ref",
            )


def _euros(cents: Fraction) -> str:
    return format_cents(round(cents))


def _check_de_minimis(
    window: DeMinimisWindow, before: int, added: int, override: str | None
) -> list[str]:
    """R14 — refuse aid beyond the ceiling unless overridden with a reason; warn at 80 %."""
    ceiling = window.regime.ceiling_cents
    total = before + added
    period = (
        f"the fiscal years from {window.start} to {window.end}"
        if window.regime.period == "fiscal-years"
        else f"the {window.regime.years} rolling years from {window.start} to {window.end}"
    )
    if total > ceiling and not override:
        raise refuse(
            "de-minimis-ceiling",
            f"de minimis aid over {period} would reach {format_cents(total)} €, above the "
            f"{format_cents(ceiling)} € ceiling ({window.source}); record it only with "
            "de_minimis_override and a reason",
        )
    if Decimal(total) >= DE_MINIMIS_WARNING * ceiling:
        return [
            f"R14: de minimis aid over {period} reaches {format_ratio(total, ceiling)} of "
            f"the {format_cents(ceiling)} € ceiling"
        ]
    return []


def instalment(grant: GrantState, cmd: Instalment, on: date) -> list[Fact]:
    check_instalment(grant, cmd.amount, on)
    flow = _flow("GrantInstalmentReceived", grant, cmd.amount, on)
    if cmd.bank_reference is None:
        return [flow]
    return [Fact(flow.event.model_copy(update={"bank_reference": cmd.bank_reference}), on)]


def check_instalment(grant: GrantState, amount: int, on: date) -> None:
    """R14 — what is received never exceeds the award."""
    _open(grant, on)
    room = grant.awarded_cents - grant.received_cents
    if amount > room:
        raise refuse(
            "instalment-exceeds-award",
            f"{format_cents(amount)} received would exceed the award: "
            f"{format_cents(room)} remain of {format_cents(grant.awarded_cents)}",
        )


def justification(grant: GrantState, cmd: GrantAmount, on: date) -> list[Fact]:
    check_justification(grant, cmd.amount, on)
    return [_flow("GrantJustified", grant, cmd.amount, on)]


def check_justification(grant: GrantState, amount: int, on: date) -> None:
    """R14 — spending is justified after a payment, and never beyond what was received."""
    _open(grant, on)
    if grant.received_cents == 0:
        raise refuse(
            "justification-before-payment",
            f"grant {grant.grant_id} has received nothing yet: nothing to justify",
        )
    room = left_to_justify(grant.received_cents, grant.clawed_back_cents, grant.justified_cents)
    if amount > room:
        raise refuse(
            "justification-exceeds-received",
            f"{format_cents(amount)} justified but only {format_cents(room)} of "
            "what was received (less what was clawed back) is not yet justified",
        )


def left_to_justify(received_cents: int, clawed_back_cents: int, justified_cents: int) -> int:
    """R14 — what is left to justify: received − clawed back − justified (never below 0)."""
    return max(0, received_cents - clawed_back_cents - justified_cents)


def clawback(grant: GrantState, cmd: Clawback, on: date) -> list[Fact]:
    check_clawback(grant, cmd.amount, on)
    return [_flow("GrantClawedBack", grant, cmd.amount, on, cmd.reason)]


def check_clawback(grant: GrantState, amount: int, on: date) -> None:
    """R14 — nothing is paid back beyond what was received."""
    require_awarded(grant, grant.grant_id, on)
    room = grant.received_cents - grant.clawed_back_cents
    if amount > room:
        raise refuse(
            "clawback-exceeds-received",
            f"{format_cents(amount)} clawed back but only {format_cents(room)} was "
            "received and not yet paid back",
        )


def amend(
    grant: GrantState,
    cmd: Amend,
    on: date,
    window: DeMinimisWindow,
    de_minimis_before: int,
    authority_years: dict[int, Fraction] | None = None,
) -> tuple[list[Fact], list[str]]:
    """An amendment (avenant) raising an award grants the increase on its date: it is
    checked like a new award — the written agreement (the grant's new annual amount with
    the funder's other grants) and the de minimis ceiling (`de_minimis_before`: aid
    granted within `window`, this grant's included)."""
    data = GrantAmended(
        grant_id=grant.grant_id,
        amount_cents=cmd.amount,
        previous_cents=grant.awarded_cents,
        reason=cmd.reason,
        agreement_ref=cmd.agreement_ref,
        de_minimis_override=cmd.de_minimis_override if grant.de_minimis else None,
    )
    checked = check_amendment(grant, data, on, window, de_minimis_before, authority_years or {})
    return [Fact(data, on)], checked


def check_amendment(
    grant: GrantState,
    e: GrantAmended,
    on: date,
    window: DeMinimisWindow,
    de_minimis_before: int,
    authority_years: dict[int, Fraction],
) -> list[str]:
    """R14 — an amendment on its date, on the grant as it stood then."""
    _open(grant, on)
    if e.amount_cents < grant.received_cents:
        raise refuse(
            "award-below-received",
            f"the award cannot fall below the {format_cents(grant.received_cents)} "
            "already received; record a clawback instead",
        )
    increase = e.amount_cents - grant.awarded_cents
    if increase <= 0:
        return []
    annual = annual_amounts(e.amount_cents, grant.period_start, grant.period_end, grant.awarded_on)
    agreement = e.agreement_ref or grant.agreement_ref
    _check_agreement(grant.funder_type, annual, authority_years, agreement)
    if not grant.de_minimis:
        return []
    return _check_de_minimis(window, de_minimis_before, increase, e.de_minimis_override)


def close(grant: GrantState, on: date) -> list[Fact]:
    check_close(grant, on)
    return [Fact(GrantClosed(grant_id=grant.grant_id), on)]


def check_close(grant: GrantState, on: date) -> None:
    _open(grant, on)


_FLOWS: dict[str, type[GrantFlow]] = {
    c.__name__: c for c in (GrantInstalmentReceived, GrantJustified, GrantClawedBack)
}


def _flow(kind: str, grant: GrantState, amount: int, on: date, reason: str | None = None) -> Fact:
    return Fact(_FLOWS[kind](grant_id=grant.grant_id, amount_cents=amount, reason=reason), on)


def require_awarded(grant: GrantState | None, grant_id: str, on: date) -> GrantState:
    """Nothing is received, justified, clawed back, amended or closed before its grant
    is awarded (`grant` None: not awarded yet on `on`)."""
    if grant is None or on < grant.awarded_on:
        raise refuse("date-before-award", f"on {on} grant {grant_id} is not awarded yet")
    return grant


def _open(grant: GrantState, on: date) -> None:
    require_awarded(grant, grant.grant_id, on)
    if grant.status == "closed":
        raise refuse("grant-closed", f"grant {grant.grant_id} is closed")


@dataclass(frozen=True, slots=True)
class Release:
    """One fiscal year's part of an investment grant released to income, on `account`."""

    fiscal_year_end: date
    months: int
    amount_cents: int
    account: str


def release_schedule(
    amount_cents: int, depreciation: Depreciation, fiscal_year_end: str
) -> list[Release]:
    """R14 — an investment grant (131/138) is released to income (139 via 777, or 747 for
    fiscal years opened from 2025) pro rata temporis of the asset's depreciation.

    Month-based pro rata from the depreciation start; the last year takes the rounding
    remainder so the releases add up to the grant exactly."""
    from scic.rules.dated import GRANT_RELEASE_ACCOUNT

    month, day = (int(p) for p in fiscal_year_end.split("-"))
    total_months = depreciation.years * 12
    start = depreciation.start
    months_done, released = 0, 0
    rows: list[Release] = []
    year_end = date(start.year, month, day)
    if year_end < start:
        year_end = date(start.year + 1, month, day)
    while months_done < total_months:
        year_start = add_years(year_end, -1)
        opened = date.fromordinal(year_start.toordinal() + 1)
        first = max(start, opened)
        months = min(
            total_months - months_done,
            (year_end.year - first.year) * 12 + year_end.month - first.month + 1,
        )
        months_done += months
        share = (
            amount_cents - released
            if months_done == total_months
            else amount_cents * months // total_months
        )
        released += share
        rows.append(Release(year_end, months, share, value_at(GRANT_RELEASE_ACCOUNT, opened)))
        year_end = add_years(year_end, 1)
    return rows
