"""Wires the event store with the SCIC registry and projectors for one database."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from ledger import EventStore
from ledger.db import create_engine
from ledger.store import Clock, utc_now
from scic.events import build_registry


@dataclass
class Service:
    engine: sa.Engine
    store: EventStore

    def close(self) -> None:
        self.engine.dispose()


def projectors() -> list:  # type: ignore[type-arg]
    return []


def open_service(url: str, clock: Clock = utc_now) -> Service:
    engine = create_engine(url)
    store = EventStore(engine, build_registry(), projectors(), clock=clock)
    return Service(engine, store)
