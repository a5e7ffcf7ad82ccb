"""Projections: folds of the event sequence into query tables, checkpointed by position.

A projector is applied inside the append's transaction (read-your-writes), and its
checkpoint is written in that same transaction, so a projection is never ahead of or
behind the events it has seen. `EventStore.rebuild` clears a projector's tables and
replays from position 0; the result must equal the incrementally built one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import sqlalchemy as sa

from ledger.envelope import RecordedEvent


class Projector(Protocol):
    @property
    def name(self) -> str:
        """Stable checkpoint name."""

    @property
    def tables(self) -> Sequence[sa.Table]:
        """Tables this projector owns entirely: emptied on rebuild (children first)."""

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """Fold `events` (in position order) into the tables. No other I/O."""
