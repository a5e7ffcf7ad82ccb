"""The store contract, run on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import (
    AppendRequest,
    EventStore,
    IdempotencyConflict,
    InvalidEvent,
    NewEvent,
    UnknownEventType,
    WrongExpectedVersion,
)
from ledger.chain import GENESIS
from tests.ledger.conftest import balances, count_events


def deposit(account: str, cents: int, on: str = "2026-01-10", **kw) -> NewEvent:
    return NewEvent(
        "Deposited",
        {"account": account, "amount_cents": cents},
        effective_date=on,
        subject_id=account,
        amount_cents=cents,
        **kw,
    )


def balance(engine: sa.Engine, account: str) -> int | None:
    with engine.connect() as conn:
        return conn.execute(
            sa.select(balances.c.balance_cents).where(balances.c.account == account)
        ).scalar()


def test_append_and_read_back_the_envelope(store: EventStore, clock) -> None:
    recorded = store.append(
        "acct-1",
        [
            NewEvent(
                "Opened",
                {"account": "a1", "owner_ref": "p-9"},
                effective_date="2026-01-02",
                tenant_id="t1",
            ),
            deposit("a1", 12_500),
        ],
        expected_version=0,
        actor="tester",
        correlation_id="corr-1",
    )
    assert [e.position for e in recorded] == [1, 2]
    assert [e.stream_version for e in recorded] == [1, 2]
    assert recorded[0].prev_hash == GENESIS and recorded[1].prev_hash == recorded[0].hash
    read = store.read_stream("acct-1")
    assert read == recorded
    assert read[1].effective_date == date(2026, 1, 10)
    assert read[1].recorded_at == clock.now
    assert read[1].amount_cents == 12_500 and read[1].actor == "tester"
    assert read[0].tenant_id == "t1" and read[0].correlation_id == "corr-1"


def test_positions_are_global_across_streams(store: EventStore) -> None:
    store.append("s1", [deposit("a", 1)])
    store.append("s2", [deposit("b", 2)])
    store.append("s1", [deposit("a", 3)])
    assert [(e.stream_id, e.position) for e in store.read_all()] == [
        ("s1", 1),
        ("s2", 2),
        ("s1", 3),
    ]
    assert [e.position for e in store.read_all(after=1, limit=1)] == [2]


def test_projection_is_updated_in_the_same_transaction(store: EventStore, engine) -> None:
    store.append("s1", [deposit("a", 1_000)])
    with pytest.raises(WrongExpectedVersion), store.write() as session:
        session.append(AppendRequest("s1", [deposit("a", 500)]))
        assert balance(engine, "a") == 1_000  # other connections do not see it yet
        session.append(AppendRequest("s1", [deposit("a", 1)], expected_version=0))
    assert balance(engine, "a") == 1_000
    assert count_events(engine) == 1


def test_wrong_expected_version_writes_nothing(store: EventStore, engine) -> None:
    store.append("s1", [deposit("a", 1)], expected_version=0)
    with pytest.raises(WrongExpectedVersion) as refused:
        store.append("s1", [deposit("a", 2)], expected_version=0)
    assert refused.value.context == {"stream_id": "s1", "actual": 1, "expected": 0}
    assert count_events(engine) == 1


def test_batch_is_all_or_nothing(store: EventStore, engine) -> None:
    with pytest.raises(WrongExpectedVersion):
        store.append_batch(
            [
                AppendRequest("s1", [deposit("a", 1)], expected_version=0),
                AppendRequest("s2", [deposit("b", 1)], expected_version=0),
                AppendRequest("s1", [deposit("a", 1)], expected_version=0),  # s1 is at 1 by now
            ]
        )
    assert count_events(engine) == 0
    assert balance(engine, "a") is None
    results = store.append_batch(
        [
            AppendRequest("s1", [deposit("a", 1)], expected_version=0),
            AppendRequest("s1", [deposit("a", 2)], expected_version=1),
        ]
    )
    assert [e.stream_version for r in results for e in r] == [1, 2]


@pytest.mark.parametrize(
    ("event", "error", "words"),
    [
        (NewEvent("Teleported", {"account": "a"}), UnknownEventType, "unknown event type"),
        (
            NewEvent("Deposited", {"account": "a", "amount_cents": -5}),
            InvalidEvent,
            "greater than 0",
        ),
        (
            NewEvent("Deposited", {"account": "a", "amount_cents": 5, "x": 1}),
            InvalidEvent,
            "Extra inputs",
        ),
        (NewEvent("Deposited", {"amount_cents": 5}), InvalidEvent, "account"),
        (NewEvent("Deposited", ["not", "an", "object"]), InvalidEvent, "JSON object"),  # type: ignore[arg-type]
        (
            NewEvent("Deposited", {"account": "a", "amount_cents": 5}, effective_date="10/01/2026"),
            InvalidEvent,
            "not a date",
        ),
        (
            NewEvent("Deposited", {"account": "a", "amount_cents": 5}, effective_date="2026-02-30"),
            InvalidEvent,
            "not a date",
        ),
        (
            NewEvent("Deposited", {"account": "a", "amount_cents": 5}, amount_cents=5.5),  # type: ignore[arg-type]
            InvalidEvent,
            "integer number of cents",
        ),
    ],
    ids=[
        "unknown-type",
        "negative",
        "extra-field",
        "missing-field",
        "not-object",
        "french-date",
        "impossible-date",
        "float-cents",
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(store, engine, event, error, words) -> None:
    store.append("s0", [deposit("a", 1)])
    with pytest.raises(error, match=words):
        store.append_batch([AppendRequest("s1", [deposit("b", 7)]), AppendRequest("s1", [event])])
    assert count_events(engine) == 1
    assert balance(engine, "b") is None


def test_idempotent_retry_returns_the_original_events(store: EventStore, engine, clock) -> None:
    first = store.append("s1", [deposit("a", 100)], idempotency_key="k-1")
    clock.advance(minutes=5)
    again = store.append("s1", [deposit("a", 100)], idempotency_key="k-1")
    assert again == first
    assert count_events(engine) == 1
    assert balance(engine, "a") == 100


def test_idempotency_key_reused_for_another_request_is_refused(store, engine) -> None:
    store.append("s1", [deposit("a", 100)], idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict, match="different request"):
        store.append("s1", [deposit("a", 999)], idempotency_key="k-1")
    assert count_events(engine) == 1


def test_caller_fingerprint_and_result_are_kept_with_the_key(store: EventStore) -> None:
    request = AppendRequest(
        "s1", [deposit("a", 1)], idempotency_key="k", fingerprint="f" * 64, result={"id": "thing-1"}
    )
    with store.write() as session:
        assert session.replay("k", "f" * 64) is None
        session.append(request)
    with store.write() as session:
        replay = session.replay("k", "f" * 64)
        assert replay is not None and replay.result == {"id": "thing-1"}
        with pytest.raises(IdempotencyConflict):
            session.replay("k", "0" * 64)


def test_bitemporal_reads(store: EventStore, clock) -> None:
    store.append("s1", [deposit("a", 1, on="2026-01-05")])
    t1 = clock.advance(days=1)
    store.append("s1", [deposit("a", 2, on="2026-01-20")])
    clock.advance(days=1)
    store.append("s1", [deposit("a", 4, on="2026-01-03")])  # learnt late, effective early

    def amounts(**filters) -> list[int | None]:
        return [e.amount_cents for e in store.read_all(**filters)]

    assert amounts() == [1, 2, 4]
    assert amounts(as_of=date(2026, 1, 10)) == [1, 4]
    assert amounts(known_at=t1) == [1, 2]
    assert amounts(as_of=date(2026, 1, 10), known_at=t1) == [1]


def test_recorded_at_never_goes_back_even_if_the_clock_does(store: EventStore, clock) -> None:
    store.append("s1", [deposit("a", 1)])
    clock.advance(hours=-3)
    later = store.append("s1", [deposit("a", 1)])
    assert later[0].recorded_at == store.read_all()[0].recorded_at


def test_events_are_append_only_in_the_database(store: EventStore, engine) -> None:
    store.append("s1", [deposit("a", 1)])
    for statement in ("UPDATE events SET amount_cents = 2", "DELETE FROM events"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events")
    assert [e.amount_cents for e in store.read_all()] == [1]


def _copy_of_row(engine: sa.Engine, position: int) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(
            conn.execute(sa.text("SELECT * FROM events WHERE position = :p"), {"p": position})
            .mappings()
            .one()
        )


def _insert(engine: sa.Engine, verb: str, row: dict[str, Any], suffix: str = "") -> None:
    columns = ", ".join(row)
    values = ", ".join(f":{c}" for c in row)
    with engine.begin() as conn:
        conn.execute(sa.text(f"{verb} INTO events ({columns}) VALUES ({values}){suffix}"), row)


def _rewrite_conflicts(engine: sa.Engine) -> list[tuple[str, dict[str, Any], str]]:
    """Every way an INSERT can try to replace the row at position 2."""
    row = _copy_of_row(engine, 2)
    if isinstance(row["data"], dict):  # PostgreSQL hands JSONB back decoded
        row["data"] = json.dumps(row["data"])
    forged = {**row, "amount_cents": 1_000_000}
    head = {**forged, "position": 4}
    cases = [("INSERT", forged, " ON CONFLICT (position) DO UPDATE SET amount_cents = 1000000")]
    if engine.dialect.name == "sqlite":
        cases += [
            ("INSERT OR REPLACE", forged, ""),
            ("REPLACE", forged, ""),
            ("INSERT OR REPLACE", head, ""),  # a new position reusing the event id
            ("INSERT OR REPLACE", {**head, "event_id": str(uuid.uuid4())}, ""),  # the version
            ("INSERT", {**head, "position": 10, "event_id": str(uuid.uuid4())}, ""),  # a gap
        ]
    else:
        cases.append(("INSERT", {**head, "position": 10, "event_id": str(uuid.uuid4())}, ""))
    return cases


def test_no_insert_can_replace_or_skip_a_position(store: EventStore, engine) -> None:
    for cents in (1, 2, 3):
        store.append("s1", [deposit("a", cents)])
    for verb, row, suffix in _rewrite_conflicts(engine):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            _insert(engine, verb, row, suffix)
    assert [e.amount_cents for e in store.read_all()] == [1, 2, 3]
    assert store.verify().ok
    store.append("s1", [deposit("a", 4)])  # the store's own appends still land
    assert store.verify().checked == 4


def tamper(engine: sa.Engine, sql: str) -> None:
    """Change a row the way a database owner could: around the append-only triggers (as
    often as needed)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER USER")
            conn.exec_driver_sql(sql)
            conn.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER USER")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS events_no_delete")
            conn.exec_driver_sql(sql)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET amount_cents = 1000000 WHERE position = 3",
        "UPDATE events SET effective_date = '2020-01-01' WHERE position = 3",
        "DELETE FROM events WHERE position = 3",
    ],
    ids=["amount", "date", "deleted"],
)
def test_verify_names_the_first_tampered_position(store: EventStore, engine, sql) -> None:
    for cents in range(1, 6):
        store.append("s1", [deposit("a", cents)])
    assert store.verify().ok and store.verify().checked == 5
    tamper(engine, sql)
    report = store.verify()
    assert not report.ok
    assert report.first_broken_position == 3


def test_upcasting_reads_an_old_payload_in_the_new_shape(store: EventStore, engine) -> None:
    old_store = EventStore(engine, _registry_with_noted_v1())
    old_store.append("notes", [NewEvent("Noted", {"note": "AG du 12 juin"})])
    (event,) = store.read_stream("notes")
    assert event.schema_version == 2
    assert event.data == {"text": "AG du 12 juin", "lang": "fr"}
    assert store.verify().ok  # upcasting never touches what is stored


def _registry_with_noted_v1():
    from pydantic import BaseModel

    from ledger import EventRegistry

    class NotedV1(BaseModel):
        note: str

    registry = EventRegistry()
    registry.register("Noted", NotedV1, version=1)
    return registry


def test_reversal_references_the_reversed_event(store: EventStore, engine) -> None:
    (original,) = store.append("s1", [deposit("a", 700)])
    store.append("s1", [deposit("a", 700, reverses=original.event_id)])
    assert balance(engine, "a") == 0
    assert store.read_all()[1].reverses == original.event_id


def test_concurrent_writers_get_gapless_unique_positions(store: EventStore, engine) -> None:
    writers, per_writer = 8, 1_000
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                store.append(f"writer-{n}", [deposit(f"a{n}", i + 1)])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    events = store.read_all()
    assert [e.position for e in events] == list(range(1, writers * per_writer + 1))
    assert len({e.event_id for e in events}) == writers * per_writer
    for n in range(writers):
        versions = [e.stream_version for e in events if e.stream_id == f"writer-{n}"]
        assert versions == list(range(1, per_writer + 1))
        assert balance(engine, f"a{n}") == per_writer * (per_writer + 1) // 2
    assert store.verify().ok


def test_concurrent_readers_never_skip_an_event(store: EventStore) -> None:
    """A follower polling `after=` while writers append sees every position exactly once."""
    done = threading.Event()
    seen: list[int] = []

    def follow() -> None:
        after = 0
        while not done.is_set() or after < store.head():
            for event in store.read_all(after=after, limit=200):
                seen.append(event.position)
                after = event.position

    follower = threading.Thread(target=follow)
    follower.start()
    writers = [
        threading.Thread(
            target=lambda n=n: [store.append(f"w{n}", [deposit("a", 1)]) for _ in range(150)]
        )
        for n in range(4)
    ]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    follower.join()
    assert seen == list(range(1, 601))
