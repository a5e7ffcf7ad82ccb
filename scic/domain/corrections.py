"""Corrections: a compensating event that names the event it reverses (never an edit).

The reversal takes the reversed event's effective date. The write model folds the
corrected history (both left out, scic/domain/timeline.py), so every figure derived from
the mistake (R5's highest capital, the reimbursements it let go) is judged again; views
as known before the correction was recorded do not change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from scic.domain.facts import Fact
from scic.errors import DomainError, NotFound, refuse

if TYPE_CHECKING:  # the timeline folds EventReversed: import it only for types
    from scic.domain.timeline import Entry, Timeline, Violation

MEMBERSHIP_REVERSIBLE = {
    "SharesSubscribed",
    "SharesCalled",
    "SharesPaid",
    "SharesTransferred",
    "MemberWithdrew",
    "SharesReimbursed",
    "OwedCallPaid",
}
FUNDING_REVERSIBLE = {
    "GrantInstalmentReceived",
    "GrantJustified",
    "GrantClawedBack",
    "EsusInvested",
}
REVERSIBLE = MEMBERSHIP_REVERSIBLE | FUNDING_REVERSIBLE


class EventReversed(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reversed_event_id: str
    reversed_type: str
    reason: str
    prior_period_year: int | None = None
    """R16 — set when the reversed event lies in a closed fiscal year: the reversal is then
    a prior-period adjustment dated in the open year (scic/accounting/fiscal_years.py)."""

    @model_serializer(mode="wrap")
    def _omit_when_not_prior_period(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if dumped.get("prior_period_year") is None:
            dumped.pop("prior_period_year", None)
        return dumped


EVENTS: tuple[type[BaseModel], ...] = (EventReversed,)
"""This aggregate's event types (scic/events.py registers them by class name)."""


class Correct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reverses: str = Field(
        min_length=1,
        description="event_id of the event to reverse, or the id a write returned "
        "(`sub_…`, `pay_…`: all of its events are reversed)",
    )
    reason: str = Field(min_length=3, max_length=1000)


def targets(timeline: Timeline, reverses: str) -> list[Entry]:
    """The events a correction names: one event by its id, or every event of a write by
    the id the write returned (reversals themselves excepted)."""
    found = timeline.find(reverses)
    if found is not None:
        return [found]
    written = [e for e in timeline.entries if e.write_id == reverses and e.type != "EventReversed"]
    if not written:
        raise NotFound("event", reverses)
    return written


def reverse(timeline: Timeline, chosen: list[Entry], reason: str) -> list[Fact]:
    """One reversal per event not yet reversed; a withdrawal takes its reimbursement
    with it (the money cannot have gone for a withdrawal that never was)."""
    for entry in chosen:
        if entry.type not in REVERSIBLE:
            raise refuse(
                "not-reversible",
                f"a {entry.type} event cannot be reversed; record the opposite "
                "fact instead (e.g. a withdrawal, a category change)",
            )
    todo = [e for e in chosen if e.event_id not in timeline.reversed_ids]
    if not todo:
        raise refuse("already-reversed", f"event {chosen[0].event_id} is already reversed")
    ids = {e.event_id for e in todo}
    for entry in list(todo):
        if entry.type == "MemberWithdrew":
            wid = getattr(entry.event, "withdrawal_id", None)
            todo += [
                e
                for e in timeline.entries
                if e.type == "SharesReimbursed"
                and getattr(e.event, "withdrawal_id", None) == wid
                and e.event_id not in timeline.reversed_ids
                and e.event_id not in ids
            ]
    return [_reversal(e, reason) for e in todo]


def compensate(timeline: Timeline, violation: Violation, correction_id: str) -> Fact:
    """R5 — a reimbursement the corrected history no longer allows goes back to the
    queue: reversed, saying why."""
    entry = timeline.find(violation.event_id)
    assert entry is not None
    return _reversal(
        entry,
        f"compensation for correction {correction_id}: {violation.detail}; "
        "the withdrawal waits for its reimbursement again",
    )


def later_events_first(violation: Violation) -> DomainError:
    rule = f"{violation.rule} — " if violation.rule else ""
    return refuse(
        "reverse-later-events-first",
        f"{rule}on {violation.on}: {violation.detail}: a later event rests on what is "
        "reversed; reverse it first",
    )


def _reversal(entry: Entry, reason: str) -> Fact:
    payload = EventReversed(
        reversed_event_id=entry.event_id, reversed_type=entry.type, reason=reason
    )
    return Fact(payload, entry.on, reverses=entry.event_id)
