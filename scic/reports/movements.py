"""Registre des mouvements de titres (R16): every subscription, call, payment, transfer,
withdrawal, reimbursement and correction, numbered in timeline order.

Order: (effective date, position) — the timeline's sort key — then the member, so the two
rows of a transfer stay together. A correction carries the date of the event it reverses
(it restores what was true then) and names that event. A withdrawal moves no capital when
it is requested (R5: the capital falls on reimbursement): it is listed with zero amounts
and what it will take out in `detail`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from scic.projections import views
from scic.projections.tables import movements, reversals, withdrawals
from scic.reports.context import Context
from scic.reports.document import Column, Report, Table, totals_of

KINDS = {
    "subscription": "Souscription",
    "call": "Appel de fonds",
    "payment": "Libération",
    "transfer-out": "Cession (cédant)",
    "transfer-in": "Cession (cessionnaire)",
    "reimbursement": "Remboursement",
    "reversal": "Correction",
    "withdrawal": "Retrait",
}

COLUMNS = (
    Column("number", "N°", "int", 5),
    Column("effective_date", "Date", "date", 11),
    Column("kind", "Mouvement", "text", 20),
    Column("member_number", "N° d'associé", "text", 8),
    Column("member_id", "Identifiant", "text", 16),
    Column("name", "Associé", "text", 22),
    Column("shares", "Parts", "int", 7),
    Column("subscribed", "Souscrit", "money", 13),
    Column("called", "Appelé", "money", 13),
    Column("paid", "Libéré", "money", 13),
    Column("detail", "Détail", "text", 26),
    Column("event_id", "Événement", "text", 14),
)


def build(conn: sa.Connection, ctx: Context) -> Report:
    """All movements to as_of; with `?year=`, those of the fiscal year only."""
    since = ctx.start if ctx.year is not None else None
    names = views.member_names(conn, ctx.coop_id)
    numbers = views.member_numbers(conn, ctx.coop_id)
    entries = [*_share_movements(conn, ctx, since), *_withdrawals(conn, ctx, since)]
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    rows = []
    for number, (_day, _position, _member, row) in enumerate(entries, start=1):
        rows.append(
            {
                "number": number,
                "member_number": numbers.get(row["member_id"], ""),
                "name": names.get(row["member_id"], views.ERASED),
                **row,
            }
        )
    totals = totals_of(COLUMNS, rows, "kind")
    totals.pop("number")
    return Report(
        "movements",
        "Registre des mouvements de titres",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        ctx.as_of,
        [Table("movements", "Mouvements", COLUMNS, rows, totals)],
        start=since,
        year=ctx.year,
        notes=[
            "Montants en variation ; leur total est la variation du capital sur la période "
            "(le capital à la date d'arrêté sans période).",
        ],
    )


def _share_movements(
    conn: sa.Connection, ctx: Context, since: Any
) -> list[tuple[Any, int, str, dict[str, Any]]]:
    m = movements.c
    query = (
        sa.select(movements, reversals.c.reversed_event_id)
        .outerjoin(reversals, reversals.c.reversal_event_id == m.event_id)
        .where(m.coop_id == ctx.coop_id, m.effective_date <= ctx.as_of)
    )
    if since is not None:
        query = query.where(m.effective_date >= since)
    out = []
    for row in conn.execute(query).mappings():
        detail = row["subscription_id"] or ""
        if row["kind"] == "reversal":
            detail = f"annule {row['reversed_event_id']}"
        out.append(
            (
                row["effective_date"],
                row["position"],
                row["member_id"],
                {
                    "effective_date": row["effective_date"],
                    "kind": KINDS.get(row["kind"], row["kind"]),
                    "member_id": row["member_id"],
                    "shares": row["shares"],
                    "subscribed": row["subscribed_cents"],
                    "called": row["called_cents"],
                    "paid": row["paid_cents"],
                    "detail": detail,
                    "event_id": row["event_id"],
                },
            )
        )
    return out


def _withdrawals(
    conn: sa.Connection, ctx: Context, since: Any
) -> list[tuple[Any, int, str, dict[str, Any]]]:
    w = withdrawals.c
    query = sa.select(withdrawals).where(w.coop_id == ctx.coop_id, w.requested_on <= ctx.as_of)
    if since is not None:
        query = query.where(w.requested_on >= since)
    out = []
    for row in conn.execute(query).mappings():
        what = "exclusion" if row["excluded"] else ("sortie" if row["exit"] else "retrait partiel")
        out.append(
            (
                row["requested_on"],
                row["position"],
                row["member_id"],
                {
                    "effective_date": row["requested_on"],
                    "kind": KINDS["withdrawal"],
                    "member_id": row["member_id"],
                    "shares": 0,
                    "subscribed": 0,
                    "called": 0,
                    "paid": 0,
                    "detail": f"{what} : {row['shares']} parts à rembourser",
                    "event_id": row["withdrawal_id"],
                },
            )
        )
    return out
