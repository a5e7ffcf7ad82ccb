"""Wires the event store with the SCIC registry and projectors for one database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger import EventStore
from ledger.db import create_engine
from ledger.outbox import OutboxProjector
from ledger.projection import Projector
from ledger.store import Clock, utc_now
from scic.accounting.projector import AccountingProjector
from scic.events import build_registry
from scic.integrations.config import EventsOut
from scic.projections.cache import ViewCache
from scic.projections.capital import CapitalProjector
from scic.projections.dated import DatedTotalsProjector
from scic.projections.funding import FundingProjector
from scic.projections.mix import TotalsProjector
from scic.settings import get_settings

PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Service:
    engine: sa.Engine
    store: EventStore
    view_cache: ViewCache = field(default_factory=ViewCache)
    events_out: EventsOut = field(default_factory=EventsOut)

    def today(self) -> date:
        """Today in France: the default effective date of a command."""
        return self.store.clock().astimezone(PARIS).date()

    def close(self) -> None:
        self.engine.dispose()


def projectors() -> list[Projector]:
    return [
        CapitalProjector(),
        TotalsProjector(),
        DatedTotalsProjector(),
        FundingProjector(),
        AccountingProjector(),
        OutboxProjector(),
    ]


def open_service(url: str, clock: Clock = utc_now) -> Service:
    engine = create_engine(url)
    slow = get_settings().slow_lock_ms
    store = EventStore(engine, build_registry(), projectors(), clock=clock, slow_lock_ms=slow)
    return Service(engine, store)
