"""Fiscal years: their periods, their closing, and the refusal of writes into a closed
period (R16: a closed fiscal year never changes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ledger import NewEvent
from scic.accounting.tables import fiscal_year_closings
from scic.errors import refuse
from scic.money import AmountOrZero

# -- events ----------------------------------------------------------------------------


class FiscalYearClosed(BaseModel):
    """A year closed by the accountant or manager.

    Attributes:
      head_position / head_hash: the ledger's head when it was closed; the year's reports
        read the events known at that position, so they never change afterwards.
      result_cents: the year's result (profit > 0, loss < 0) from the general accounts.
      own_revenue_cents: turnover and other own income of the year (R15), with its source.
    """

    model_config = ConfigDict(extra="forbid")
    year: int
    start: date
    end: date
    closed_at: datetime
    head_position: int = Field(ge=0)
    head_hash: str
    result_cents: int | None = None
    own_revenue_cents: int | None = None
    own_revenue_source: str | None = None


# -- commands --------------------------------------------------------------------------


class CloseYear(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: str | None = Field(
        default=None,
        pattern=r"^-?\d{1,13}(\.\d{1,2})?$",
        description='the year\'s result from the accounts ("-1200.00" for a loss)',
    )
    own_revenue: AmountOrZero | None = None
    own_revenue_source: str | None = Field(default=None, max_length=500)


# -- periods ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FiscalYear:
    """A fiscal year, named by the calendar year of its last day.

    Attributes:
      start / end: first and last day, both included. The first year runs from
        incorporation to the first `fiscal_year_end` on or after it (so it may be short).
    """

    year: int
    start: date
    end: date

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _end_in(year: int, fiscal_year_end: str) -> date:
    month, day = (int(p) for p in fiscal_year_end.split("-"))
    return date(year, month, day)


def year_of(incorporated_on: date, fiscal_year_end: str, day: date) -> FiscalYear | None:
    """The fiscal year containing `day`; None before incorporation."""
    if day < incorporated_on:
        return None
    end = _end_in(day.year, fiscal_year_end)
    if end < day:
        end = _end_in(day.year + 1, fiscal_year_end)
    start = _end_in(end.year - 1, fiscal_year_end) + timedelta(days=1)
    return FiscalYear(end.year, max(start, incorporated_on), end)


def fiscal_year(incorporated_on: date, fiscal_year_end: str, year: int) -> FiscalYear | None:
    """Fiscal year `year` (the one ending in that calendar year); None if none does."""
    end = _end_in(year, fiscal_year_end)
    if end < incorporated_on:
        return None
    return year_of(incorporated_on, fiscal_year_end, end)


def years_until(incorporated_on: date, fiscal_year_end: str, day: date) -> list[FiscalYear]:
    """Every fiscal year from incorporation to the one containing `day`."""
    found: list[FiscalYear] = []
    current = year_of(incorporated_on, fiscal_year_end, incorporated_on)
    while current is not None and current.start <= day:
        found.append(current)
        current = year_of(incorporated_on, fiscal_year_end, current.end + timedelta(days=1))
    return found


# -- the closed period -----------------------------------------------------------------


def closed_until(conn: sa.Connection, coop_id: str) -> date | None:
    """Last day of the latest closed fiscal year (years close in order)."""
    c = fiscal_year_closings.c
    return conn.execute(sa.select(sa.func.max(c.end)).where(c.coop_id == coop_id)).scalar()


# Facts that move no account and no register of a closed year: a cooperative review
# (R10) is recorded on the day its report was made available, even in a closed year.
OUTSIDE_THE_BOOKS = frozenset({"CooperativeReviewRecorded"})


def check_open(conn: sa.Connection, coop_id: str, events: Sequence[NewEvent], today: date) -> None:
    """R16 — refuse events effective in a closed fiscal year (`closed-period`, 409).
    Called once per command, right before the append."""
    if not events:
        return
    until = closed_until(conn, coop_id)
    if until is None:
        return
    for event in events:
        if event.type in OUTSIDE_THE_BOOKS:
            continue
        on = event.effective_date or today
        day = on if isinstance(on, date) else date.fromisoformat(on)
        if day <= until:
            raise refuse(
                "closed-period",
                f"{event.type} is effective on {day}, in a fiscal year closed up to {until}; "
                "date it in the open year (a correction is booked there as a prior-period "
                "adjustment)",
            )


def first_open_day(conn: sa.Connection, coop_id: str) -> date | None:
    until = closed_until(conn, coop_id)
    return None if until is None else until + timedelta(days=1)


def as_prior_period_adjustments(
    conn: sa.Connection, coop_id: str, events: list[NewEvent], today: date
) -> list[NewEvent]:
    """R16 — a correction of an event in a closed year is booked in the open year as a
    prior-period adjustment: dated today (the year the error is found, never before the
    first open day), naming the closed year it adjusts (`prior_period_year`) and, as every
    reversal does, the event it reverses (`reverses`)."""
    until = closed_until(conn, coop_id)
    if until is None:
        return events
    c = fiscal_year_closings.c
    adjusted = []
    for event in events:
        on = event.effective_date
        day = on if isinstance(on, date) or on is None else date.fromisoformat(on)
        if event.type == "EventReversed" and day is not None and day <= until:
            year = conn.execute(
                sa.select(c.year).where(c.coop_id == coop_id, c.start <= day, c.end >= day)
            ).scalar()
            event = replace(
                event,
                effective_date=max(until + timedelta(days=1), today),
                data={**event.data, "prior_period_year": year},
            )
        adjusted.append(event)
    return adjusted
