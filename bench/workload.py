"""The workload the benchmarks append: a generic "Deposited" event on 1,000 account
streams, and a batch-aware balance projector. Defined here, not in ledger/, which stays
free of any business vocabulary."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ledger import EventRegistry, NewEvent, RecordedEvent
from ledger.chain import GENESIS, event_hash

STREAMS = 1_000
EFFECTIVE = date(2026, 1, 15)
TENANTS = 10


class Deposited(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    amount_cents: int = Field(gt=0)


def make_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register("Deposited", Deposited)
    return registry


def account(i: int, streams: int = STREAMS) -> str:
    return f"acct-{i % streams:04d}"


def amount(i: int) -> int:
    return 100 + (i * 7_919) % 100_000


def new_event(i: int, streams: int = STREAMS) -> tuple[str, NewEvent]:
    """Event number i: (stream_id, NewEvent). Deterministic, so every bench and baseline
    writes the same content."""
    acct, cents = account(i, streams), amount(i)
    return acct, NewEvent(
        "Deposited",
        {"account": acct, "amount_cents": cents},
        effective_date=EFFECTIVE,
        tenant_id=f"tenant-{i % TENANTS}",
        subject_id=acct,
        amount_cents=cents,
    )


def jsonl_line(i: int) -> str:
    acct, cents = account(i), amount(i)
    return json.dumps(
        {
            "stream_id": acct,
            "type": "Deposited",
            "data": {"account": acct, "amount_cents": cents},
            "effective_date": EFFECTIVE.isoformat(),
            "tenant_id": f"tenant-{i % TENANTS}",
            "subject_id": acct,
            "amount_cents": cents,
        },
        separators=(",", ":"),
    )


def ledger_rows(n: int, batch: int = 100) -> list[dict[str, Any]]:
    """The rows the ledger would store for events 0..n-1 appended `batch` per
    transaction (one recorded_at per transaction), hash chain included."""
    rows: list[dict[str, Any]] = []
    versions: dict[str, int] = {}
    prev_hash = GENESIS
    recorded_at = datetime.now(UTC)
    for i in range(n):
        if i % batch == 0:
            recorded_at = datetime.now(UTC)
        stream, event = new_event(i)
        versions[stream] = versions.get(stream, 0) + 1
        row = {
            "position": i + 1,
            "event_id": str(uuid.uuid4()),
            "stream_id": stream,
            "stream_version": versions[stream],
            "type": event.type,
            "schema_version": 1,
            "data": event.data,
            "tenant_id": event.tenant_id,
            "subject_id": event.subject_id,
            "amount_cents": event.amount_cents,
            "effective_date": EFFECTIVE,
            "recorded_at": recorded_at,
            "actor": None,
            "correlation_id": None,
            "causation_id": None,
            "idempotency_key": None,
            "reverses": None,
            "prev_hash": prev_hash,
        }
        row["hash"] = prev_hash = event_hash(prev_hash, row)
        rows.append(row)
    return rows


# -- a simple projector ----------------------------------------------------------------

metadata = sa.MetaData()
balances = sa.Table(
    "bench_balances",
    metadata,
    sa.Column("account", sa.String(64), primary_key=True),
    sa.Column("balance_cents", sa.BigInteger, nullable=False),
    sa.Column("movements", sa.Integer, nullable=False),
    sa.Column("last_position", sa.BigInteger, nullable=False),
)


class BalanceProjector:
    """One row per account: folds a page of events in memory, then one multi-row upsert
    (INSERT … ON CONFLICT DO UPDATE) per page, on SQLite and PostgreSQL alike."""

    name = "bench_balances"
    tables = (balances,)

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        folded: dict[str, list[int]] = {}
        for event in events:
            if event.type != "Deposited":
                continue
            cents = event.data["amount_cents"] * (-1 if event.reverses else 1)
            entry = folded.setdefault(event.data["account"], [0, 0, 0])
            entry[0] += cents
            entry[1] += 1
            entry[2] = event.position
        if not folded:
            return
        insert = sqlite_insert if conn.dialect.name == "sqlite" else pg_insert
        stmt = insert(balances)
        stmt = stmt.on_conflict_do_update(
            index_elements=[balances.c.account],
            set_={
                "balance_cents": balances.c.balance_cents + stmt.excluded.balance_cents,
                "movements": balances.c.movements + stmt.excluded.movements,
                "last_position": stmt.excluded.last_position,
            },
        )
        conn.execute(
            stmt,
            [
                {"account": acct, "balance_cents": b, "movements": m, "last_position": p}
                for acct, (b, m, p) in folded.items()
            ],
        )
