"""The closed period: fiscal-year closings as recorded, and the refusal of writes into a
closed year (R16: a closed fiscal year never changes). The years themselves and the
closing event are the domain's (scic/domain/fiscal_years.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ledger import NewEvent
from scic.accounting.tables import fiscal_year_closings
from scic.errors import refuse
from scic.money import AmountOrZero

Closing = TypeVar("Closing")  # a year's closing row, as its reader gives it

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


# -- the closed period -----------------------------------------------------------------


def closed_until(conn: sa.Connection, coop_id: str) -> date | None:
    """Last day of the latest closed fiscal year (years close in order)."""
    c = fiscal_year_closings.c
    return conn.execute(sa.select(sa.func.max(c.end)).where(c.coop_id == coop_id)).scalar()


# Facts that move no account and no register of a closed year: a cooperative review
# (R10) is recorded on the day its report was made available, even in a closed year.
OUTSIDE_THE_BOOKS = frozenset({"CooperativeReviewRecorded"})


def check_closed(closing: Closing | None, detail: str) -> Closing:
    """The one judge of a year that must be closed (its result allocated, its FEC
    validated): `closing`, its closing row, None while it is open."""
    if closing is None:
        raise refuse("fiscal-year-open", detail)
    return closing


def year_result(given: int | None, recorded: int | None, unknown: str) -> int:
    """A year's result: the one `given`, else the one `recorded` when it was closed;
    refused when neither is known (`unknown`: the detail, saying how to give one)."""
    if given is not None:
        return given
    if recorded is None:
        raise refuse("result-unknown", unknown)
    return int(recorded)


def check_payout_open(withdrawal_id: str, released_on: date, until: date | None) -> None:
    """R16 — a reimbursement released in a closed year was booked paid there, at its
    release (scic/accounting/journal.py): its payout cannot move out of those books.
    `until`: the end of the last closed year."""
    if until is not None and released_on <= until:
        raise refuse(
            "closed-period",
            f"withdrawal {withdrawal_id} was reimbursed on {released_on}, in a fiscal year "
            f"closed up to {until}: its payout is booked there, at the release",
        )


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
