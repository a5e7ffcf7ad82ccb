"""État des subventions per funder (R14): for each grant awarded by the as-at date, the
amounts awarded, received, justified and clawed back as at that date, what is left to
receive and to justify, and the deadlines."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from scic.domain.grants import left_to_justify
from scic.errors import NotFound
from scic.projections import views
from scic.projections.tables import funders, funding_movements, grants, parties
from scic.reports.context import Context
from scic.reports.document import Column, Report, Table, totals_of

COLUMNS = (
    Column("grant_id", "Subvention", "text", 16),
    Column("funder", "Financeur", "text", 22),
    Column("purpose", "Objet", "text", 12),
    Column("awarded_on", "Attribuée le", "date", 11),
    Column("awarded", "Attribué", "money", 13),
    Column("received", "Reçu", "money", 13),
    Column("justified", "Justifié", "money", 13),
    Column("clawed_back", "Reversé", "money", 12),
    Column("to_receive", "Reste à recevoir", "money", 13),
    Column("to_justify", "Reste à justifier", "money", 13),
    Column("justify_by", "Justifier avant", "date", 11),
    Column("period_end", "Fin de période", "date", 11),
)
PURPOSES = {"operating": "fonctionnement", "investment": "investissement"}


def build(conn: sa.Connection, ctx: Context) -> Report:
    if ctx.funder is not None:
        known = conn.execute(
            sa.select(funders.c.funder_id).where(
                funders.c.funder_id == ctx.funder, funders.c.coop_id == ctx.coop_id
            )
        ).first()
        if known is None:
            raise NotFound("funder", ctx.funder)
    flows = _flows(conn, ctx)
    g = grants.c
    query = (
        sa.select(grants, parties.c.name.label("funder_name"))
        .join(funders, funders.c.funder_id == g.funder_id)
        .join(parties, parties.c.party_id == funders.c.party_id)
        .where(g.coop_id == ctx.coop_id, g.awarded_on <= ctx.as_of)
        .order_by(g.awarded_on, g.grant_id)
    )
    if ctx.funder is not None:
        query = query.where(g.funder_id == ctx.funder)
    rows = []
    for grant in conn.execute(query).mappings():
        f = flows[grant["grant_id"]]
        doc = grant["doc"]
        rows.append(
            {
                "grant_id": grant["grant_id"],
                "funder": grant["funder_name"] or views.ERASED,
                "purpose": PURPOSES.get(grant["purpose"], grant["purpose"]),
                "awarded_on": grant["awarded_on"],
                "awarded": f["awarded"],
                "received": f["received"],
                "justified": f["justified"],
                "clawed_back": f["clawed_back"],
                "to_receive": f["awarded"] - f["received"],
                "to_justify": left_to_justify(f["received"], f["clawed_back"], f["justified"]),
                "justify_by": _day(doc.get("justify_by")),
                "period_end": _day(doc.get("period_end")),
            }
        )
    return Report(
        "grant-statement",
        "État des subventions",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        ctx.as_of,
        [Table("grants", "Subventions", COLUMNS, rows, totals_of(COLUMNS, rows, "funder"))],
        year=ctx.year,
        summary={"Financeur": ctx.funder or "tous"},
        notes=["Montants reçus, justifiés et reversés à la date d'arrêté (R14)."],
    )


def _flows(conn: sa.Connection, ctx: Context) -> dict[str, dict[str, int]]:
    m = funding_movements.c
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in conn.execute(
        sa.select(m.ref_id, m.kind, sa.func.sum(m.amount_cents).label("cents"))
        .where(m.coop_id == ctx.coop_id, m.source == "grant", m.effective_date <= ctx.as_of)
        .group_by(m.ref_id, m.kind)
    ):
        out[row.ref_id][row.kind] += int(row.cents)
    return out


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
