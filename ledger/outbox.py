"""The transactional outbox: every appended event gets an outbox row in the append's own
transaction, and consumers (webhook subscriptions) read it after their own cursor.

Written by a projector, so the row commits or rolls back with its event; positions are
gapless in commit order (see ledger.store), so a consumer that remembers the last
position it handled never skips one. The outbox holds no payload: the event is read back
from `events` when delivered. Rebuilding it replays every event into the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ledger import schema
from ledger.envelope import RecordedEvent
from ledger.rows import insert_rows


class OutboxProjector:
    name = "outbox"
    tables: Sequence[sa.Table] = (schema.outbox,)

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        insert_rows(
            conn,
            schema.outbox,
            [
                {
                    "position": e.position,
                    "event_id": e.event_id,
                    "tenant_id": e.tenant_id,
                    "type": e.type,
                }
                for e in events
            ],
        )


def next_positions(
    conn: sa.Connection,
    tenant_id: str,
    after: int,
    types: Sequence[str] | None = None,
    limit: int = 1,
) -> list[int]:
    """The positions of a tenant's next outbox rows after `after` (of `types`, if given)."""
    o = schema.outbox.c
    query = (
        sa.select(o.position)
        .where(o.tenant_id == tenant_id, o.position > after)
        .order_by(o.position)
        .limit(limit)
    )
    if types is not None:
        query = query.where(o.type.in_(list(types)))
    return list(conn.execute(query).scalars())
