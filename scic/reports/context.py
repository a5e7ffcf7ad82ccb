"""What a report is asked for, checked once: the cooperative, the as-at date and the
fiscal-year period it falls in. Bad requests are refused here, before any file is made."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from scic.domain.cooperative import Statutes
from scic.errors import DomainError, Refusal, refuse
from scic.projections import views


@dataclass(frozen=True)
class Context:
    """Attributes:
    start, as_of: the period the report covers; `start` opens the fiscal year that holds
        `as_of` (or the incorporation date for the first year).
    year: the fiscal year asked for (`?year=`), named by the calendar year it ends in.
    funder: a grant statement's funder (`?funder=`), None for every funder.
    """

    coop_id: str
    coop_name: str
    siren: str | None
    incorporated_on: date
    statutes: Statutes
    as_of: date
    start: date
    year: int | None
    funder: str | None = None


def fiscal_year_end(statutes: Statutes, year: int) -> date:
    month, day = (int(part) for part in statutes.fiscal_year_end.split("-"))
    return date(year, month, min(day, 28) if month == 2 else day)


def fiscal_year_of(statutes: Statutes, day: date) -> int:
    """The fiscal year holding `day`, named by the calendar year it ends in."""
    return day.year if day <= fiscal_year_end(statutes, day.year) else day.year + 1


def resolve(
    conn: sa.Connection,
    coop_id: str,
    today: date,
    as_of: date | None = None,
    year: int | None = None,
    funder: str | None = None,
) -> Context:
    coop = views.coop_row(conn, coop_id)
    incorporated: date = coop["incorporated_on"]
    statutes = views.statutes_at(conn, coop_id, max(as_of or today, incorporated), None)
    assert statutes is not None  # a registered cooperative always has statutes
    if year is not None:
        end = fiscal_year_end(statutes, year)
        start = max(fiscal_year_end(statutes, year - 1) + timedelta(days=1), incorporated)
        if end < incorporated or start > today:
            raise DomainError(
                Refusal("fiscal-year-not-found", None, "not-found"),
                f"fiscal year {year} does not exist: the cooperative was incorporated on "
                f"{incorporated} and today is {today}",
            )
        if as_of is not None and not start <= as_of <= end:
            raise refuse(
                "as-of-outside-year",
                f"as_of {as_of} is not in fiscal year {year} ({start} to {end})",
            )
        as_of = as_of or end
    else:
        as_of = as_of or today
        if as_of < incorporated:
            raise refuse(
                "as-of-before-incorporation",
                f"as_of {as_of} is before the cooperative's incorporation on {incorporated}",
            )
        previous_end = fiscal_year_end(statutes, fiscal_year_of(statutes, as_of) - 1)
        start = max(previous_end + timedelta(days=1), incorporated)
    return Context(
        coop_id, coop["name"], coop["siren"], incorporated, statutes, as_of, start, year, funder
    )
