"""The accounting projector: fiscal-year closings, AG allocations and TMO changes."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.accounting.tables import (
    ACCOUNTING_TABLES,
    fiscal_year_closings,
    surplus_allocations,
    tmo_rates,
)
from scic.domain.fiscal_years import FiscalYearClosed
from scic.domain.surplus import SurplusAllocated, TmoRateSet, reserves_of
from scic.events import typed

HANDLED = (FiscalYearClosed, SurplusAllocated, TmoRateSet)


class AccountingProjector:
    name = "accounting"
    tables = ACCOUNTING_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """The documents are kept as recorded (`doc`: the event's JSON)."""
        for e in events:
            match typed(e, HANDLED):
                case FiscalYearClosed() as ev:
                    conn.execute(
                        fiscal_year_closings.insert().values(
                            coop_id=e.tenant_id,
                            year=ev.year,
                            start=ev.start,
                            end=ev.end,
                            closed_at=ev.closed_at,
                            head_position=ev.head_position,
                            head_hash=ev.head_hash,
                            result_cents=ev.result_cents,
                            own_revenue_cents=ev.own_revenue_cents,
                            position=e.position,
                            doc=e.data,
                        )
                    )
                case SurplusAllocated() as ev:
                    conn.execute(
                        surplus_allocations.insert().values(
                            coop_id=e.tenant_id,
                            year=ev.year,
                            decided_on=e.effective_date,
                            reserves_cents=reserves_of(ev),
                            position=e.position,
                            recorded_at=e.recorded_at,
                            doc=e.data,
                        )
                    )
                case TmoRateSet() as ev:
                    t = tmo_rates.c
                    conn.execute(tmo_rates.delete().where(t.year == ev.year))
                    conn.execute(
                        tmo_rates.insert().values(
                            year=ev.year,
                            rate=str(e.data["rate"]),  # the rate as published and recorded
                            source=ev.source,
                            position=e.position,
                            recorded_at=e.recorded_at,
                        )
                    )
