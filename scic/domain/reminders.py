"""What the scheduler records in the ledger (scic/integrations): a dated obligation's
notice reached (R7, R10-R14), and the nightly verification of the hash chain."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

# -- events ----------------------------------------------------------------------------


class ReminderDue(BaseModel):
    """An obligation's notice has been reached (scheduler)."""

    model_config = ConfigDict(extra="forbid")
    job: str
    obligation_id: str
    notice: str
    due_on: date
    rule: str
    detail: str


class LedgerVerified(BaseModel):
    """The nightly recomputation of the hash chain."""

    model_config = ConfigDict(extra="forbid")
    day: date
    ok: bool
    checked: int
    first_broken_position: int | None = None
    reason: str | None = None


EVENTS: tuple[type[BaseModel], ...] = (
    ReminderDue,
    LedgerVerified,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""
