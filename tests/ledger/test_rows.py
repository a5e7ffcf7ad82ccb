"""The raw-driver writer stores what SQLAlchemy's own INSERT and UPDATE would store."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import schema
from ledger.db import create_engine
from ledger.rows import COPY_FROM, add_to_rows, insert_rows
from scic.projections.tables import mix_categories, movements, parties


def _movement(i: int) -> dict[str, Any]:
    return {
        "event_id": f"e{i}",
        "member_id": f"m{i % 7}",
        "coop_id": "coop",
        "subscription_id": None if i % 3 else f"s{i}",
        "kind": "payment",
        "position": i,
        "effective_date": date(2025, 1, 1 + i % 28),
        "recorded_at": datetime(2025, 2, 1, 12, i % 60, tzinfo=UTC),
        "shares": i,
        "subscribed_cents": 10_000 * i,
        # called_cents and paid_cents left out: their default (0) applies
    }


def _rows(conn: sa.Connection, table: sa.Table, order: sa.ColumnElement[object]) -> list[dict]:
    return [dict(r) for r in conn.execute(sa.select(table).order_by(order)).mappings()]


@pytest.mark.parametrize("count", [3, COPY_FROM + 10])
def test_inserted_rows_read_back_as_sqlalchemy_inserted_them(database_url: str, count: int) -> None:
    engine = create_engine(database_url)
    ours = [_movement(i) for i in range(1, count + 1)]
    theirs = [{**row, "event_id": f"x{i}", "position": -i} for i, row in enumerate(ours, 1)]
    with engine.begin() as conn:
        insert_rows(conn, movements, ours)
        conn.execute(movements.insert(), theirs)
    with engine.connect() as conn:
        mine = _rows(conn, movements, movements.c.position)
    engine.dispose()
    by_position = {row["position"]: row for row in mine}
    assert len(by_position) == 2 * count
    for i in range(1, count + 1):
        written, reference = by_position[i], by_position[-i]
        assert written["called_cents"] == 0 and written["paid_cents"] == 0
        assert written["recorded_at"] == datetime(2025, 2, 1, 12, i % 60, tzinfo=UTC)
        assert {k: v for k, v in written.items() if k not in ("event_id", "position")} == {
            k: v for k, v in reference.items() if k not in ("event_id", "position")
        }


@pytest.mark.parametrize("count", [1, COPY_FROM])
def test_json_payloads_keep_their_stored_form(database_url: str, count: int) -> None:
    """The events table: JSON data (unicode, nesting, floats) reads back identical to
    what SQLAlchemy's INSERT stores, on both paths (few rows, COPY)."""
    engine = create_engine(database_url)
    data = {"note": "société coopérative — ü", "nested": {"list": [1, 2.5, None]}, "n": 1e-7}
    rows = [
        {
            "position": i,
            "event_id": f"id-{i}",
            "stream_id": "s",
            "stream_version": i,
            "type": "Noted",
            "schema_version": 1,
            "data": {**data, "i": i},
            "effective_date": date(2025, 3, 1),
            "recorded_at": datetime(2025, 3, 1, 9, tzinfo=UTC),
            "prev_hash": "",
            "hash": f"h{i}",
        }
        for i in range(1, count + 1)
    ]
    with engine.begin() as conn:
        insert_rows(conn, schema.events, rows)
    with engine.connect() as conn:
        stored = _rows(conn, schema.events, schema.events.c.position)
    engine.dispose()
    assert [r["data"] for r in stored] == [r["data"] for r in rows]
    assert all(r["tenant_id"] is None for r in stored)


@pytest.mark.parametrize("count", [3, COPY_FROM])
def test_a_refused_row_raises_what_sqlalchemy_raises_and_writes_nothing(
    database_url: str, count: int
) -> None:
    engine = create_engine(database_url)
    rows = [_movement(i) for i in range(1, count + 1)]
    rows[-1] = {**rows[-1], "coop_id": None}  # NOT NULL
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        insert_rows(conn, movements, rows)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(movements)).scalar() == 0
    engine.dispose()


def test_a_table_with_a_computed_default_is_refused(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as conn, pytest.raises(ValueError, match="name_key"):
        insert_rows(conn, parties, [{"party_id": "p", "coop_id": "c", "kind": "person"}])
    engine.dispose()


@pytest.mark.parametrize("key", ["single", "composite"])
def test_deltas_add_to_the_rows_they_name_only(database_url: str, key: str) -> None:
    engine = create_engine(database_url)
    amounts = ("shares", "subscribed_cents", "called_cents", "paid_cents")
    rows = [
        {"coop_id": coop, "category": cat, **dict.fromkeys(amounts, 5)}
        for coop in ("a", "b")
        for cat in ("workers", "users")
    ]
    with engine.begin() as conn:
        insert_rows(conn, mix_categories, rows)
        if key == "composite":
            deltas = {("a", "users"): [1, 2, 3, 4], ("b", "workers"): [-5, 0, 0, 10]}
            add_to_rows(conn, mix_categories, ("coop_id", "category"), deltas, amounts)
        else:
            add_to_rows(conn, mix_categories, "coop_id", {"a": [1, 1, 1, 1]}, amounts)
    with engine.connect() as conn:
        c = mix_categories.c
        found = {
            (r.coop_id, r.category): list(r[2:])
            for r in conn.execute(sa.select(c.coop_id, c.category, *(c[k] for k in amounts)))
        }
    engine.dispose()
    if key == "composite":
        assert found == {
            ("a", "workers"): [5, 5, 5, 5],
            ("a", "users"): [6, 7, 8, 9],
            ("b", "workers"): [0, 5, 5, 15],
            ("b", "users"): [5, 5, 5, 5],
        }
    else:
        assert found[("a", "workers")] == found[("a", "users")] == [6, 6, 6, 6]
        assert found[("b", "workers")] == found[("b", "users")] == [5, 5, 5, 5]
