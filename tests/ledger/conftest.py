"""A small bookkeeping vocabulary to exercise the generic store (no cooperative terms)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ledger import EventRegistry, EventStore, RecordedEvent
from ledger.db import create_engine
from tests.conftest import SteppingClock


class Opened(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    owner_ref: str


class Deposited(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    amount_cents: int = Field(gt=0)


class Withdrawn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account: str
    amount_cents: int = Field(gt=0)


class Noted(BaseModel):
    """Version 2: `text` was called `note` in version 1, and `lang` did not exist."""

    model_config = ConfigDict(extra="forbid")
    text: str
    lang: str


def make_registry() -> EventRegistry:
    registry = EventRegistry()
    registry.register("Opened", Opened)
    registry.register("Deposited", Deposited)
    registry.register("Withdrawn", Withdrawn)
    registry.register("Noted", Noted, version=2)

    @registry.upcaster("Noted", from_version=1)
    def _note_v1_to_v2(data: dict) -> dict:
        return {"text": data.pop("note"), "lang": "fr"}

    return registry


balance_metadata = sa.MetaData()
balances = sa.Table(
    "test_balances",
    balance_metadata,
    sa.Column("account", sa.String(64), primary_key=True),
    sa.Column("balance_cents", sa.BigInteger, nullable=False),
    sa.Column("movements", sa.Integer, nullable=False),
    sa.Column("last_position", sa.BigInteger, nullable=False),
)


class BalanceProjector:
    """Folds deposits and withdrawals into one row per account; a reversal undoes the
    amount of the event it reverses."""

    name = "test_balances"
    tables = (balances,)

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            sign = {"Deposited": 1, "Withdrawn": -1}.get(event.type)
            if sign is None:
                continue
            amount = sign * event.data["amount_cents"] * (-1 if event.reverses else 1)
            account = event.data["account"]
            updated = conn.execute(
                balances.update()
                .where(balances.c.account == account)
                .values(
                    balance_cents=balances.c.balance_cents + amount,
                    movements=balances.c.movements + 1,
                    last_position=event.position,
                )
            ).rowcount
            if not updated:
                conn.execute(
                    balances.insert().values(
                        account=account,
                        balance_cents=amount,
                        movements=1,
                        last_position=event.position,
                    )
                )


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 1, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url)
    balance_metadata.create_all(engine)  # a test-only projection table
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: sa.Engine, clock: SteppingClock) -> EventStore:
    return EventStore(engine, make_registry(), [BalanceProjector()], clock=clock)


def count_events(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
