"""The year's figures in the funding mix (R15): own revenue and subsidies of the latest
closed year, and the reserves the AG allocations built, as at a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from ledger.schema import events
from scic.accounting import reads
from scic.accounting.tables import fiscal_year_closings, surplus_allocations
from scic.domain.fiscal_years import FiscalYear


@dataclass(frozen=True)
class YearFigures:
    """Attributes:
    year: the latest fiscal year closed by `as_of` (None: none yet).
    own_revenue_cents / operating_subsidies_cents: that year's, for the census ratio
      subsidies / (subsidies + own revenue); the subsidies by the period they fund.
    reserves_cents: reserves allocated by the AGs decided by `as_of` (None: none yet).
    """

    year: int | None
    own_revenue_cents: int | None
    operating_subsidies_cents: int | None
    reserves_cents: int | None


def year_figures(
    conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None
) -> YearFigures:
    c = fiscal_year_closings.c
    query = (
        sa.select(c.year, c.start, c.end, c.own_revenue_cents)
        .where(c.coop_id == coop_id, c.end <= as_of)
        .order_by(c.end.desc())
        .limit(1)
    )
    if known_at is not None:
        query = query.where(c.closed_at <= known_at)
    closed = conn.execute(query).first()
    a = surplus_allocations.c
    reserves_query = sa.select(sa.func.sum(a.reserves_cents), sa.func.count()).where(
        a.coop_id == coop_id, a.decided_on <= as_of
    )
    if known_at is not None:
        reserves_query = reserves_query.where(a.recorded_at <= known_at)
    reserves, allocations = conn.execute(reserves_query).one()
    reserves_cents = (
        int(reserves) - _charged(conn, coop_id, as_of, known_at) if allocations else None
    )
    if closed is None:
        return YearFigures(None, None, None, reserves_cents)
    year = FiscalYear(closed.year, closed.start, closed.end)
    subsidies = _operating_income(conn, coop_id, year, known_at)
    return YearFigures(closed.year, closed.own_revenue_cents, subsidies, reserves_cents)


def _operating_income(
    conn: sa.Connection, coop_id: str, year: FiscalYear, known_at: datetime | None
) -> int:
    return reads.operating_income(conn, reads.calendar(conn, coop_id), year, known_at)


def _charged(conn: sa.Connection, coop_id: str, as_of: date, known_at: datetime | None) -> int:
    """R9 — carried losses the AGs charged to reserves by `as_of` (CarriedLossCharged)."""
    e = events.c
    query = sa.select(sa.func.coalesce(sa.func.sum(e.amount_cents), 0)).where(
        e.tenant_id == coop_id, e.type == "CarriedLossCharged", e.effective_date <= as_of
    )
    if known_at is not None:
        query = query.where(e.recorded_at <= known_at)
    return int(conn.execute(query).scalar_one())
