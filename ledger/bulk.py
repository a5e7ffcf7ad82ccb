"""Streaming bulk import of JSON Lines: constant memory, batched, resumable.

Each line is one event: {"stream_id", "type", "data", "effective_date", optional
"tenant_id", "subject_id", "amount_cents", "reverses", "idempotency_key", "actor"}.

Resuming: each batch commits, with its events, one idempotency row keyed by the digest
of the file up to its last line (`import-prefix:<sha256>`, over the non-blank lines,
stripped: see `_digested`). A re-run reads those
keys, finds the longest prefix of the file already imported (whatever the batch size
then) and appends the lines after it: one key row per batch instead of one per line.
A line that names its own `idempotency_key` keeps it, and it is honoured as for any
append (a line imported by another file is skipped). A file an earlier version imported
(one `import:<digest>` key per line) is resumed line by line, as it was then.
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

from ledger import schema
from ledger.chain import read_json
from ledger.envelope import NewEvent, RecordedEvent
from ledger.errors import InvalidEvent
from ledger.rows import insert_rows
from ledger.store import AppendRequest, EventStore, WriteSession

Progress = Callable[[int], None]
# What the caller does with each batch's new events, in the batch's transaction (the
# application keeps its cached state current with it).
Appended = Callable[[WriteSession, list[RecordedEvent]], None]
PREFIX_KEY = "import-prefix:"


@dataclass
class ImportReport:
    lines: int = 0
    appended: int = 0
    skipped: int = 0


@dataclass
class _Batch:
    lines: list[tuple[int, str]]  # (line number, text) of the non-blank lines
    consumed: int  # bytes of the file read for it
    prefix: str  # the file's digest up to its last line (`_digested`)
    first: str  # sha256 of the file's first non-blank line: which file this is


def import_jsonl(
    store: EventStore,
    path: str | os.PathLike[str],
    batch_size: int = 2_000,
    progress: Progress | None = None,
    actor: str | None = None,
    on_append: Appended | None = None,
) -> ImportReport:
    """Append every line of `path`; `progress` receives the bytes consumed per batch;
    `on_append` the events each batch appended, inside its transaction. Each batch names
    itself as the cause of its write lock (the file, and the streams' tenants)."""
    report = ImportReport()
    landed = _landed_prefix(store, Path(path))
    per_line = None  # whether an earlier version imported this file, one key per line
    for batch in _batches(Path(path), batch_size):
        todo = [(n, line) for n, line in batch.lines if n > landed]
        if per_line is None:
            per_line = bool(_keyed_per_line(store, batch.lines[:1]))
        if per_line and todo:
            done = _keyed_per_line(store, todo)
            todo = [(n, line) for n, line in todo if n not in done]
        added = 0
        if todo:
            with store.write() as session:
                added = _append(session, batch, todo, actor, Path(path).name, on_append)
        report.lines += len(batch.lines)
        report.appended += added
        report.skipped += len(batch.lines) - added  # landed before, or a key already used
        if progress is not None:
            progress(batch.consumed)
    return report


def _append(
    session: WriteSession,
    batch: _Batch,
    lines: list[tuple[int, str]],
    actor: str | None,
    name: str,
    on_append: Appended | None,
) -> int:
    """Append `lines` (the batch's lines not landed yet) and the batch's prefix key."""
    before = session.head
    requests = [_request(line_no, line, actor) for line_no, line in lines]
    session.causes.extend(f"import {name} {tenant}" for tenant in (_tenant(r) for r in requests))
    try:
        appended = session.append_many(requests)
    except sa.exc.IntegrityError as exc:
        # A projector's table refused what the payload lacks (e.g. no tenant_id).
        reason = str(exc.orig).splitlines()[0]
        first, last = lines[0][0], lines[-1][0]
        raise InvalidEvent(
            f"lines {first}-{last}: the database refused them ({reason})", line=first
        ) from None
    position, _, recorded_at = session.tip
    if on_append is not None:
        # a line whose own key was used before gives back the event stored then: not new
        new = [e for events in appended for e in events if e.position > before]
        if new:
            on_append(session, new)
    if position > before:
        insert_rows(
            session.conn,
            schema.idempotency_keys,
            [
                {
                    "key": PREFIX_KEY + batch.prefix,
                    "fingerprint": batch.prefix,
                    "first_position": before + 1,
                    "last_position": position,
                    "result": {"first": batch.first, "last_line": lines[-1][0]},
                    "recorded_at": recorded_at,
                }
            ],
        )
    return position - before


def _tenant(request: AppendRequest) -> str:
    tenant = request.events[0].tenant_id if request.events else None
    return tenant or f"stream {request.stream_id}"


def _landed_prefix(store: EventStore, path: Path) -> int:
    """The last line of the longest prefix of `path` an earlier import committed (0:
    none). Refuses a file that starts as an earlier import did but differs inside what
    that import landed: appending it would record the unchanged lines after the edit a
    second time (a correction is a new event, not an edited line)."""
    k = schema.idempotency_keys.c
    with store.engine.connect() as conn:
        # LIKE, not a key range: a range would depend on the database's collation.
        rows = conn.execute(
            sa.select(k.fingerprint, k.result).where(k.key.startswith(PREFIX_KEY))
        ).all()
    if not rows:
        return 0
    known = {fingerprint for fingerprint, _ in rows}
    landed, first = 0, None
    for line_no, _, line, digest in _digested(path):
        if line is not None:
            first = first or _first_digest(line)
            if digest.copy().hexdigest() in known:
                landed = line_no
    same_start = [r["last_line"] for _, r in rows if (r or {}).get("first") == first]
    if same_start and max(same_start) > landed:
        upto = max(same_start)
        matching = f" (it matches up to line {landed})" if landed else ""
        raise InvalidEvent(
            f"{path.name}: an import of a file starting with the same line landed its lines "
            f"1-{upto}, and this file differs from that one before line {upto + 1}{matching}: "
            "importing it would record its unchanged lines a second time (record a "
            "correction instead)",
            line=landed + 1,
        )
    return landed


def _keyed_per_line(store: EventStore, lines: list[tuple[int, str]]) -> set[int]:
    """The lines an earlier version imported: it kept one key per line,
    `import:<sha256 of "number:line">`."""
    keys = {f"import:{hashlib.sha256(f'{n}:{line}'.encode()).hexdigest()}": n for n, line in lines}
    k = schema.idempotency_keys.c
    found: set[int] = set()
    names = list(keys)
    with store.engine.connect() as conn:
        for start in range(0, len(names), 500):
            query = sa.select(k.key).where(k.key.in_(names[start : start + 500]))
            found.update(keys[key] for key in conn.execute(query).scalars())
    return found


def _digested(path: Path) -> Iterator[tuple[int, int, str | None, Any]]:
    """(line number, bytes, the line stripped or None when blank, the running digest).
    The digest covers the non-blank lines, stripped, each ended by a newline: a file
    saved again with other line endings or blank lines, or given a final newline, is
    still the same file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            line = raw.decode("utf-8").strip()
            if line:
                digest.update(line.encode() + b"\n")
            yield line_no, len(raw), line or None, digest


def _first_digest(line: str) -> str:
    return hashlib.sha256(line.encode()).hexdigest()


def _batches(path: Path, size: int) -> Iterator[_Batch]:
    lines: list[tuple[int, str]] = []
    consumed, first = 0, ""
    for line_no, length, line, digest in _digested(path):
        consumed += length
        if line is None:
            continue
        first = first or _first_digest(line)
        lines.append((line_no, line))
        if len(lines) == size:
            yield _Batch(lines, consumed, digest.copy().hexdigest(), first)
            lines, consumed = [], 0
    if lines:
        yield _Batch(lines, consumed, digest.hexdigest(), first)


def _request(line_no: int, line: str, actor: str | None) -> AppendRequest:
    try:
        record: dict[str, Any] = read_json(line)
    except json.JSONDecodeError as exc:
        raise InvalidEvent(f"line {line_no}: not JSON ({exc.msg})", line=line_no) from None
    if not isinstance(record, dict) or "stream_id" not in record or "type" not in record:
        raise InvalidEvent(f"line {line_no}: needs at least stream_id and type", line=line_no)
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
        idempotency_key=record.get("idempotency_key"),
        actor=record.get("actor", actor),
    )
