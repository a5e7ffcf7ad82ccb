"""Échéancier des titres participatifs (R11): per issue, what is outstanding as at the
date, the fixed remuneration that amount bears for a year, the remuneration recorded for
the fiscal year, and the earliest redemption at the issuer's initiative (issue + 7 years).
Quasi-equity (account 1671), shown apart from share capital."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_EVEN, Decimal

import sqlalchemy as sa

from scic.dates import add_years
from scic.projections import views
from scic.projections.tables import (
    funders,
    funding_movements,
    parties,
    title_issues,
    title_remunerations,
)
from scic.reports.context import Context, fiscal_year_of
from scic.reports.document import Column, Report, Table, totals_of
from scic.rules.dated import TITLES_MIN_YEARS_BEFORE_REDEMPTION

COLUMNS = (
    Column("issue_id", "Émission", "text", 16),
    Column("holder", "Porteur", "text", 22),
    Column("issued_on", "Émis le", "date", 11),
    Column("count", "Titres émis", "int", 8),
    Column("nominal", "Nominal", "money", 11),
    Column("outstanding_count", "Titres en circulation", "int", 9),
    Column("outstanding", "Encours", "money", 13),
    Column("fixed_rate", "Taux fixe", "rate", 8),
    Column("fixed_due", "Rémunération fixe annuelle", "money", 13),
    Column("recorded", "Rémunération de l'exercice", "money", 13),
    Column("redeemable_from", "Remboursable dès", "date", 11),
)


def build(conn: sa.Connection, ctx: Context) -> Report:
    t = title_issues.c
    outstanding = _outstanding(conn, ctx)
    recorded = _recorded(conn, ctx, fiscal_year_of(ctx.statutes, ctx.as_of))
    rows = []
    query = (
        sa.select(title_issues, parties.c.name)
        .join(funders, funders.c.funder_id == t.holder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(t.coop_id == ctx.coop_id, t.issued_on <= ctx.as_of)
        .order_by(t.issued_on, t.issue_id)
    )
    for issue in conn.execute(query).mappings():
        amount = outstanding.get(issue["issue_id"], 0)
        rate = Decimal(str(issue["doc"]["fixed_rate"]))
        rows.append(
            {
                "issue_id": issue["issue_id"],
                "holder": issue["name"] or views.ERASED,
                "issued_on": issue["issued_on"],
                "count": issue["count"],
                "nominal": issue["nominal_cents"],
                "outstanding_count": amount // issue["nominal_cents"],
                "outstanding": amount,
                "fixed_rate": rate,
                "fixed_due": int((amount * rate).quantize(Decimal(1), ROUND_HALF_EVEN)),
                "recorded": recorded.get(issue["issue_id"], 0),
                "redeemable_from": add_years(
                    issue["issued_on"], TITLES_MIN_YEARS_BEFORE_REDEMPTION
                ),
            }
        )
    totals = totals_of(COLUMNS, rows, "holder")
    totals.pop("nominal")
    return Report(
        "titles-schedule",
        "Échéancier des titres participatifs",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        ctx.as_of,
        [Table("titles", "Titres participatifs", COLUMNS, rows, totals)],
        year=ctx.year,
        notes=[
            "Remboursables à la liquidation, ou à l'initiative de l'émetteur après 7 ans "
            "(C. com. L228-36) ; la part variable dépend du résultat de l'exercice.",
        ],
    )


def _outstanding(conn: sa.Connection, ctx: Context) -> dict[str, int]:
    m = funding_movements.c
    out: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        sa.select(m.ref_id, m.kind, sa.func.sum(m.amount_cents).label("cents"))
        .where(m.coop_id == ctx.coop_id, m.source == "titles", m.effective_date <= ctx.as_of)
        .group_by(m.ref_id, m.kind)
    ):
        out[row.ref_id] += int(row.cents) if row.kind == "issued" else -int(row.cents)
    return out


def _recorded(conn: sa.Connection, ctx: Context, year: int) -> dict[str, int]:
    r = title_remunerations.c
    out: dict[str, int] = defaultdict(int)
    for row in conn.execute(
        sa.select(r.issue_id, r.fixed_cents, r.variable_cents).where(
            r.coop_id == ctx.coop_id, r.fiscal_year == year
        )
    ):
        out[row.issue_id] += row.fixed_cents + row.variable_cents
    return out
