"""Fiscal years (R16): their periods, from incorporation to each `fiscal_year_end`, and
the event that closes one. Pure date arithmetic: the closed period as the database
records it, and the refusal of writes into it, are in scic/accounting/fiscal_years.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

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


EVENTS: tuple[type[BaseModel], ...] = (FiscalYearClosed,)
"""This aggregate's event types (scic/events.py registers them by class name)."""


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
    if year < incorporated_on.year:  # ended before incorporation (year 0 has no date)
        return None
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
