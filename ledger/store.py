"""The event store: append (single or batch, one transaction), read, verify, rebuild.

Ordering guarantee: positions are assigned under a store-wide write lock held until
commit (SQLite `BEGIN IMMEDIATE`, PostgreSQL a transaction-scoped advisory lock), so
positions are gapless and commit in increasing order. Without it, a reader polling
`events after N` could see N+2 committed before N+1 and skip N+1 forever.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from ledger import receipts, scan, schema
from ledger.chain import (
    GENESIS,
    VerifyReport,
    canonical_json,
    event_hash,
    format_timestamp,
    verify_rows,
)
from ledger.db import WRITE_OPTION, is_sqlite
from ledger.envelope import NewEvent, RecordedEvent
from ledger.errors import IdempotencyConflict, InvalidEvent, WrongExpectedVersion
from ledger.projection import Projector
from ledger.registry import EventRegistry
from ledger.rows import insert_rows

ANY_VERSION: int | None = None
NO_STREAM = 0
_PG_APPEND_LOCK = 0x5C1C_0001  # arbitrary, constant: identifies "the events table writer"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_READ_PAGE = 5_000
SLOW_LOCK_MS = 1_000  # a write lock held longer is logged with what held it
log = logging.getLogger("ledger.lock")
_TEXT_ARRAY = sa.ARRAY(sa.Text)
_e, _cp = schema.events.c, schema.projection_checkpoints.c
# Prebuilt: each write transaction runs them, and building a statement costs more than
# SQLite takes to answer it.
_HEAD = sa.select(_e.position, _e.hash, _e.recorded_at).order_by(_e.position.desc()).limit(1)
# What a write transaction reads first, in one round trip: the head of the chain (the
# row whose name is NULL; absent when the ledger is empty), then every checkpoint.
_last = _HEAD.subquery()
_OPENING = sa.union_all(
    sa.select(sa.null().label("name"), _last.c.position, _last.c.hash, _last.c.recorded_at),
    sa.select(_cp.name, _cp.position, sa.null(), sa.null()),
)
_MOVE_CHECKPOINTS = (
    schema.projection_checkpoints.update()
    .where(_cp.name.in_(sa.bindparam("names", expanding=True)))
    .values(position=sa.bindparam("head"))
)
# A stream's version is the max of its (stream_id, stream_version) index, read per id by a
# correlated max, which both databases answer from the end of the index. A GROUP BY over
# `stream_id IN (…)` made SQLite walk every event of the stream: 46 ms for a cooperative
# of 100k events, most of an in-order write's cost.
_SQLITE_STREAM_VERSIONS = sa.text(
    "SELECT s.value, (SELECT max(stream_version) FROM events WHERE stream_id = s.value)"
    " FROM json_each(:ids) AS s"
)
_PG_STREAM_VERSIONS = sa.text(
    "SELECT s.id, (SELECT max(stream_version) FROM events WHERE stream_id = s.id)"
    " FROM unnest(CAST(:ids AS text[])) AS s(id)"
)

Clock = Callable[[], datetime]
Progress = Callable[[int], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class AppendRequest:
    """One atomic append to one stream.

    `expected_version`: None accepts any version, 0 requires a new stream, N requires
    the stream to be at N. `idempotency_key`: a retry with the same key and the same
    request returns the original events and writes nothing; `fingerprint` identifies the
    request (computed from the events when the caller has no better one), and `result`
    is kept with the key for the caller to answer replays identically.
    """

    stream_id: str
    events: Sequence[NewEvent]
    expected_version: int | None = ANY_VERSION
    idempotency_key: str | None = None
    fingerprint: str | None = None
    result: dict[str, Any] | None = None
    actor: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None


@dataclass(frozen=True)
class Replay:
    """What an idempotency key already produced."""

    events: list[RecordedEvent]
    result: dict[str, Any] | None


class EventStore:
    def __init__(
        self,
        engine: sa.Engine,
        registry: EventRegistry,
        projectors: Sequence[Projector] = (),
        clock: Clock = utc_now,
        slow_lock_ms: int = SLOW_LOCK_MS,
    ) -> None:
        self.engine = engine
        self.registry = registry
        self.projectors = list(projectors)
        self.clock = clock
        self.slow_lock_ms = slow_lock_ms

    # -- writing -----------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[WriteSession]:
        """A write transaction holding the append lock; commits on normal exit. Every
        other writer waits while it runs: a hold longer than `slow_lock_ms` is logged
        (`ledger.lock`, a warning) with what held it (`WriteSession.causes`)."""
        connection = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        session: WriteSession | None = None
        held = 0.0
        try:
            with connection as conn, conn.begin():
                if not is_sqlite(conn):
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_APPEND_LOCK)))
                held = time.monotonic()
                session = WriteSession(self, conn)
                session.catch_up_projections()
                yield session
                session.flush()
                session.save_checkpoints()
        finally:
            if session is not None:
                self._check_hold(session, time.monotonic() - held)

    def _check_hold(self, session: WriteSession, seconds: float) -> None:
        if seconds * 1000 <= self.slow_lock_ms:
            return
        counted = Counter(session.causes)
        causes = ", ".join(
            cause if n == 1 else f"{cause} ×{n}" for cause, n in counted.most_common(5)
        )
        if len(counted) > 5:
            causes += f" and {len(counted) - 5} more"
        log.warning(
            "write lock held %d ms (over %d ms) by %s; events appended: %d",
            round(seconds * 1000),
            self.slow_lock_ms,
            causes or "no named cause",
            session.head - session.opened_at,
        )

    def append(
        self,
        stream_id: str,
        events: Sequence[NewEvent],
        **options: Any,
    ) -> list[RecordedEvent]:
        with self.write() as session:
            return session.append(AppendRequest(stream_id, events, **options))

    def append_batch(self, requests: Sequence[AppendRequest]) -> list[list[RecordedEvent]]:
        """All requests in one transaction: all land or none does."""
        with self.write() as session:
            return session.append_many(requests)

    def rebuild(self, names: Sequence[str] | None = None, progress: Progress | None = None) -> int:
        """Empty the chosen projections and replay every event; returns events replayed.
        `progress` receives the number of events replayed per page."""
        chosen = [p for p in self.projectors if names is None or p.name in names]
        with self.write() as session:
            session.causes.append(f"rebuild of {len(chosen)} projections")
            for projector in chosen:
                for table in reversed(projector.tables):
                    session.conn.execute(table.delete())
                # A checkpoint never saved stays -1 so that save_checkpoints inserts its row
                # (an update would miss it, and the next write would replay everything again).
                session.checkpoints[projector.name] = min(session.checkpoints[projector.name], 0)
            return session.replay_into(chosen, after=0, progress=progress)

    # -- tamper evidence ---------------------------------------------------------------

    def head_of_chain(self, conn: sa.Connection | None = None) -> tuple[int, str]:
        """(position, hash) of the last event; (0, GENESIS) for an empty ledger."""
        if conn is None:
            with self.engine.connect() as own:
                return self.head_of_chain(own)
        e = schema.events.c
        last = conn.execute(
            sa.select(e.position, e.hash).order_by(e.position.desc()).limit(1)
        ).first()
        return (last.position, last.hash) if last is not None else (0, GENESIS)

    def issue_receipt(
        self, key: bytes, reason: str, conn: sa.Connection | None = None
    ) -> receipts.Receipt:
        """Sign the head as it is now and keep the receipt in `head_receipts`; `conn` lets
        a caller sign the head its own transaction sees (a fiscal-year closing)."""
        if conn is None:
            with self.engine.begin() as own:
                return self.issue_receipt(key, reason, own)
        position, head_hash = self.head_of_chain(conn)
        return receipts.record(conn, key, position, head_hash, self.clock(), reason)

    def stored_receipts(self) -> list[receipts.Receipt]:
        r = schema.head_receipts.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(r.position, r.hash, r.issued_at, r.reason, r.signature).order_by(r.id)
            ).all()
        return [receipts.Receipt(*row) for row in rows]

    def projection_drift(self) -> ProjectionDrift | None:
        """Replay every event into the projection tables inside a transaction that is
        rolled back, and compare with what is stored: the first row that differs, or None.
        Holds the append lock while it runs (writers wait), so run it off-peak."""
        connection = self.engine.connect().execution_options(**{WRITE_OPTION: True})
        with connection as conn:
            transaction = conn.begin()
            try:
                if not is_sqlite(conn):
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_APPEND_LOCK)))
                session = WriteSession(self, conn)
                tables = [t for p in self.projectors for t in p.tables]
                stored = {t.name: _rows_by_key(conn, t) for t in tables}
                for projector in self.projectors:
                    for table in reversed(projector.tables):
                        conn.execute(table.delete())
                session.replay_into(self.projectors, after=0)
                for table in tables:
                    drift = _first_difference(table.name, stored[table.name], conn, table)
                    if drift is not None:
                        return drift
                return None
            finally:
                transaction.rollback()

    # -- reading -----------------------------------------------------------------------

    def head(self) -> int:
        with self.engine.connect() as conn:
            return _head_position(conn)

    def read_stream(self, stream_id: str, after_version: int = 0) -> list[RecordedEvent]:
        query = (
            sa.select(schema.events)
            .where(schema.events.c.stream_id == stream_id)
            .where(schema.events.c.stream_version > after_version)
            .order_by(schema.events.c.stream_version)
        )
        with self.engine.connect() as conn:
            return [self.to_event(row) for row in conn.execute(query).mappings()]

    def read_all(
        self,
        after: int = 0,
        limit: int | None = None,
        *,
        tenant_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        types: Sequence[str] | None = None,
        conn: sa.Connection | None = None,
    ) -> list[RecordedEvent]:
        """Events after a position, in position order.

        `as_of` keeps events effective on or before that date; `known_at` keeps events the
        ledger had recorded at that instant. Both together answer "what did we know at T
        about the situation at D".
        """
        query = self.all_query(
            after, tenant_id=tenant_id, as_of=as_of, known_at=known_at, types=types
        )
        if limit is not None:
            query = query.limit(limit)
        if conn is not None:
            return [self.to_event(row) for row in conn.execute(query).mappings()]
        with self.engine.connect() as own:
            return [self.to_event(row) for row in own.execute(query).mappings()]

    def iter_all(
        self, after: int = 0, conn: sa.Connection | None = None, **filters: Any
    ) -> Iterator[RecordedEvent]:
        """Every event after `after`, read in pages (constant memory)."""
        while True:
            page = self.read_all(after, _READ_PAGE, conn=conn, **filters)
            yield from page
            if len(page) < _READ_PAGE:
                return
            after = page[-1].position

    @staticmethod
    def all_query(
        after: int = 0,
        *,
        tenant_id: str | None = None,
        as_of: date | None = None,
        known_at: datetime | None = None,
        types: Sequence[str] | None = None,
    ) -> sa.Select[Any]:
        e = schema.events.c
        query = sa.select(schema.events).where(e.position > after).order_by(e.position)
        if tenant_id is not None:
            query = query.where(e.tenant_id == tenant_id)
        if as_of is not None:
            query = query.where(e.effective_date <= as_of)
        if known_at is not None:
            query = query.where(e.recorded_at <= known_at)
        if types is not None:
            query = query.where(e.type.in_(list(types)))
        return query

    def to_event(self, row: Any) -> RecordedEvent:
        version, data = self.registry.upcast(row["type"], row["schema_version"], row["data"])
        return RecordedEvent(
            position=row["position"],
            event_id=row["event_id"],
            stream_id=row["stream_id"],
            stream_version=row["stream_version"],
            type=row["type"],
            schema_version=version,
            data=data,
            effective_date=row["effective_date"],
            recorded_at=row["recorded_at"],
            tenant_id=row["tenant_id"],
            subject_id=row["subject_id"],
            amount_cents=row["amount_cents"],
            actor=row["actor"],
            correlation_id=row["correlation_id"],
            causation_id=row["causation_id"],
            idempotency_key=row["idempotency_key"],
            reverses=row["reverses"],
            prev_hash=row["prev_hash"],
            hash=row["hash"],
        )

    def verify(
        self,
        anchors: Sequence[receipts.Receipt] = (),
        key: bytes | None = None,
        progress: Progress | None = None,
    ) -> VerifyReport:
        """Recompute the hash chain over the raw stored rows (no upcasting), then hold it
        against what the database itself remembers of its head (projection checkpoints,
        idempotency keys, stored receipts) and against `anchors` (receipts kept elsewhere,
        or a head given as an unsigned receipt). With `key`, every signed receipt must be
        authentic. A chain rewritten from a position on, with recomputed hashes, or
        truncated, verifies by itself: only an anchor from before the change shows it.
        `progress` receives the number of rows read per page."""
        chain = self._verify_chain(progress)
        if not chain.ok:
            return chain
        with self.engine.connect() as conn:
            position, _ = self.head_of_chain(conn)
            beyond = _positions_beyond(conn, position)
            if beyond is not None:
                return VerifyReport(False, chain.checked, position + 1, beyond)
            held = [(a, False) for a in anchors] + [(r, True) for r in self.stored_receipts()]
            for receipt, stored in held:
                broken = _check_anchor(conn, receipt, position, key, stored)
                if broken is not None:
                    return VerifyReport(False, chain.checked, *broken)
        return chain

    def _verify_chain(self, progress: Progress | None) -> VerifyReport:

        def rows() -> Iterator[Any]:
            after = 0
            with self.engine.connect() as conn:
                while True:
                    page = (
                        conn.execute(
                            sa.select(schema.events)
                            .where(schema.events.c.position > after)
                            .order_by(schema.events.c.position)
                            .limit(_READ_PAGE)
                        )
                        .mappings()
                        .all()
                    )
                    yield from page
                    if progress is not None:
                        progress(len(page))
                    if len(page) < _READ_PAGE:
                        return
                    after = page[-1]["position"]

        return verify_rows(rows())


@dataclass
class WriteSession:
    """The inside of one write transaction. Holds the head of the chain in memory: the
    append lock guarantees nobody else moves it until commit."""

    store: EventStore
    conn: sa.Connection
    checkpoints: dict[str, int] = field(default_factory=dict)
    _head: tuple[int, str, datetime | None] = (0, GENESIS, None)
    _versions: dict[str, int] = field(default_factory=dict)
    # Deferred appends (see `deferred`): rows, key rows and events not yet written.
    _deferring: bool = False
    _pending_rows: list[dict[str, Any]] = field(default_factory=list)
    _pending_keys: dict[str, dict[str, Any]] = field(default_factory=dict)
    _pending_events: list[RecordedEvent] = field(default_factory=list)
    # What a caller derives from the projections, kept until the projections move.
    memo: dict[Any, Any] = field(default_factory=dict)
    _saved: dict[str, int] = field(default_factory=dict)  # checkpoints as the session began
    # What runs under the lock ("members coop_…"), named in the log of a slow hold.
    causes: list[str] = field(default_factory=list)
    opened_at: int = 0  # the head when the lock was taken

    def __post_init__(self) -> None:
        for row in self.conn.execute(_OPENING):
            if row.name is None:
                self._head = (row.position, row.hash, row.recorded_at)
            else:
                self._saved[row.name] = row.position
        self.opened_at = self._head[0]

    @property
    def head(self) -> int:
        return self._head[0]

    @property
    def tip(self) -> tuple[int, str, datetime | None]:
        """(position, hash, recorded_at) of the last event, as this transaction sees it."""
        return self._head

    # -- idempotency -------------------------------------------------------------------

    def replay(self, key: str, fingerprint: str) -> Replay | None:
        """The earlier outcome of `key`, None if new; raises if the key meant another request."""
        if key in self._pending_keys:
            self.flush()
        k = schema.idempotency_keys.c
        found = self.conn.execute(sa.select(k.fingerprint, k.result).where(k.key == key)).first()
        if found is None:
            return None
        if found.fingerprint != fingerprint:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different request", key=key
            )
        return Replay(self._stored_events([key])[key], found.result)

    # -- append ------------------------------------------------------------------------

    def append(self, request: AppendRequest) -> list[RecordedEvent]:
        return self.append_many([request])[0]

    def append_many(self, requests: Sequence[AppendRequest]) -> list[list[RecordedEvent]]:
        """Append several requests with one key lookup and one multi-row insert.

        Each request is validated and version-checked in order, as if appended one by one;
        any refusal raises before anything is inserted, and the transaction rolls back.
        """
        prepared = [[self._prepare(event) for event in r.events] for r in requests]
        if any(not events for events in prepared):
            raise InvalidEvent("an append needs at least one event")
        fingerprints = [
            (r.fingerprint or _fingerprint(r, p)) if r.idempotency_key else ""
            for r, p in zip(requests, prepared, strict=True)
        ]
        known = self._known_keys([r.idempotency_key for r in requests if r.idempotency_key])
        self._load_versions(r.stream_id for r in requests)
        outcome: list[list[RecordedEvent] | None] = []
        rows: list[dict[str, Any]] = []
        key_rows: list[dict[str, Any]] = []
        for request, events, fingerprint in zip(requests, prepared, fingerprints, strict=True):
            key = request.idempotency_key
            if key is not None and key in known:
                # the caller's fingerprint, or (a key kept by an older caller) the request's own
                if known[key] != fingerprint and known[key] != _fingerprint(request, events):
                    raise IdempotencyConflict(
                        f"idempotency key {key!r} was already used for a different request",
                        key=key,
                    )
                outcome.append(None)  # filled from the stored events below
                continue
            new_rows = self._chain(request, events, self._checked_version(request))
            rows.extend(new_rows)
            outcome.append([self.store.to_event(row) for row in new_rows])
            if key is not None:
                known[key] = fingerprint
                key_rows.append(
                    {
                        "key": key,
                        "fingerprint": fingerprint,
                        "first_position": new_rows[0]["position"],
                        "last_position": new_rows[-1]["position"],
                        "result": request.result,
                        "recorded_at": new_rows[-1]["recorded_at"],
                    }
                )
        self._pending_rows.extend(rows)
        self._pending_keys.update((row["key"], row) for row in key_rows)
        self._pending_events.extend(e for events in outcome if events for e in events)
        replayed_keys = [
            r.idempotency_key for r, events in zip(requests, outcome, strict=True) if events is None
        ]
        if not self._deferring or any(key in self._pending_keys for key in replayed_keys):
            self.flush()
        replayed = self._stored_events(replayed_keys)
        return [
            events if events is not None else replayed[request.idempotency_key or ""]
            for request, events in zip(requests, outcome, strict=True)
        ]

    def insert_recorded(
        self, rows: Sequence[dict[str, Any]], key_rows: Sequence[dict[str, Any]] = ()
    ) -> list[RecordedEvent]:
        """Insert rows chained by the caller (a restore, see ledger.restore): each must
        continue the chain at the head, in its stream's next version. Checked here once
        more because a row that does not would make `verify` fail forever after."""
        self.flush()
        for row in rows:
            position, prev_hash, last_recorded = self._head
            if row["position"] != position + 1 or row["prev_hash"] != prev_hash:
                raise InvalidEvent(
                    f"event {row['event_id']} does not continue the chain at position {position}"
                )
            if last_recorded is not None and row["recorded_at"] < last_recorded:
                raise InvalidEvent(f"event {row['event_id']} was recorded before its predecessor")
            if row["stream_version"] != self.stream_version(row["stream_id"]) + 1:
                raise WrongExpectedVersion(
                    f"stream {row['stream_id']!r} is at version "
                    f"{self.stream_version(row['stream_id'])}, the event is version "
                    f"{row['stream_version']}",
                    stream_id=row["stream_id"],
                )
            if event_hash(prev_hash, row) != row["hash"]:
                raise InvalidEvent(f"event {row['event_id']}: hash does not match its content")
            self._versions[row["stream_id"]] = row["stream_version"]
            self._head = (row["position"], row["hash"], row["recorded_at"])
        insert_rows(self.conn, schema.events, rows)
        insert_rows(self.conn, schema.idempotency_keys, key_rows)
        recorded = [self.store.to_event(row) for row in rows]
        self._project(recorded)
        return recorded

    # -- deferred appends --------------------------------------------------------------

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Appends inside keep their rows, key rows and events in memory (positions, chain
        and versions move as usual) and write them at the end in one multi-row INSERT per
        table and one projector call (set-wise), instead of once per append. A caller
        that reads the events or the projections inside must `flush` first. On an
        exception nothing is written (the transaction rolls back)."""
        self._deferring = True
        try:
            yield
        except BaseException:
            self._pending_rows, self._pending_keys, self._pending_events = [], {}, []
            raise
        finally:
            self._deferring = False
        self.flush()

    def flush(self) -> None:
        """Write what deferred appends hold: events, idempotency keys, projections."""
        rows, keys, events = self._pending_rows, self._pending_keys, self._pending_events
        if not rows and not keys:
            return
        self._pending_rows, self._pending_keys, self._pending_events = [], {}, []
        insert_rows(self.conn, schema.events, rows)
        insert_rows(self.conn, schema.idempotency_keys, list(keys.values()))
        self._project(events)

    def _project(self, events: Sequence[RecordedEvent]) -> None:
        if events:
            self.memo.clear()
            for projector in self.store.projectors:
                projector.apply(self.conn, events)

    def _keys_in(self, keys: list[str]) -> sa.ColumnElement[bool]:
        """`key IN (…)`, on PostgreSQL `key = ANY(:array)`: one statement whatever the
        count, so a prepared plan stays the specific one (an IN list of 100 values gets
        a generic plan once psycopg prepares it)."""
        k = schema.idempotency_keys.c
        if is_sqlite(self.conn):
            return k.key.in_(keys)
        return k.key == sa.any_(sa.bindparam("keys", keys, type_=_TEXT_ARRAY))

    def _known_keys(self, keys: list[str]) -> dict[str, str]:
        if not keys:
            return {}
        k = schema.idempotency_keys.c
        found: dict[str, str] = {
            key: self._pending_keys[key]["fingerprint"] for key in keys if key in self._pending_keys
        }
        chunk = 500 if is_sqlite(self.conn) else len(keys)
        for start in range(0, len(keys), chunk):
            wanted = self._keys_in(keys[start : start + chunk])
            found.update(self.conn.execute(sa.select(k.key, k.fingerprint).where(wanted)).all())
        return found

    def _stored_events(self, keys: list[str | None]) -> dict[str, list[RecordedEvent]]:
        """The events each idempotency key produced, one query per 500 keys."""
        found: dict[str, list[RecordedEvent]] = {key: [] for key in keys if key}
        e, k = schema.events.c, schema.idempotency_keys.c
        wanted = list(found)
        chunk = 500 if is_sqlite(self.conn) else max(len(wanted), 1)
        for start in range(0, len(wanted), chunk):
            rows = self.conn.execute(
                sa.select(schema.events, k.key.label("replayed_key"))
                .join(
                    schema.idempotency_keys,
                    sa.and_(e.position >= k.first_position, e.position <= k.last_position),
                )
                .where(self._keys_in(wanted[start : start + chunk]))
                .order_by(e.position)
            ).mappings()
            for row in rows:
                found[row["replayed_key"]].append(self.store.to_event(row))
        return found

    def _checked_version(self, request: AppendRequest) -> int:
        version = self.stream_version(request.stream_id)
        if request.expected_version is not None and request.expected_version != version:
            raise WrongExpectedVersion(
                f"stream {request.stream_id!r} is at version {version}, "
                f"expected {request.expected_version}",
                stream_id=request.stream_id,
                actual=version,
                expected=request.expected_version,
            )
        self._versions[request.stream_id] = version + len(request.events)
        return version

    def _prepare(self, event: NewEvent) -> dict[str, Any]:
        registry = self.store.registry
        data = registry.validate(event.type, event.data)
        amount = event.amount_cents
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise InvalidEvent("amount_cents must be an integer number of cents", type=event.type)
        return {
            "event_id": event.event_id or str(uuid.uuid4()),
            "type": event.type,
            "schema_version": registry.version(event.type),
            "data": data,
            "tenant_id": event.tenant_id,
            "subject_id": event.subject_id,
            "amount_cents": amount,
            "effective_date": _effective_date(event, self.store.clock),
            "reverses": event.reverses,
        }

    def _load_versions(self, stream_ids: Iterable[str]) -> None:
        """Versions of every stream a batch touches, in one query per 500 streams (one
        query per stream dominated batch appends)."""
        missing = sorted(set(stream_ids) - self._versions.keys())
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            if is_sqlite(self.conn):
                params: dict[str, Any] = {"ids": json.dumps(chunk)}
                query = _SQLITE_STREAM_VERSIONS
            else:
                params, query = {"ids": chunk}, _PG_STREAM_VERSIONS
            found: dict[str, int | None] = dict(self.conn.execute(query, params).tuples().all())
            for stream_id in chunk:
                self._versions[stream_id] = found.get(stream_id) or 0

    def stream_version(self, stream_id: str) -> int:
        """Current version of a stream (0 if new), as this transaction sees it."""
        if stream_id not in self._versions:
            e = schema.events.c
            current = self.conn.execute(
                sa.select(sa.func.max(e.stream_version)).where(e.stream_id == stream_id)
            ).scalar()
            self._versions[stream_id] = current or 0
        return self._versions[stream_id]

    def _chain(
        self, request: AppendRequest, prepared: list[dict[str, Any]], version: int
    ) -> list[dict[str, Any]]:
        position, prev_hash, last_recorded = self._head
        now = self.store.clock()
        # recorded_at never goes backwards along positions, so "known at T" is a prefix.
        recorded_at = now if last_recorded is None or now > last_recorded else last_recorded
        rows = []
        for offset, event in enumerate(prepared, start=1):
            row = {
                **event,
                "position": position + offset,
                "stream_id": request.stream_id,
                "stream_version": version + offset,
                "recorded_at": recorded_at,
                "actor": request.actor,
                "correlation_id": request.correlation_id,
                "causation_id": request.causation_id,
                "idempotency_key": request.idempotency_key,
                "prev_hash": prev_hash,
            }
            row["hash"] = prev_hash = event_hash(prev_hash, row)
            rows.append(row)
        self._head = (rows[-1]["position"], prev_hash, recorded_at)
        return rows

    # -- projections -------------------------------------------------------------------

    def catch_up_projections(self) -> None:
        """Bring projectors registered after events were written (or new ones) up to head."""
        saved = self._saved  # read with the head (_OPENING)
        self.checkpoints = {p.name: saved.get(p.name, -1) for p in self.store.projectors}
        for projector in self.store.projectors:
            start = max(self.checkpoints[projector.name], 0)
            if start < self.head:
                self.replay_into([projector], after=start)

    def replay_into(
        self, projectors: Sequence[Projector], after: int, progress: Progress | None = None
    ) -> int:
        count = 0
        for event_page in scan.pages(self.conn, self.store.registry, after):
            for projector in projectors:
                projector.apply(self.conn, event_page)
            count += len(event_page)
            if progress is not None:
                progress(len(event_page))
        return count

    def save_checkpoints(self) -> None:
        """Every moved checkpoint in one UPDATE (and one INSERT for those never saved)."""
        moved = sorted(n for n, saved in self.checkpoints.items() if 0 <= saved != self.head)
        new = sorted(n for n, saved in self.checkpoints.items() if saved < 0)
        if moved:
            self.conn.execute(_MOVE_CHECKPOINTS, {"names": moved, "head": self.head})
        if new:
            self.conn.execute(
                schema.projection_checkpoints.insert(),
                [{"name": name, "position": self.head} for name in new],
            )
        for name in (*moved, *new):
            self.checkpoints[name] = self.head


@dataclass(frozen=True)
class ProjectionDrift:
    """A projection row that is not what replaying the events gives (None: missing)."""

    table: str
    key: tuple[Any, ...]
    stored: dict[str, Any] | None
    replayed: dict[str, Any] | None


def _rows_by_key(conn: sa.Connection, table: sa.Table) -> dict[tuple[Any, ...], dict[str, Any]]:
    key_columns = list(table.primary_key.columns) or list(table.columns)
    rows = conn.execute(sa.select(table)).mappings()
    return {tuple(row[c.name] for c in key_columns): dict(row) for row in rows}


def _first_difference(
    name: str,
    stored: dict[tuple[Any, ...], dict[str, Any]],
    conn: sa.Connection,
    table: sa.Table,
) -> ProjectionDrift | None:
    replayed = _rows_by_key(conn, table)
    for key in sorted(stored.keys() | replayed.keys(), key=lambda k: tuple(map(str, k))):
        if stored.get(key) != replayed.get(key):
            return ProjectionDrift(name, key, stored.get(key), replayed.get(key))
    return None


def _positions_beyond(conn: sa.Connection, head: int) -> str | None:
    """The store's own tables remember positions: none may lie past the last event."""
    c, k = schema.projection_checkpoints.c, schema.idempotency_keys.c
    checkpoint = conn.execute(
        sa.select(c.name, c.position).where(c.position > head).order_by(c.position.desc())
    ).first()
    if checkpoint is not None:
        return (
            f"truncated: projection {checkpoint.name!r} was written up to position "
            f"{checkpoint.position}, the chain ends at {head}"
        )
    last_keyed = conn.execute(sa.select(sa.func.max(k.last_position))).scalar()
    if last_keyed is not None and last_keyed > head:
        return (
            f"truncated: an idempotency key recorded position {last_keyed}, "
            f"the chain ends at {head}"
        )
    return None


def _check_anchor(
    conn: sa.Connection, receipt: receipts.Receipt, head: int, key: bytes | None, stored: bool
) -> tuple[int, str] | None:
    """(first broken position, reason) when the chain no longer holds what `receipt`
    says it held; None when it does. Only a head given by hand (`--head`) may be
    unsigned: a stored receipt without a signature was edited."""
    checked = stored or receipt.signature != ""
    if checked and key is not None and not receipts.authentic(key, receipt):
        return receipt.position, f"receipt of {format_timestamp(receipt.issued_at)} is forged"
    if receipt.position > head:
        return head + 1, (
            f"truncated: a receipt of {format_timestamp(receipt.issued_at)} saw position "
            f"{receipt.position}, the chain ends at {head}"
        )
    if receipt.position == 0:
        return None
    found = conn.execute(
        sa.select(schema.events.c.hash).where(schema.events.c.position == receipt.position)
    ).scalar()
    if found != receipt.hash:
        return receipt.position, (
            f"rewritten at or before position {receipt.position}: its hash is not the one "
            f"the receipt of {format_timestamp(receipt.issued_at)} saw"
        )
    return None


def _head_position(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.max(schema.events.c.position))).scalar() or 0


def _effective_date(event: NewEvent, clock: Clock) -> date:
    value = event.effective_date
    if value is None:
        return clock().date()
    if isinstance(value, datetime):
        raise InvalidEvent("effective_date must be a date, not a timestamp", type=event.type)
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidEvent(f"effective_date {value!r} is not a date (YYYY-MM-DD)", type=event.type)


def _fingerprint(request: AppendRequest, prepared: list[dict[str, Any]]) -> str:
    """Describes the request as the caller made it. An effective date the caller left out
    stays out (not the clock's date it defaulted to), so a retry the next day, such as an
    import resumed after midnight, is still the same request."""
    described = {
        "stream_id": request.stream_id,
        "expected_version": request.expected_version,
        "events": [
            {
                k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in event.items()
                if k != "event_id" and not (k == "effective_date" and given.effective_date is None)
            }
            for event, given in zip(prepared, request.events, strict=True)
        ],
    }
    return hashlib.sha256(canonical_json(described).encode()).hexdigest()
