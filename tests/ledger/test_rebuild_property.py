"""Property: a projection built incrementally equals the one `rebuild` replays from zero,
and a projector that joins after events exist catches up to that same state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import AppendRequest, EventStore, NewEvent
from ledger.db import create_engine
from ledger.schema import projection_checkpoints
from tests.conftest import SteppingClock
from tests.ledger.conftest import (
    BalanceProjector,
    balance_metadata,
    balances,
    make_registry,
)

ACCOUNTS = ("a", "b", "c", "d")
STREAMS = ("s0", "s1", "s2")


@dataclass(frozen=True)
class Op:
    """One planned event: a movement, or the reversal of the movement at index `target`."""

    type: str
    account: str
    amount: int
    target: int | None = None


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[Op], list[tuple[bool, list[list[Op]]]], int]:
    """Events; their grouping into transactions, each (through `append_batch`?, requests);
    and the index of the first transaction made by a store that has the projector."""
    raw = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["Deposited", "Withdrawn", "reverse"]),
                st.sampled_from(ACCOUNTS),
                st.integers(1, 10**9),
                st.integers(0, 10**6),
            ),
            min_size=1,
            max_size=40,
        )
    )
    ops: list[Op] = []
    for kind, account, amount, pick in raw:
        movements = [i for i, op in enumerate(ops) if op.target is None]
        if kind == "reverse" and movements:
            target = movements[pick % len(movements)]
            original = ops[target]
            ops.append(Op(original.type, original.account, original.amount, target))
        else:
            ops.append(Op("Withdrawn" if kind == "Withdrawn" else "Deposited", account, amount))

    transactions: list[tuple[bool, list[list[Op]]]] = []
    rest = list(ops)
    while rest:
        size = draw(st.integers(1, min(12, len(rest))))
        chunk, rest = rest[:size], rest[size:]
        if draw(st.booleans()):  # one request through store.append
            transactions.append((False, [chunk]))
            continue
        requests = []  # several requests through store.append_batch
        while chunk:
            cut = draw(st.integers(1, len(chunk)))
            requests.append(chunk[:cut])
            chunk = chunk[cut:]
        transactions.append((True, requests))
    join_at = draw(st.integers(0, len(transactions) - 1))
    return ops, transactions, join_at


def event_id(index: int) -> str:
    return str(uuid.UUID(int=index + 1))


def snapshot(engine: sa.Engine) -> tuple[list[tuple[Any, ...]], int | None]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(balances).order_by(balances.c.account)).all()
        checkpoint = conn.execute(
            sa.select(projection_checkpoints.c.position).where(
                projection_checkpoints.c.name == BalanceProjector.name
            )
        ).scalar()
    return [tuple(row) for row in rows], checkpoint


def expected_rows(ops: list[Op]) -> list[tuple[Any, ...]]:
    """The balances the projector must hold, computed without the database."""
    state: dict[str, list[int]] = {}
    for index, op in enumerate(ops):
        sign = 1 if op.type == "Deposited" else -1
        if op.target is not None:
            sign = -sign
        row = state.setdefault(op.account, [0, 0, 0])
        row[0] += sign * op.amount
        row[1] += 1
        row[2] = index + 1  # positions are gapless from 1 in append order
    return [(account, *state[account]) for account in sorted(state)]


def forget_projection(engine: sa.Engine) -> None:
    """Make the projector new to this database: empty table, no checkpoint row."""
    with engine.begin() as conn:
        conn.execute(balances.delete())
        conn.execute(
            projection_checkpoints.delete().where(
                projection_checkpoints.c.name == BalanceProjector.name
            )
        )
    assert snapshot(engine) == ([], None)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=plans())
def test_rebuild_equals_incremental_projection(databases, plan) -> None:
    ops, transactions, join_at = plan
    url = databases.fresh()
    engine = create_engine(url)
    try:
        balance_metadata.create_all(engine)
        clock = SteppingClock(datetime(2026, 1, 1, 9, 0, tzinfo=UTC))
        registry = make_registry()
        bare = EventStore(engine, registry, clock=clock)
        store = EventStore(engine, registry, [BalanceProjector()], clock=clock)

        index = 0
        for number, (batched, requests) in enumerate(transactions):
            writer = store if number >= join_at else bare
            built = []
            for request_ops in requests:
                events = []
                for op in request_ops:
                    events.append(
                        NewEvent(
                            op.type,
                            {"account": op.account, "amount_cents": op.amount},
                            effective_date="2026-03-01",
                            subject_id=op.account,
                            amount_cents=op.amount,
                            event_id=event_id(index),
                            reverses=None if op.target is None else event_id(op.target),
                        )
                    )
                    index += 1
                built.append(AppendRequest(STREAMS[index % len(STREAMS)], events))
            if batched:
                writer.append_batch(built)
            else:
                writer.append(built[0].stream_id, built[0].events)
            clock.advance(seconds=1)

        head = store.head()
        assert head == len(ops)
        incremental, checkpoint = snapshot(engine)
        assert checkpoint == head
        assert incremental == expected_rows(ops)

        assert store.rebuild() == head
        rebuilt, checkpoint = snapshot(engine)
        assert rebuilt == incremental
        assert checkpoint == head
        assert store.verify().ok

        # A projector new to this database (empty table, no checkpoint row) catches up on
        # its first write transaction, or when its first act is a rebuild.
        for first_act in ("write", "rebuild"):
            forget_projection(engine)
            late_engine = create_engine(url)
            try:
                late = EventStore(late_engine, make_registry(), [BalanceProjector()], clock=clock)
                if first_act == "rebuild":
                    assert late.rebuild() == head
                else:
                    with late.write():
                        pass  # every write transaction first brings projectors up to head
                assert snapshot(late_engine) == (rebuilt, head), first_act
            finally:
                late_engine.dispose()

        # Once caught up, the next append is folded in exactly once.
        extra = Op("Deposited", ops[0].account, 1)
        store.append(
            "s0",
            [
                NewEvent(
                    "Deposited",
                    {"account": extra.account, "amount_cents": 1},
                    effective_date="2026-03-01",
                )
            ],
        )
        assert snapshot(engine) == (expected_rows([*ops, extra]), head + 1)
    finally:
        engine.dispose()
        databases.drop(url)
