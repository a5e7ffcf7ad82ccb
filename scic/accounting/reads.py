"""What the accounting needs to read: a cooperative's events (as known at a position),
its fiscal years with their closing, and the inputs of the surplus bounds."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ledger import AppendRequest, EventRegistry, EventStore, NewEvent, RecordedEvent
from ledger.schema import events as events_table
from scic.accounting import deferred, journal, opening
from scic.accounting.tables import fiscal_year_closings, surplus_allocations, tmo_rates
from scic.domain import reviews as review_rules
from scic.domain import surplus
from scic.domain.fiscal_years import FiscalYear, fiscal_year, years_until
from scic.domain.funders import PUBLIC_FUNDER_TYPES
from scic.domain.reviews import Closing, ReviewDue
from scic.domain.state import CapitalState
from scic.domain.timeline import Fold, corrected, fold
from scic.errors import NotFound, refuse
from scic.events import build_registry
from scic.projections.tables import coops, funding_movements, grants, movements, statutes
from scic.rules.dated import TMO_BY_YEAR
from scic.write.store import read_entries


def coop_events(
    store: EventStore, conn: sa.Connection, coop_id: str, upto: int | None = None
) -> list[RecordedEvent]:
    """The cooperative's events in position order; with `upto`, as known at that position."""
    e = events_table.c
    query = sa.select(events_table).where(e.tenant_id == coop_id).order_by(e.position)
    if upto is not None:
        query = query.where(e.position <= upto)
    return [store.to_event(row) for row in conn.execute(query).mappings()]


@dataclass(frozen=True)
class Calendar:
    coop_id: str
    siren: str | None
    incorporated_on: date
    fiscal_year_end: str

    def year(self, year: int | str) -> FiscalYear:
        found = None
        if isinstance(year, int) or (isinstance(year, str) and year.isdigit() and len(year) == 4):
            found = fiscal_year(self.incorporated_on, self.fiscal_year_end, int(year))
        if found is None:
            raise NotFound("fiscal-year", str(year))
        return found

    def years(self, until: date) -> list[FiscalYear]:
        return years_until(self.incorporated_on, self.fiscal_year_end, until)


def calendar(conn: sa.Connection, coop_id: str) -> Calendar:
    row = conn.execute(
        sa.select(coops.c.siren, coops.c.incorporated_on).where(coops.c.coop_id == coop_id)
    ).first()
    if row is None:
        raise NotFound("cooperative", coop_id)
    first = conn.execute(
        sa.select(statutes.c.doc)
        .where(statutes.c.coop_id == coop_id)
        .order_by(statutes.c.valid_from, statutes.c.position)
        .limit(1)
    ).scalar()
    fye = (first or {}).get("fiscal_year_end", "12-31")
    return Calendar(coop_id, row.siren, row.incorporated_on, fye)


def closings(conn: sa.Connection, coop_id: str) -> dict[int, Any]:
    c = fiscal_year_closings.c
    rows = conn.execute(sa.select(fiscal_year_closings).where(c.coop_id == coop_id)).mappings()
    return {r["year"]: r for r in rows}


def allocations(conn: sa.Connection, coop_id: str) -> dict[int, surplus.SurplusAllocated]:
    a = surplus_allocations.c
    rows = conn.execute(sa.select(a.year, a.doc).where(a.coop_id == coop_id))
    return {r.year: surplus.SurplusAllocated.model_validate(r.doc) for r in rows}


def tmo_table(conn: sa.Connection) -> dict[int, tuple[Decimal, str]]:
    """The shipped TMO by year, overridden by what an admin recorded since."""
    table = {year: (d.value, d.source) for year, d in TMO_BY_YEAR.items()}
    for row in conn.execute(sa.select(tmo_rates.c.year, tmo_rates.c.rate, tmo_rates.c.source)):
        table[row.year] = (Decimal(row.rate), row.source)
    return dict(sorted(table.items()))


def year_entries(
    store: EventStore, conn: sa.Connection, cal: Calendar, fy: FiscalYear, upto: int | None
) -> list[journal.Entry]:
    """The year's entries, opened by its à-nouveaux (R17)."""
    entries = journal.build(coop_events(store, conn, cal.coop_id, upto), until=fy.end)
    earlier = cal.years(fy.start - timedelta(days=1))
    carried = opening.opening((x for x in entries if x.on < fy.start), fy, earlier)
    return [*([carried] if carried else []), *journal.within(entries, fy.start, fy.end)]


def reviews(conn: sa.Connection, coop_id: str) -> list[dict[str, Any]]:
    """R10 — the cooperative reviews recorded, by the date their report was made
    available (reversed ones left out)."""
    e = events_table.c
    reversed_ids = sa.select(e.reverses).where(e.tenant_id == coop_id, e.reverses.is_not(None))
    rows = conn.execute(
        sa.select(e.data, e.effective_date)
        .where(
            e.tenant_id == coop_id,
            e.type == "CooperativeReviewRecorded",
            e.event_id.not_in(reversed_ids),
        )
        .order_by(e.effective_date, e.position)
    )
    return [dict(row.data) for row in rows]


def review_closings(conn: sa.Connection, coop_id: str) -> list[Closing]:
    """R10 — the closed fiscal years with their result and the highest capital by then."""
    return [
        Closing(year, row["end"], row["result_cents"], highest_capital(conn, coop_id, row["end"]))
        for year, row in sorted(closings(conn, coop_id).items())
    ]


def review_due(conn: sa.Connection, coop_id: str, incorporated_on: date, on: date) -> ReviewDue:
    found = [date.fromisoformat(r["report_made_available_on"]) for r in reviews(conn, coop_id)]
    return review_rules.due(incorporated_on, found, review_closings(conn, coop_id), on)


# -- surplus inputs --------------------------------------------------------------------


def highest_capital(conn: sa.Connection, coop_id: str, until: date) -> int:
    """Highest subscribed capital reached on or before `until` (day by day)."""
    m = movements.c
    rows = conn.execute(
        sa.select(m.effective_date, sa.func.sum(m.subscribed_cents))
        .where(m.coop_id == coop_id, m.effective_date <= until)
        .group_by(m.effective_date)
        .order_by(m.effective_date)
    )
    running = highest = 0
    for _, cents in rows:
        running += int(cents)
        highest = max(highest, running)
    return highest


@cache
def _registry() -> EventRegistry:
    return build_registry()


def state_at(conn: sa.Connection, coop_id: str, on: date) -> Fold:
    """The cooperative's corrected history folded as at `on`: the write model's own
    fold, so a view and a decision judge on the same state."""
    entries = corrected(read_entries(conn, _registry(), coop_id))
    if not entries:
        raise NotFound("cooperative", coop_id)
    return fold(entries, until=on)[0]


def eligible_by_member(conn: sa.Connection, coop_id: str, on: date) -> dict[str, int]:
    """R8 — paid capital that earns interest, by member: the paid-up capital less the
    shares financed by subsidies (loi 1947 art. 19 nonies excludes subsidies, public
    bodies' and associations', from the base; public bodies' own shares are not left
    out as such)."""
    return eligible_in(state_at(conn, coop_id, on))


def eligible_in(state: Fold) -> dict[str, int]:
    subsidised: dict[str, int] = {}
    for sub in state.subscriptions.values():
        if sub.subsidy_financed:
            subsidised[sub.member_id] = subsidised.get(sub.member_id, 0) + sub.paid_cents
    found: dict[str, int] = {}
    for member_id, member in sorted(state.members.items()):
        paid = member.holding.paid_cents - subsidised.get(member_id, 0)
        if paid > 0:
            found[member_id] = paid
    return found


def public_operating_subsidies(conn: sa.Connection, cal: Calendar, fy: FiscalYear) -> int:
    """R9 — the public bodies' operating subsidies of the year, by the period they fund
    (DOMAIN.md R14: a multi-year grant is income of the years it funds)."""
    return operating_income(conn, cal, fy, funder_types=PUBLIC_FUNDER_TYPES)


def operating_income(
    conn: sa.Connection,
    cal: Calendar,
    year: FiscalYear,
    known_at: datetime | None = None,
    funder_types: Collection[str] | None = None,
) -> int:
    """R14, R15, R9 — the year's operating grants counted by the period they fund, as the
    year's accounts do (740): each grant's award, amendments and clawbacks spread over its
    funded period (scic.accounting.deferred.GrantIncome). `funder_types`: only the grants
    of these funders (R9: public bodies')."""
    m, e, g = funding_movements.c, events_table.c, grants.c
    query = (
        sa.select(m.ref_id, m.kind, m.amount_cents, m.effective_date, g.doc)
        .join(events_table, e.event_id == m.event_id)
        .join(grants, g.grant_id == m.ref_id)
        .where(
            m.coop_id == cal.coop_id,
            m.source == "grant",
            m.purpose == "operating",
            m.kind.in_(("awarded", "clawed_back")),
            m.effective_date <= year.end,
        )
        .order_by(m.effective_date, m.position)
    )
    if funder_types is not None:
        query = query.where(m.funder_type.in_(sorted(funder_types)))
    if known_at is not None:
        query = query.where(m.recorded_at <= known_at)
    spread: dict[str, deferred.GrantIncome] = {}
    for row in conn.execute(query):
        income = spread.get(row.ref_id)
        if income is None:
            start, end = _day(row.doc.get("period_start")), _day(row.doc.get("period_end"))
            income = deferred.GrantIncome(start, end, cal.incorporated_on, cal.fiscal_year_end)
            spread[row.ref_id] = income
        cents = int(row.amount_cents)
        if row.kind == "awarded":
            income.awarded(cents, row.effective_date)
        elif cents >= 0:
            income.clawed_back(cents, row.effective_date)
        else:  # a clawback reversed: its row negated
            income.undone(-cents, row.effective_date)
    return sum(income.by_year.get(year, 0) for income in spread.values())


def _day(text: object) -> date | None:
    return date.fromisoformat(str(text)) if text else None


def bounds_for(
    conn: sa.Connection,
    cal: Calendar,
    fy: FiscalYear,
    result_cents: int,
    decided_on: date,
) -> surplus.Bounds:
    table = tmo_table(conn)
    years = surplus.tmo_years(decided_on)
    missing = [y for y in years if y not in table]
    if missing:
        raise refuse(
            "tmo-unknown",
            f"the TMO of {', '.join(map(str, missing))} is not in the table (an AG held on "
            f"{decided_on} needs {years[0]}–{years[-1]}): an admin records it "
            "(POST /v1/rules/tmo) before the interest cap can be computed",
        )
    # R9 — the reserves and the carried loss as the AG finds them on its date; the
    # interest base at the year's end (R8).
    at_ag = state_at(conn, cal.coop_id, decided_on).coop
    capital = at_ag.capital if at_ag is not None else CapitalState()
    inputs = surplus.Inputs(
        result_cents=result_cents,
        highest_capital_cents=highest_capital(conn, cal.coop_id, fy.end),
        legal_reserve_cents=capital.legal_reserve_cents,
        eligible_capital_cents=sum(eligible_in(state_at(conn, cal.coop_id, fy.end)).values()),
        public_subsidies_cents=public_operating_subsidies(conn, cal, fy),
        tmo=tuple((y, table[y][0]) for y in years),
        decided_on=decided_on,
        carried_loss_cents=max(0, capital.uncovered_losses_cents),
    )
    return surplus.bounds(inputs)


def closed_at_date(closed_at: datetime) -> date:
    """The day a year was closed, in France (the FEC's ValidDate)."""
    return closed_at.astimezone(ZoneInfo("Europe/Paris")).date()


RULES_STREAM = "rules:tmo"


def rules_request(events: list[NewEvent], actor: str) -> AppendRequest:
    """Rule tables belong to no cooperative: their changes go to one stream of their own."""
    return AppendRequest(stream_id=RULES_STREAM, events=events, actor=actor)
