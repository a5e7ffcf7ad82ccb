"""IR-PME certificate data (R13) for a calendar year: per individual member, the amounts
paid up in the year that qualify, capped at the single person's ceiling, the rate in
force on each payment's date (dated data, scic/rules/dated.py) and the reduction; and
the holding flag when shares leave (reimbursement or transfer) before 31 December of the
fifth year after a subscription — the reduction is then taken back."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import sqlalchemy as sa

from scic.projections import funding_views, views
from scic.projections.tables import members, movements, subscriptions
from scic.reports.context import Context
from scic.reports.document import Column, Report, Table, totals_of
from scic.rules.dated import (
    IR_PME_CEILING_CENTS,
    IR_PME_RATE,
    IR_PME_RATE_ESUS,
    ir_pme_holding_ends,
    value_at,
)

COLUMNS = (
    Column("member_number", "N° d'associé", "text", 8),
    Column("member_id", "Identifiant", "text", 16),
    Column("name", "Associé", "text", 24),
    Column("paid", "Versé dans l'année", "money", 13),
    Column("eligible", "Base retenue (plafond)", "money", 13),
    Column("rates", "Taux", "text", 9),
    Column("reduction", "Réduction", "money", 12),
    Column("holding_broken", "Reprise (< 5 ans)", "bool", 9),
    Column("broken_on", "Sortie de parts le", "date", 11),
)
PAID_KINDS = ("subscription", "payment", "reversal")


def rate_on(conn: sa.Connection, coop_id: str, day: date) -> Decimal:
    """R13 — the rate for a payment made on `day`: the ESUS rate when one applies and an
    ESUS approval is in force that day, else the general rate."""
    esus = value_at(IR_PME_RATE_ESUS, day)
    if esus is not None and funding_views.esus_status(conn, coop_id, day) is not None:
        return esus
    return value_at(IR_PME_RATE, day)


def build(conn: sa.Connection, ctx: Context) -> Report:
    year = ctx.year if ctx.year is not None else ctx.as_of.year
    start, end = date(year, 1, 1), min(date(year, 12, 31), ctx.as_of)
    names = views.member_names(conn, ctx.coop_id)
    numbers = views.member_numbers(conn, ctx.coop_id)
    persons = set(
        conn.execute(
            sa.select(members.c.member_id).where(
                members.c.coop_id == ctx.coop_id, members.c.kind == "person"
            )
        ).scalars()
    )
    m = movements.c
    payments: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for row in conn.execute(
        sa.select(m.member_id, m.effective_date, m.paid_cents)
        .where(
            m.coop_id == ctx.coop_id,
            m.effective_date >= start,
            m.effective_date <= end,
            m.kind.in_(PAID_KINDS),
            m.subscription_id.is_not(None),
        )
        .order_by(m.effective_date, m.position)
    ):
        if row.member_id in persons and row.paid_cents:
            payments[row.member_id].append((row.effective_date, row.paid_cents))
    broken = _holding_broken(conn, ctx, start, end)
    rows = []
    for member in sorted(set(payments) | set(broken) & persons):
        entry: dict[str, Any] = {
            "member_number": numbers.get(member, ""),
            "member_id": member,
            "name": names.get(member, views.ERASED),
        }
        entry.update(reduction(conn, ctx.coop_id, payments.get(member, [])))
        entry["holding_broken"] = member in broken
        entry["broken_on"] = broken.get(member)
        rows.append(entry)
    return Report(
        "tax-certificates",
        f"Réduction d'impôt IR-PME — année {year}",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        end,
        [
            Table(
                "certificates",
                "Associés personnes physiques",
                COLUMNS,
                rows,
                totals_of(COLUMNS, rows, "name"),
            )
        ],
        start=start,
        year=year,
        summary={"Plafond annuel (personne seule)": f"{IR_PME_CEILING_CENTS // 100} €"},
        notes=[
            "Base : sommes versées (libérées) dans l'année civile par les personnes "
            "physiques, plafonnées à 50 000 € (100 000 € pour un couple : à appliquer "
            "par foyer) ; taux en vigueur à la date de chaque versement (CGI art. 199 "
            "terdecies-0 A).",
            "Reprise : parts remboursées ou cédées dans les 5 ans d'une souscription.",
        ],
    )


def reduction(conn: sa.Connection, coop_id: str, paid: list[tuple[date, int]]) -> dict[str, Any]:
    """R13 — payments in date order → paid, eligible (capped), rates and reduction."""
    left = IR_PME_CEILING_CENTS
    total = eligible = 0
    reduction = Decimal(0)
    rates: list[Decimal] = []
    for day, cents in paid:
        total += cents
        taken = max(min(cents, left), -eligible)
        left -= taken
        eligible += taken
        rate = rate_on(conn, coop_id, day)
        if rate not in rates:
            rates.append(rate)
        reduction += taken * rate
    return {
        "paid": total,
        "eligible": eligible,
        "rates": " / ".join(f"{r * 100:.0f} %" for r in rates),
        "reduction": int(reduction.quantize(Decimal(1), ROUND_HALF_EVEN)),
    }


def _holding_broken(conn: sa.Connection, ctx: Context, start: date, end: date) -> dict[str, Any]:
    """Members whose shares left in [start, end] before the holding period of one of
    their subscriptions ended (31 December of its fifth year after)."""
    m = movements.c
    subscribed: dict[str, list[date]] = defaultdict(list)
    for row in conn.execute(
        sa.select(subscriptions.c.member_id, subscriptions.c.subscribed_on).where(
            subscriptions.c.coop_id == ctx.coop_id
        )
    ):
        subscribed[row.member_id].append(row.subscribed_on)
    out: dict[str, Any] = {}
    for row in conn.execute(
        sa.select(m.member_id, m.effective_date)
        .where(
            m.coop_id == ctx.coop_id,
            m.kind.in_(("reimbursement", "transfer-out")),
            m.effective_date >= start,
            m.effective_date <= end,
        )
        .order_by(m.effective_date, m.position)
    ):
        # R13 — shares leaving before 31 December of the fifth year after a subscription
        if any(
            day <= row.effective_date < ir_pme_holding_ends(day)
            for day in subscribed[row.member_id]
        ):
            out.setdefault(row.member_id, row.effective_date)
    return out
