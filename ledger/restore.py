"""Restore recorded events (a backup, or a feed page) with their ids, versions and times.

A record is an event as the store recorded it: at least `event_id`, `stream_id`,
`stream_version`, `type`, `data`, `effective_date`, `recorded_at`; a backup adds
`position`, `prev_hash`, `hash` and the promoted columns.

How each record lands, in file order:
- **verbatim** when it continues the chain of the target (its `position` is the next one
  and its `prev_hash` is the head's hash) and its hash recomputes: same position, same
  hash. A full backup restored into an empty database is verbatim throughout.
- **re-chained** otherwise (a feed page, one cooperative's events out of a shared
  database): the next position and a new hash; ids, stream versions, business dates and
  `recorded_at` (never earlier than its predecessor's) are kept. A record that carries a
  hash must still match its own content, so a tampered backup is refused either way.
- **skipped** when its `event_id` is already stored in the same stream version (the
  file was imported before).
Any other mismatch refuses the record with its line; the caller's transaction then
writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ledger import schema
from ledger.chain import HASHED_FIELDS, event_hash
from ledger.envelope import RecordedEvent
from ledger.errors import InvalidEvent, LedgerError
from ledger.store import WriteSession

Record = tuple[str, dict[str, Any]]  # (where it was read, e.g. "line 12"; the record)
TenantOf = Callable[[str], str | None]  # a stream id → its tenant, for records without one
Progress = Callable[[int], None]
# What the caller does with each batch's events, in the same transaction (the
# application keeps its cached state current with it).
Restored = Callable[[WriteSession, list[RecordedEvent]], None]

_REQUIRED = ("event_id", "stream_id", "stream_version", "type", "data", "effective_date")
_OPTIONAL = ("tenant_id", "subject_id", "amount_cents", "actor", "correlation_id")
_OPTIONAL_MORE = ("causation_id", "idempotency_key", "reverses")
_BATCH = 1_000


@dataclass
class RestoreReport:
    verbatim: int = 0
    rechained: int = 0
    skipped: int = 0

    @property
    def records(self) -> int:
        return self.verbatim + self.rechained + self.skipped


def restore_into(
    session: WriteSession,
    records: Iterable[Record],
    tenant_of: TenantOf = lambda _stream: None,
    progress: Progress | None = None,
    on_restore: Restored | None = None,
    source: str = "a restore",
) -> RestoreReport:
    """Append `records` in the caller's write session; `progress` gets records per batch,
    `on_restore` the events of each batch. Each tenant restored into is named once as a
    cause of the write lock (`restore <source> <tenant>`)."""
    report = RestoreReport()
    named: set[str] = set()
    for batch in _batches(records):
        rows, key_rows = _chain_batch(session, batch, tenant_of, report)
        recorded = session.insert_recorded(rows, key_rows)
        for tenant in {e.tenant_id or f"stream {e.stream_id}" for e in recorded} - named:
            named.add(tenant)
            session.causes.append(f"restore {source} {tenant}")
        if on_restore is not None and recorded:
            on_restore(session, recorded)
        if progress is not None:
            progress(len(batch))
    return report


def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _chain_batch(
    session: WriteSession, batch: list[Record], tenant_of: TenantOf, report: RestoreReport
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    stored = _stored_ids(session.conn, [r.get("event_id") for _, r in batch])
    position, prev_hash, last_recorded = session.tip
    versions: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    key_rows: list[dict[str, Any]] = []
    for where, record in batch:
        try:
            row = _parse(record, tenant_of)
            if row["event_id"] in stored:
                if stored[row["event_id"]] != (row["stream_id"], row["stream_version"]):
                    raise InvalidEvent(f"event_id {row['event_id']} is already another event")
                report.skipped += 1
                continue
            stream = row["stream_id"]
            current = versions.get(stream)
            if current is None:
                current = session.stream_version(stream)
            if row["stream_version"] != current + 1:
                raise InvalidEvent(
                    f"stream {stream} is at version {current} here, this event is version "
                    f"{row['stream_version']} (events before it are missing)"
                )
            given = record.get("hash")
            if given is not None and event_hash(row["prev_hash"], row) != given:
                raise InvalidEvent("its hash does not match its content (the file was edited)")
            verbatim = given is not None and (
                row["position"] == position + 1 and row["prev_hash"] == prev_hash
            )
            if not verbatim:
                row["position"] = position + 1
                row["prev_hash"] = prev_hash
                if last_recorded is not None and row["recorded_at"] < last_recorded:
                    row["recorded_at"] = last_recorded  # "known at T" stays a prefix
                if "schema_version" not in record:
                    row["schema_version"] = session.store.registry.version(row["type"])
                if row["schema_version"] == session.store.registry.version(row["type"]):
                    row["data"] = session.store.registry.validate(row["type"], row["data"])
                row["hash"] = event_hash(prev_hash, row)
            else:
                session.store.registry.version(row["type"])  # a known type, or refused
                row["hash"] = given
        except LedgerError as exc:
            raise InvalidEvent(f"{where}: {exc.detail}", where=where) from None
        key_rows.extend(_key_row(record.get("idempotency"), row, where))
        position, prev_hash, last_recorded = row["position"], row["hash"], row["recorded_at"]
        versions[stream] = row["stream_version"]
        report.verbatim += verbatim
        report.rechained += not verbatim
        rows.append(row)
    return rows, key_rows


def _stored_ids(conn: sa.Connection, ids: list[Any]) -> dict[str, tuple[str, int]]:
    e = schema.events.c
    wanted = [i for i in ids if isinstance(i, str)]
    found: dict[str, tuple[str, int]] = {}
    for start in range(0, len(wanted), 500):
        query = sa.select(e.event_id, e.stream_id, e.stream_version).where(
            e.event_id.in_(wanted[start : start + 500])
        )
        found.update({r.event_id: (r.stream_id, r.stream_version) for r in conn.execute(query)})
    return found


def _parse(record: dict[str, Any], tenant_of: TenantOf) -> dict[str, Any]:
    missing = [name for name in _REQUIRED if name not in record]
    if missing:
        raise InvalidEvent(f"not a recorded event: no {', '.join(missing)}")
    row: dict[str, Any] = {name: record.get(name) for name in HASHED_FIELDS}
    for name in ("event_id", "stream_id", "type"):
        if not isinstance(row[name], str) or not row[name]:
            raise InvalidEvent(f"{name} must be a non-empty string")
    for name in ("stream_version", "position", "schema_version", "amount_cents"):
        value = row[name]
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidEvent(f"{name} must be an integer")
    if not isinstance(row["data"], dict):
        raise InvalidEvent("data must be an object")
    for name in (*_OPTIONAL, *_OPTIONAL_MORE):
        if row[name] is not None and not isinstance(row[name], str) and name != "amount_cents":
            raise InvalidEvent(f"{name} must be a string")
    if row["tenant_id"] is None:
        row["tenant_id"] = tenant_of(row["stream_id"])
    row["effective_date"] = _day(record["effective_date"])
    row["recorded_at"] = _instant(record.get("recorded_at"))
    prev_hash = record.get("prev_hash")
    row["prev_hash"] = prev_hash if isinstance(prev_hash, str) else ""
    return row


def _day(value: Any) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidEvent(f"effective_date {value!r} is not a date (YYYY-MM-DD)") from None


def _instant(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidEvent(f"recorded_at {value!r} is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise InvalidEvent(f"recorded_at {value!r} has no time zone")
    return moment


def _key_row(given: Any, row: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The idempotency key a backup carries on the last event of its request; its first
    position moves with a re-chained event."""
    if given is None:
        return []
    try:
        span = int(given["last_position"]) - int(given["first_position"])
        return [
            {
                "key": str(given["key"]),
                "fingerprint": str(given["fingerprint"]),
                "first_position": row["position"] - span,
                "last_position": row["position"],
                "result": given.get("result"),
                "recorded_at": row["recorded_at"],
            }
        ]
    except (KeyError, TypeError, ValueError):
        raise InvalidEvent(
            f"{where}: idempotency must hold key, fingerprint and positions"
        ) from None
