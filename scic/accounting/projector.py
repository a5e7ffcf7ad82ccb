"""The accounting projector: fiscal-year closings, AG allocations and TMO changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.accounting.tables import (
    ACCOUNTING_TABLES,
    fiscal_year_closings,
    surplus_allocations,
    tmo_rates,
)
from scic.domain.surplus import SurplusAllocated, reserves_of


class AccountingProjector:
    name = "accounting"
    tables = ACCOUNTING_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        for e in events:
            d = e.data
            if e.type == "FiscalYearClosed":
                conn.execute(
                    fiscal_year_closings.insert().values(
                        coop_id=e.tenant_id,
                        year=d["year"],
                        start=date.fromisoformat(d["start"]),
                        end=date.fromisoformat(d["end"]),
                        closed_at=datetime.fromisoformat(d["closed_at"]),
                        head_position=d["head_position"],
                        head_hash=d["head_hash"],
                        result_cents=d.get("result_cents"),
                        own_revenue_cents=d.get("own_revenue_cents"),
                        position=e.position,
                        doc=d,
                    )
                )
            elif e.type == "SurplusAllocated":
                conn.execute(
                    surplus_allocations.insert().values(
                        coop_id=e.tenant_id,
                        year=d["year"],
                        decided_on=e.effective_date,
                        reserves_cents=reserves_of(SurplusAllocated.model_validate(d)),
                        position=e.position,
                        recorded_at=e.recorded_at,
                        doc=d,
                    )
                )
            elif e.type == "TmoRateSet":
                t = tmo_rates.c
                conn.execute(tmo_rates.delete().where(t.year == d["year"]))
                conn.execute(
                    tmo_rates.insert().values(
                        year=d["year"],
                        rate=str(d["rate"]),
                        source=d["source"],
                        position=e.position,
                        recorded_at=e.recorded_at,
                    )
                )
