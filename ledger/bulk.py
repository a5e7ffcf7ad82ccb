"""Streaming bulk import of JSON Lines: constant memory, batched, resumable.

Each line is one event: {"stream_id", "type", "data", "effective_date", optional
"tenant_id", "subject_id", "amount_cents", "reverses", "idempotency_key", "actor"}.
A line without an idempotency key gets one derived from its number and content, so a
re-run after a crash skips every line that landed and appends the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ledger.envelope import NewEvent
from ledger.errors import InvalidEvent
from ledger.store import AppendRequest, EventStore

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    lines: int = 0
    appended: int = 0
    skipped: int = 0


def import_jsonl(
    store: EventStore,
    path: str | os.PathLike[str],
    batch_size: int = 2_000,
    progress: Progress | None = None,
    actor: str | None = None,
) -> ImportReport:
    """Append every line of `path`; `progress` receives the bytes consumed per batch."""
    report = ImportReport()
    for batch, consumed in _batches(Path(path), batch_size):
        with store.write() as session:
            before = session.head
            requests = [_request(line_no, line, actor) for line_no, line in batch]
            try:
                session.append_many(requests)
            except sa.exc.IntegrityError as exc:
                # A projector's table refused what the payload lacks (e.g. no tenant_id).
                first, last = batch[0][0], batch[-1][0]
                reason = str(exc.orig).splitlines()[0]
                raise InvalidEvent(
                    f"lines {first}-{last}: the database refused them ({reason})", line=first
                ) from None
            added = session.head - before
        report.lines += len(batch)
        report.appended += added
        report.skipped += len(batch) - added
        if progress is not None:
            progress(consumed)
    return report


def _batches(path: Path, size: int) -> Iterator[tuple[list[tuple[int, str]], int]]:
    batch: list[tuple[int, str]] = []
    consumed = 0
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            consumed += len(raw)
            line = raw.decode("utf-8").strip()
            if not line:
                continue
            batch.append((line_no, line))
            if len(batch) == size:
                yield batch, consumed
                batch, consumed = [], 0
    if batch:
        yield batch, consumed


def _request(line_no: int, line: str, actor: str | None) -> AppendRequest:
    try:
        record: dict[str, Any] = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(f"line {line_no}: not JSON ({exc.msg})", line=line_no) from None
    if not isinstance(record, dict) or "stream_id" not in record or "type" not in record:
        raise InvalidEvent(f"line {line_no}: needs at least stream_id and type", line=line_no)
    given = record.get("idempotency_key")
    digest = None if given else hashlib.sha256(f"{line_no}:{line}".encode()).hexdigest()
    key = given or f"import:{digest}"
    event = NewEvent(
        type=record["type"],
        data=record.get("data", {}),
        effective_date=record.get("effective_date"),
        tenant_id=record.get("tenant_id"),
        subject_id=record.get("subject_id"),
        amount_cents=record.get("amount_cents"),
        reverses=record.get("reverses"),
    )
    return AppendRequest(
        stream_id=record["stream_id"],
        events=[event],
        expected_version=record.get("expected_version"),
        idempotency_key=key,
        # A derived key already names the line's number and content: it is its own
        # fingerprint (no second canonical encoding of every line).
        fingerprint=digest,
        actor=record.get("actor", actor),
    )
