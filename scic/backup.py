"""Backup and restore: events exactly as recorded (JSON Lines), parties in a file beside.

`FILE.jsonl` holds one recorded event per line (position, ids, hashes, recorded_at,
actor, the idempotency key of the request it ended); `FILE.parties.jsonl` the personal
data of those cooperatives, kept apart so that a backup of the ledger can be handed on
without it, and so that an erasure stays an erasure. See ledger.restore for how a
restored event keeps, or cannot keep, its position and hash.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from ledger import bulk, schema
from ledger.bulk import PREFIX_KEY
from ledger.chain import format_timestamp
from ledger.errors import InvalidEvent
from ledger.restore import Record, RestoreReport, restore_into
from scic.projections import views
from scic.projections.tables import parties
from scic.service import Service
from scic.write import store

Progress = Callable[[int], None]
Kind = Literal["page", "recorded", "events"]
_PAGE = 5_000
_COOP_STREAM = "coop:"  # scic.write.pipeline.stream_of


@dataclass(frozen=True)
class ExportReport:
    events: int
    parties: int
    parties_path: Path


def parties_path(path: Path) -> Path:
    """members.jsonl → members.parties.jsonl, beside it."""
    stem = path.name[: -len(".jsonl")] if path.name.endswith(".jsonl") else path.name
    return path.with_name(f"{stem}.parties.jsonl")


def coop_of_stream(stream_id: str) -> str | None:
    return stream_id[len(_COOP_STREAM) :] if stream_id.startswith(_COOP_STREAM) else None


# -- export ----------------------------------------------------------------------------


def export(
    service: Service, path: Path, coop_id: str | None, progress: Progress | None = None
) -> ExportReport:
    """Every event up to the head at the start (of one cooperative, or all), then the
    parties: a party is written after the events that name it."""
    if coop_id is not None:
        with service.engine.connect() as conn:
            views.coop_row(conn, coop_id)
    head = service.store.head()
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for row in _recorded_rows(service.engine, coop_id, head):
            out.write(json.dumps(_record(row), ensure_ascii=False, separators=(",", ":")) + "\n")
            count += 1
            if progress is not None:
                progress(1)
    beside = parties_path(path)
    query = sa.select(parties).order_by(parties.c.coop_id, parties.c.party_id)
    if coop_id is not None:
        query = query.where(parties.c.coop_id == coop_id)
    written = 0
    with service.engine.connect() as conn, beside.open("w", encoding="utf-8") as out:
        for party in conn.execute(query).mappings():
            out.write(json.dumps(_plain(dict(party)), ensure_ascii=False) + "\n")
            written += 1
    return ExportReport(count, written, beside)


def _recorded_rows(engine: sa.Engine, coop_id: str | None, head: int) -> Iterator[Any]:
    e, k = schema.events.c, schema.idempotency_keys.c
    after = 0
    while True:
        query = (
            sa.select(
                schema.events,
                k.key.label("key_key"),
                k.fingerprint.label("key_fingerprint"),
                k.first_position.label("key_first"),
                k.result.label("key_result"),
            )
            # An import's batch key (`import-prefix:…`) may end on the same event as the
            # line's own key: it stays out, so that each event is exported once.
            .outerjoin(
                schema.idempotency_keys,
                sa.and_(k.last_position == e.position, ~k.key.startswith(PREFIX_KEY)),
            )
            .where(e.position > after, e.position <= head)
            .order_by(e.position)
            .limit(_PAGE)
        )
        if coop_id is not None:
            query = query.where(e.tenant_id == coop_id)
        with engine.connect() as conn:
            page = conn.execute(query).mappings().all()
        yield from page
        if len(page) < _PAGE:
            return
        after = page[-1]["position"]


def _record(row: Any) -> dict[str, Any]:
    record = _plain({c.name: row[c.name] for c in schema.events.columns})
    if row["key_key"] is not None:
        record["idempotency"] = {
            "key": row["key_key"],
            "fingerprint": row["key_fingerprint"],
            "first_position": row["key_first"],
            "last_position": row["position"],
            "result": row["key_result"],
        }
    return record


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: format_timestamp(v)
        if isinstance(v, datetime)
        else (v.isoformat() if isinstance(v, date) else v)
        for name, v in values.items()
    }


# -- import ----------------------------------------------------------------------------


def sniff(path: Path) -> Kind:
    """What an event file holds: a feed page (`GET …/events`), recorded events (a backup,
    or the feed's event objects one per line), or events to append (ledger.bulk)."""
    if path.suffix.lower() == ".json":
        return "page"
    with path.open("rb") as handle:
        for raw in handle:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    return "events"  # ledger.bulk names the line and what is wrong with it
                if isinstance(first, dict) and isinstance(first.get("events"), list):
                    return "page"
                if isinstance(first, dict) and "event_id" in first and "position" in first:
                    return "recorded"
                return "events"
    return "events"


def read_records(path: Path, kind: Kind) -> Iterator[Record]:
    if kind == "page":
        yield from _page_records(path)
        return
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            yield f"line {line_no}", _object(raw, f"line {line_no}")


def _page_records(path: Path) -> Iterator[Record]:
    try:
        page = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"not JSON ({exc})") from None
    events = page.get("events") if isinstance(page, dict) else page
    if not isinstance(events, list):
        raise InvalidEvent('not a feed page: expected {"events": [...]} or a list of events')
    for index, record in enumerate(events):
        if not isinstance(record, dict):
            raise InvalidEvent(f"events[{index}]: not an object")
        yield f"events[{index}]", record


def _object(raw: bytes, where: str) -> dict[str, Any]:
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidEvent(f"{where}: not JSON ({exc})") from None
    if not isinstance(record, dict):
        raise InvalidEvent(f"{where}: not a JSON object")
    return record


@dataclass(frozen=True)
class ImportReport:
    events: RestoreReport
    parties: int


def restore(
    service: Service,
    records: Iterable[Record],
    party_file: Path | None,
    progress: Progress | None = None,
    source: str = "a backup",
) -> ImportReport:
    """Parties and events in one transaction: all of it lands, or nothing does. The
    cached timelines learn the events as any append's (scic.write.store.noted)."""
    with service.store.write() as session:
        added = _restore_parties(session.conn, party_file) if party_file is not None else 0
        report = restore_into(
            session, records, coop_of_stream, progress, on_restore=store.noted, source=source
        )
    return ImportReport(report, added)


def import_events(
    service: Service,
    path: Path,
    batch_size: int = 2_000,
    progress: Progress | None = None,
    actor: str = "cli:import",
) -> bulk.ImportReport:
    """Events to append, one per line (ledger.bulk): each batch's, in its transaction,
    learnt by the cached timelines as any append's (scic.write.store.noted)."""
    return bulk.import_jsonl(
        service.store, path, batch_size, progress, actor=actor, on_append=store.noted
    )


def _restore_parties(conn: sa.Connection, path: Path) -> int:
    rows = []
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if raw.strip():
                rows.append(_party(_object(raw, f"{path.name} line {line_no}"), line_no, path))
    p = parties.c
    existing: set[str] = set()
    ids = [r["party_id"] for r in rows]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing.update(conn.execute(sa.select(p.party_id).where(p.party_id.in_(chunk))).scalars())
    new = [r for r in rows if r["party_id"] not in existing]
    if new:
        conn.execute(parties.insert(), new)
    return len(new)


def _party(record: dict[str, Any], line_no: int, path: Path) -> dict[str, Any]:
    where = f"{path.name} line {line_no}"
    for name in ("party_id", "coop_id", "kind"):
        if not isinstance(record.get(name), str):
            raise InvalidEvent(f"{where}: a party needs {name}")
    erased = record.get("erased_at")
    try:
        erased_at = datetime.fromisoformat(erased) if erased is not None else None
    except (TypeError, ValueError):
        raise InvalidEvent(f"{where}: erased_at {erased!r} is not an ISO 8601 instant") from None
    return {
        "party_id": record["party_id"],
        "coop_id": record["coop_id"],
        "kind": record["kind"],
        "name": record.get("name"),
        "email": record.get("email"),
        "address": record.get("address"),
        "erased_at": erased_at,
    }
