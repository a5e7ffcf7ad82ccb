"""Grants (R14): award, instalments, justification, clawback, amendment, closing;
de minimis ceiling over 3 rolling years; agreement required above 23,000 € (public)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledger import NewEvent
from scic.dates import Day, add_years
from scic.domain.funders import PUBLIC_FUNDER_TYPES, FunderIn, FunderType
from scic.errors import refuse
from scic.money import Amount, format_cents, format_ratio
from scic.rules.dated import (
    AGREEMENT_THRESHOLD_CENTS,
    DE_MINIMIS_CEILING_CENTS,
    DE_MINIMIS_WARNING,
    DE_MINIMIS_YEARS,
    value_at,
)

Purpose = Literal["operating", "investment"]


# -- events ----------------------------------------------------------------------------


class Depreciation(BaseModel):
    """Schedule of the funded asset: an investment grant is released to income pro rata."""

    model_config = ConfigDict(extra="forbid")
    start: Day
    years: int = Field(gt=0, le=50)


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
    agreement_ref: str | None = None
    programme: str | None = None
    conditions: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    depreciation: Depreciation | None = None


class GrantAmended(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: str
    amount_cents: int = Field(gt=0, description="new awarded total")
    previous_cents: int
    reason: str


class GrantFlow(BaseModel):
    """Instalment received, justification filed or clawback (by event type)."""

    model_config = ConfigDict(extra="forbid")
    grant_id: str
    amount_cents: int = Field(gt=0)
    reason: str | None = None


class GrantClosed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grant_id: str


# -- commands --------------------------------------------------------------------------


class AwardGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    funder: FunderIn | None = None
    funder_id: str | None = Field(default=None, description="an existing funder, instead of funder")
    purpose: Purpose
    amount: Amount
    awarded_on: Day | None = None
    justify_by: Day | None = None
    de_minimis: bool = False
    de_minimis_override: str | None = Field(
        default=None,
        min_length=5,
        max_length=1000,
        description="reason to record a de minimis grant beyond the ceiling",
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
        return self


class GrantAmount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    effective_date: Day | None = None


class Clawback(GrantAmount):
    reason: str = Field(min_length=3, max_length=1000)


class Amend(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    reason: str = Field(min_length=3, max_length=1000)
    effective_date: Day | None = None


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


# -- decisions -------------------------------------------------------------------------


def award(
    cmd: AwardGrant,
    grant_id: str,
    funder_id: str,
    funder_type: FunderType,
    on: date,
    de_minimis_before: int,
) -> tuple[list[NewEvent], list[str]]:
    """`de_minimis_before`: de minimis aid awarded in the 3 rolling years up to `on`.
    Returns the events and warnings (80 % of the ceiling reached)."""
    if (
        funder_type in PUBLIC_FUNDER_TYPES
        and cmd.amount > AGREEMENT_THRESHOLD_CENTS
        and not cmd.agreement_ref
    ):
        raise refuse(
            "agreement-required",
            f"a public grant above {format_cents(AGREEMENT_THRESHOLD_CENTS)} € needs a "
            "written agreement: give agreement_ref",
        )
    warnings: list[str] = []
    if cmd.de_minimis:
        ceiling = value_at(DE_MINIMIS_CEILING_CENTS, on)
        total = de_minimis_before + cmd.amount
        if total > ceiling and not cmd.de_minimis_override:
            raise refuse(
                "de-minimis-ceiling",
                f"de minimis aid over {DE_MINIMIS_YEARS} rolling years would reach "
                f"{format_cents(total)} €, above the {format_cents(ceiling)} € ceiling "
                f"in force on {on}; record it only with de_minimis_override and a reason",
            )
        if Decimal(total) >= DE_MINIMIS_WARNING * ceiling:
            warnings.append(
                f"R14: de minimis aid reaches {format_ratio(total, ceiling)} of the "
                f"{format_cents(ceiling)} € ceiling"
            )
    data = GrantAwarded(
        grant_id=grant_id,
        funder_id=funder_id,
        funder_type=funder_type,
        purpose=cmd.purpose,
        amount_cents=cmd.amount,
        justify_by=cmd.justify_by,
        de_minimis=cmd.de_minimis,
        de_minimis_override=cmd.de_minimis_override if cmd.de_minimis else None,
        agreement_ref=cmd.agreement_ref,
        programme=cmd.programme,
        conditions=cmd.conditions,
        period_start=cmd.period_start,
        period_end=cmd.period_end,
        depreciation=cmd.depreciation,
    )
    return [
        NewEvent(
            "GrantAwarded",
            data.model_dump(mode="json"),
            on,
            subject_id=funder_id,
            amount_cents=cmd.amount,
        )
    ], warnings


def de_minimis_window(on: date) -> tuple[date, date]:
    """The 3 rolling years ending on `on` (both ends included)."""
    return add_years(on, -DE_MINIMIS_YEARS), on


def instalment(grant: GrantState, cmd: GrantAmount, on: date) -> list[NewEvent]:
    _open(grant, on)
    room = grant.awarded_cents - grant.received_cents
    if cmd.amount > room:
        raise refuse(
            "instalment-exceeds-award",
            f"{format_cents(cmd.amount)} received would exceed the award: "
            f"{format_cents(room)} remain of {format_cents(grant.awarded_cents)}",
        )
    return [_flow("GrantInstalmentReceived", grant, cmd.amount, on)]


def justification(grant: GrantState, cmd: GrantAmount, on: date) -> list[NewEvent]:
    _open(grant, on)
    if grant.received_cents == 0:
        raise refuse(
            "justification-before-payment",
            f"grant {grant.grant_id} has received nothing yet: nothing to justify",
        )
    room = grant.received_cents - grant.justified_cents
    if cmd.amount > room:
        raise refuse(
            "justification-exceeds-received",
            f"{format_cents(cmd.amount)} justified but only {format_cents(room)} of "
            "what was received is not yet justified",
        )
    return [_flow("GrantJustified", grant, cmd.amount, on)]


def clawback(grant: GrantState, cmd: Clawback, on: date) -> list[NewEvent]:
    _after_award(grant, on)
    room = grant.received_cents - grant.clawed_back_cents
    if cmd.amount > room:
        raise refuse(
            "clawback-exceeds-received",
            f"{format_cents(cmd.amount)} clawed back but only {format_cents(room)} was "
            "received and not yet paid back",
        )
    return [_flow("GrantClawedBack", grant, cmd.amount, on, cmd.reason)]


def amend(grant: GrantState, cmd: Amend, on: date) -> list[NewEvent]:
    _open(grant, on)
    if cmd.amount < grant.received_cents:
        raise refuse(
            "award-below-received",
            f"the award cannot fall below the {format_cents(grant.received_cents)} "
            "already received; record a clawback instead",
        )
    data = GrantAmended(
        grant_id=grant.grant_id,
        amount_cents=cmd.amount,
        previous_cents=grant.awarded_cents,
        reason=cmd.reason,
    )
    return [
        NewEvent(
            "GrantAmended",
            data.model_dump(mode="json"),
            on,
            subject_id=grant.grant_id,
            amount_cents=cmd.amount - grant.awarded_cents,
        )
    ]


def close(grant: GrantState, on: date) -> list[NewEvent]:
    _open(grant, on)
    return [
        NewEvent(
            "GrantClosed",
            GrantClosed(grant_id=grant.grant_id).model_dump(),
            on,
            subject_id=grant.grant_id,
        )
    ]


def _flow(
    kind: str, grant: GrantState, amount: int, on: date, reason: str | None = None
) -> NewEvent:
    data = GrantFlow(grant_id=grant.grant_id, amount_cents=amount, reason=reason)
    return NewEvent(
        kind, data.model_dump(mode="json"), on, subject_id=grant.grant_id, amount_cents=amount
    )


def _after_award(grant: GrantState, on: date) -> None:
    if on < grant.awarded_on:
        raise refuse(
            "date-before-award",
            f"{on} is before grant {grant.grant_id} was awarded ({grant.awarded_on})",
        )


def _open(grant: GrantState, on: date) -> None:
    _after_award(grant, on)
    if grant.status == "closed":
        raise refuse("grant-closed", f"grant {grant.grant_id} is closed")


def release_schedule(
    amount_cents: int, depreciation: Depreciation, fiscal_year_end: str
) -> list[dict[str, object]]:
    """R14 — an investment grant (131/138) is released to income (139 via 777, or 747 for
    fiscal years opened from 2025) pro rata temporis of the asset's depreciation.

    Month-based pro rata from the depreciation start; the last year takes the rounding
    remainder so the releases add up to the grant exactly."""
    from scic.rules.dated import GRANT_RELEASE_ACCOUNT

    month, day = (int(p) for p in fiscal_year_end.split("-"))
    total_months = depreciation.years * 12
    start = depreciation.start
    months_done, released, rows = 0, 0, []
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
        rows.append(
            {
                "fiscal_year_end": year_end.isoformat(),
                "months": months,
                "amount": format_cents(share),
                "account": value_at(GRANT_RELEASE_ACCOUNT, opened),
            }
        )
        year_end = add_years(year_end, 1)
    return rows
