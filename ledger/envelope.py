"""The event envelope: what a caller hands to the store, and what the store hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class NewEvent:
    """An event not yet recorded.

    Attributes:
      type: registered event type name.
      data: the payload; validated against the type's model before anything is written.
      effective_date: the business date the fact takes effect (ISO date or `date`).
      tenant_id / subject_id / amount_cents: promoted columns, copied out of the payload
        by the caller so that hot projections and feeds can filter without parsing JSON.
      reverses: event_id this event compensates (corrections never edit).
      event_id: supplied by the caller when it must know it in advance; else generated.
    """

    type: str
    data: dict[str, Any]
    effective_date: date | str | None = None
    tenant_id: str | None = None
    subject_id: str | None = None
    amount_cents: int | None = None
    reverses: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: immutable, positioned, chained.

    Attributes:
      position: global, gapless, strictly increasing in commit order.
      stream_version: 1-based version within `stream_id`.
      schema_version: version of `data`'s shape (after any upcasting on read).
      recorded_at: UTC time the ledger learnt the fact (never decreases with position).
      prev_hash / hash: SHA-256 chain over the canonical envelope (see ledger.chain).
    """

    position: int
    event_id: str
    stream_id: str
    stream_version: int
    type: str
    schema_version: int
    data: dict[str, Any]
    effective_date: date
    recorded_at: datetime
    tenant_id: str | None = None
    subject_id: str | None = None
    amount_cents: int | None = None
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    idempotency_key: str | None = None
    reverses: str | None = None
    prev_hash: str = ""
    hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
