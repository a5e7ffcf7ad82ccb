"""A generic append-only event store: streams, a global gapless position, a hash chain,
bitemporal reads and checkpointed projections. It knows nothing of the business it records."""

from ledger.envelope import NewEvent, RecordedEvent
from ledger.errors import (
    IdempotencyConflict,
    InvalidEvent,
    LedgerError,
    UnknownEventType,
    WrongExpectedVersion,
)
from ledger.registry import EventRegistry
from ledger.store import AppendRequest, EventStore

__all__ = [
    "AppendRequest",
    "EventRegistry",
    "EventStore",
    "IdempotencyConflict",
    "InvalidEvent",
    "LedgerError",
    "NewEvent",
    "RecordedEvent",
    "UnknownEventType",
    "WrongExpectedVersion",
]
