"""What a database owner can do around the triggers, and what `verify` then says: the
tail deleted, the chain rewritten with recomputed hashes, projections edited by hand."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from ledger import EventStore, schema
from ledger.chain import event_hash
from tests.ledger.conftest import balances
from tests.ledger.test_store import balance, deposit, tamper

KEY = b"a key kept outside the database"


def five_deposits(store: EventStore) -> None:
    for cents in range(1, 6):
        store.append("s1", [deposit("a", cents)])


def rewrite_from(engine: sa.Engine, position: int, cents: int) -> None:
    """Delete every event from `position` on and insert them again with another amount and
    a recomputed chain, the checkpoints moved to match: the chain verifies by itself."""
    e = schema.events
    with engine.connect() as conn:
        query = sa.select(e).where(e.c.position >= position).order_by(e.c.position)
        rows = [dict(r) for r in conn.execute(query).mappings()]
    tamper(engine, f"DELETE FROM events WHERE position >= {position}")
    prev_hash = rows[0]["prev_hash"]
    with engine.begin() as conn:
        for row in rows:
            row.update(data={**row["data"], "amount_cents": cents}, amount_cents=cents)
            row.update(prev_hash=prev_hash, hash=event_hash(prev_hash, row))
            prev_hash = row["hash"]
            conn.execute(e.insert().values(**row))


def truncate_to(engine: sa.Engine, position: int, hide: bool) -> None:
    tamper(engine, f"DELETE FROM events WHERE position > {position}")
    if hide:  # a careful owner also winds the checkpoints back
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE projection_checkpoints SET position = :p"), {"p": position}
            )


def test_a_deleted_tail_is_seen_through_the_checkpoints(store: EventStore, engine) -> None:
    five_deposits(store)
    truncate_to(engine, 3, hide=False)
    report = store.verify()
    assert not report.ok
    assert report.first_broken_position == 4
    assert report.reason is not None and report.reason.startswith("truncated")


def test_a_receipt_sees_a_hidden_truncation(store: EventStore, engine) -> None:
    five_deposits(store)
    receipt = store.issue_receipt(KEY, "daily verification")
    assert (receipt.position, receipt.hash) == store.head_of_chain()
    truncate_to(engine, 3, hide=True)
    report = store.verify(key=KEY)
    assert not report.ok and report.first_broken_position == 4
    assert "receipt" in (report.reason or "")


def test_a_rewritten_chain_verifies_alone_but_not_against_a_receipt(
    store: EventStore, engine
) -> None:
    five_deposits(store)
    store.issue_receipt(KEY, "fiscal year 2025 closed")
    kept_elsewhere = store.stored_receipts()[0]
    rewrite_from(engine, 2, cents=1_000)
    with engine.begin() as conn:  # the owner also empties the receipts table
        conn.execute(sa.text("DELETE FROM head_receipts"))
    assert store.verify().ok, "the chain agrees with itself: only an anchor can tell"
    report = store.verify([kept_elsewhere], key=KEY)
    assert not report.ok
    assert report.first_broken_position == 5
    assert "rewritten" in (report.reason or "")
    head_only = replace(kept_elsewhere, signature="")  # `verify --head POSITION:HASH`
    assert not store.verify([head_only]).ok


def test_a_forged_receipt_is_refused_with_the_key(store: EventStore) -> None:
    five_deposits(store)
    receipt = store.issue_receipt(KEY, "export")
    assert store.verify([receipt], key=KEY).ok
    forged = replace(receipt, reason="something else")
    report = store.verify([forged], key=KEY)
    assert not report.ok and "forged" in (report.reason or "")
    assert not store.verify([receipt], key=b"another key").ok


def test_projection_drift_names_the_edited_row_and_changes_nothing(
    store: EventStore, engine
) -> None:
    five_deposits(store)
    store.append("s2", [deposit("b", 7)])
    assert store.projection_drift() is None
    with engine.begin() as conn:
        conn.execute(balances.update().where(balances.c.account == "b").values(balance_cents=1007))
    drift = store.projection_drift()
    assert drift is not None
    assert (drift.table, drift.key) == ("test_balances", ("b",))
    stored: dict[str, Any] = drift.stored or {}
    replayed: dict[str, Any] = drift.replayed or {}
    assert (stored["balance_cents"], replayed["balance_cents"]) == (1007, 7)
    assert balance(engine, "b") == 1007, "the check rolls its replay back"
    assert store.verify().ok, "the chain is intact: only the projection was edited"
