"""A small in-process cache of serialised views.

Keys include the cooperative's last event position, so any new event for that
cooperative (a PartyErased included) makes older entries unreachable; nothing is
ever invalidated by hand, and several server processes never disagree."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import sqlalchemy as sa

from ledger.schema import events
from scic.errors import NotFound


class ViewCache:
    def __init__(self, size: int = 512) -> None:
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        body = build()
        with self._lock:
            self._entries[key] = body
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return body


def coop_head(conn: sa.Connection, coop_id: str) -> int:
    """Position of the cooperative's last event (index ix_events_tenant_position)."""
    head = conn.execute(
        sa.select(sa.func.max(events.c.position)).where(events.c.tenant_id == coop_id)
    ).scalar()
    if head is None:
        raise NotFound("cooperative", coop_id)
    return int(head)
