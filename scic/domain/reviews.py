"""R10 — the cooperative review (révision coopérative): the reviews done, and when the
next one is due.

Periodic: every 5 years counted from the date the last review report was made available
to the members (décret 2015-706 art. 14), the first from incorporation. Triggered (loi
47-1775 art. 25-1, applied to SCIC by art. 19 duodecies, as in force since 2014-08-02):
"au terme de trois exercices déficitaires" — three loss-making fiscal years, not
necessarily in a row, counted since the last review — or a year's loss of half the
highest capital reached. A due review stays due, then overdue, until one is recorded:
nothing moves a due date but a review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day, add_months, add_years
from scic.domain.facts import Fact
from scic.domain.members import check_date
from scic.domain.state import CoopState
from scic.errors import refuse
from scic.rules.dated import COOPERATIVE_REVIEW_YEARS, REVIEW_LOSS_YEARS

# A triggered review is due by the AG that approves the triggering year's accounts, held
# within six months of the year's end (C. com. L225-100, L223-26).
TRIGGERED_REVIEW_MONTHS = 6


class CooperativeReviewRecorded(BaseModel):
    """A review whose report was made available to the members on the event's date."""

    model_config = ConfigDict(extra="forbid")
    review_id: str
    report_made_available_on: date
    reviewer: str
    reference: str


EVENTS: tuple[type[BaseModel], ...] = (CooperativeReviewRecorded,)
"""This aggregate's event types (scic/events.py registers them by class name)."""


class RecordReview(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "report_made_available_on": "2026-05-12",
                    "reviewer": "Fédération des SCIC (réviseur agréé)",
                    "reference": "RC-2026-014",
                }
            ]
        },
    )
    report_made_available_on: Day
    reviewer: str = Field(min_length=1, max_length=200, description="the approved reviewer")
    reference: str = Field(min_length=1, max_length=200, description="the report's reference")


def record(state: CoopState, cmd: RecordReview, review_id: str, today: date) -> list[Fact]:
    """R10 — a review done is recorded on the day its report was made available; a date
    still to come or before incorporation is refused."""
    on = cmd.report_made_available_on
    if on > today:
        raise refuse(
            "review-in-future",
            f"a review is recorded once its report is made available: {on} is after "
            f"today ({today})",
        )
    check_date(state, on)
    data = CooperativeReviewRecorded(
        review_id=review_id,
        report_made_available_on=on,
        reviewer=cmd.reviewer,
        reference=cmd.reference,
    )
    return [Fact(data, on)]


@dataclass(frozen=True)
class Closing:
    """A closed fiscal year as R10 reads it."""

    year: int
    end: date
    result_cents: int | None
    highest_capital_cents: int


@dataclass(frozen=True)
class Trigger:
    year: int
    end: date
    reason: str
    code: str  # loss-making-years | loss-half-capital
    losses_since_review: int

    @property
    def due_on(self) -> date:
        return add_months(self.end, TRIGGERED_REVIEW_MONTHS)


@dataclass(frozen=True)
class ReviewDue:
    """What is due as at a date: the periodic review, and the open triggers.

    Attributes:
      last_review: date of the last report made available by then (None: none yet).
      periodic_from: the date the periodic count starts (last review or incorporation).
      periodic_due: five years after it.
      triggers: triggers since the last review (each stays open until a review).
    """

    last_review: date | None
    periodic_from: date
    periodic_due: date
    triggers: tuple[Trigger, ...]


def triggers(closings: list[Closing], since: date | None) -> list[Trigger]:
    """R10 — art. 25-1: the years ending after `since` (the last review) that call for a
    review: each loss-making year from the third one counted since the last review (not
    necessarily in a row), and a year whose loss reaches half the highest capital."""
    found: list[Trigger] = []
    losses = 0
    for c in sorted(closings, key=lambda c: c.end):
        if since is not None and c.end <= since:
            continue
        lost = c.result_cents is not None and c.result_cents < 0
        if not lost:
            continue
        losses += 1
        if losses >= REVIEW_LOSS_YEARS:
            found.append(
                Trigger(
                    c.year,
                    c.end,
                    f"{losses} loss-making fiscal years since the "
                    + ("last review" if since else "incorporation"),
                    "loss-making-years",
                    losses,
                )
            )
        assert c.result_cents is not None
        if -c.result_cents * 2 >= c.highest_capital_cents > 0:
            found.append(
                Trigger(
                    c.year,
                    c.end,
                    "the loss reaches half of the highest capital",
                    "loss-half-capital",
                    losses,
                )
            )
    return found


def due(incorporated_on: date, reviews: list[date], closings: list[Closing], on: date) -> ReviewDue:
    """What is due as at `on`, from the reviews and closings known by then."""
    done = [r for r in reviews if r <= on]
    last = max(done) if done else None
    start = last or incorporated_on
    known = [c for c in closings if c.end <= on]
    return ReviewDue(
        last,
        start,
        add_years(start, COOPERATIVE_REVIEW_YEARS),
        tuple(triggers(known, last)),
    )


def status(due_on: date, on: date, notice: timedelta) -> str:
    """ "ok" before the notice, "due" from it through the due date, "overdue" after."""
    if on > due_on:
        return "overdue"
    return "due" if on >= due_on - notice else "ok"
