"""Every event after a position, in large pages read with the raw driver: what a replay
(rebuild, projection catch-up) reads.

`EventStore.iter_all` builds each event through SQLAlchemy's result rows and Python's
`json`; a replay of a million events spent a fifth of its time there. Here the driver's
tuples are turned into events directly: the payload decoded by `chain.read_json`
(orjson; SQLite keeps it as text, psycopg is given it as its JSON loader), the dates
from the columns' storage forms (see `_converters`), upcasting as on every read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from ledger import schema
from ledger.chain import read_json
from ledger.db import is_sqlite
from ledger.envelope import RecordedEvent
from ledger.registry import EventRegistry
from ledger.rows import memoized
from ledger.schema import UTCDateTime

PAGE = 20_000
_COLUMNS = [c.name for c in schema.events.columns]


def pages(
    conn: sa.Connection, registry: EventRegistry, after: int = 0, size: int = PAGE
) -> Iterator[list[RecordedEvent]]:
    """Pages of at most `size` events after position `after`, in position order, read in
    the caller's transaction (so a replay sees exactly what it writes beside)."""
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if is_sqlite(conn) else "%s"
    sql = (
        f"SELECT {', '.join(quote(c) for c in _COLUMNS)} FROM events"
        f" WHERE position > {mark} ORDER BY position LIMIT {int(size)}"
    )
    convert = _converters(conn)  # memoized for the whole scan: dates and instants repeat
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    if not is_sqlite(conn):
        from psycopg.types.json import set_json_loads

        set_json_loads(read_json, cursor)  # type: ignore[arg-type]
    try:
        while True:
            cursor.execute(sql, (after,))
            page = [_event(registry, convert, row) for row in cursor.fetchall()]
            if page:
                yield page
            if len(page) < size:
                return
            after = page[-1].position
    finally:
        cursor.close()


Converter = Callable[[Any], Any] | None


def _converters(conn: sa.Connection) -> list[Converter]:
    """Per column, what turns the driver's value into the event's: SQLite keeps dates,
    instants (naive UTC, as `UTCDateTime` stores them) and payloads as text; psycopg
    returns dates and payloads decoded, instants naive."""
    sqlite = is_sqlite(conn)
    found: list[Converter] = []
    for column in schema.events.columns:
        if isinstance(column.type, UTCDateTime):
            found.append(memoized(_utc_text if sqlite else _utc))
        elif isinstance(column.type, sa.Date):
            found.append(memoized(date.fromisoformat) if sqlite else None)
        elif isinstance(column.type, sa.JSON):
            found.append(read_json if sqlite else None)
        else:
            found.append(None)
    return found


def _utc_text(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC)


def _event(
    registry: EventRegistry, convert: list[Converter], row: tuple[Any, ...]
) -> RecordedEvent:
    values = [v if f is None or v is None else f(v) for f, v in zip(convert, row, strict=True)]
    fields = dict(zip(_COLUMNS, values, strict=True))
    fields["schema_version"], fields["data"] = registry.upcast(
        fields["type"], fields["schema_version"], fields["data"]
    )
    return RecordedEvent(**fields)
