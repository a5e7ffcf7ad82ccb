"""What a decision returns: a typed domain event and the date it takes effect.

The domain knows nothing of the ledger's envelopes; scic/envelopes.py is the one mapper
between the two (promoted columns, event ids, reversals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel


@dataclass(frozen=True)
class Fact:
    """Attributes:
    event: the payload, a model of scic/events.py (its class name is the event type).
    on: the business date it takes effect (its place in the timeline).
    reverses: the event id it compensates, for corrections.
    """

    event: BaseModel
    on: date
    reverses: str | None = None

    @property
    def type(self) -> str:
        return type(self.event).__name__
