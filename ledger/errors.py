"""Typed errors of the event store; callers map them to their own responses in one place."""

from __future__ import annotations


class LedgerError(Exception):
    """Base of every refusal by the event store. `slug` is stable and machine-readable."""

    slug = "ledger-error"

    def __init__(self, detail: str, **context: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context


class UnknownEventType(LedgerError):
    slug = "unknown-event-type"


class InvalidEvent(LedgerError):
    """The envelope or payload does not match what the event type declares."""

    slug = "invalid-event"


class WrongExpectedVersion(LedgerError):
    """Optimistic concurrency: the stream moved since the caller read it."""

    slug = "version-conflict"


class IdempotencyConflict(LedgerError):
    """The idempotency key was already used for a different request."""

    slug = "idempotency-conflict"
