"""Registre des associés (R16): every member admitted by the as-at date, with category,
college, holding, exit and reimbursement dates, and the end of the 5-year liability
for debts existing at departure (C. com. L231-6)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from scic.dates import add_years
from scic.domain.shares import owed_on_calls_cents
from scic.projections import views
from scic.projections.tables import members, owed_payments, withdrawals
from scic.reports.context import Context
from scic.reports.document import Column, Report, Table, totals_of

LIABILITY_YEARS = 5  # R5 — C. com. L231-6

COLUMNS = (
    Column("number", "N° d'associé", "text", 8),
    Column("member_id", "Identifiant", "text", 16),
    Column("name", "Associé", "text", 24),
    Column("kind", "Nature", "text", 10),
    Column("category", "Catégorie", "text", 18),
    Column("college", "Collège", "text", 14),
    Column("admitted_on", "Admission", "date", 11),
    Column("shares", "Parts", "int", 7),
    Column("subscribed", "Souscrit", "money", 13),
    Column("paid", "Libéré", "money", 13),
    Column("unpaid", "Non libéré", "money", 13),
    Column("exited_on", "Sortie", "date", 11),
    Column("reimbursed_on", "Remboursement", "date", 12),
    Column("still_owed", "Reste dû après sortie", "money", 13),
    Column("liability_end", "Fin de responsabilité", "date", 12),
)


def build(conn: sa.Connection, ctx: Context) -> Report:
    on = ctx.as_of
    held = views.holdings_by_member(conn, ctx.coop_id, on, None)
    categories = views.categories_at(conn, ctx.coop_id, on, None)
    names = views.member_names(conn, ctx.coop_id)
    category_names = {c.code: c.name for c in ctx.statutes.categories}
    exits, reimbursed = _departures(conn, ctx)
    owed = _owed_after_exit(conn, ctx)
    m = members.c
    admitted = conn.execute(
        sa.select(m.member_id, m.kind, m.admitted_on, m.number)
        .where(m.coop_id == ctx.coop_id, m.admitted_on <= on)
        .order_by(m.admitted_on, m.member_id)
    ).all()
    rows = []
    for member in admitted:
        amounts = held.get(member.member_id, dict.fromkeys(views.AMOUNT_KEYS, 0))
        category = categories.get(member.member_id, "")
        college = ctx.statutes.college_of(category)
        exited = exits.get(member.member_id)
        rows.append(
            {
                "number": member.number or "",
                "member_id": member.member_id,
                "name": names.get(member.member_id, views.ERASED),
                "kind": "personne" if member.kind == "person" else "organisation",
                "category": category_names.get(category, category),
                "college": college.code if college else "",
                "admitted_on": member.admitted_on,
                "shares": amounts["shares"],
                "subscribed": amounts["subscribed_cents"],
                "paid": amounts["paid_cents"],
                "unpaid": amounts["subscribed_cents"] - amounts["paid_cents"],
                "exited_on": exited,
                "reimbursed_on": reimbursed.get(member.member_id),
                "still_owed": owed.get(member.member_id, 0),
                "liability_end": add_years(exited, LIABILITY_YEARS) if exited else None,
            }
        )
    totals = totals_of(COLUMNS, rows, "name")
    totals.pop("number", None)
    return Report(
        "member-register",
        "Registre des associés",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        on,
        [Table("members", "Associés", COLUMNS, rows, totals)],
        year=ctx.year,
        notes=[
            "Parts et montants détenus à la date d'arrêté; un associé sorti dont le "
            "remboursement attend (R5) reste au capital jusqu'à son remboursement.",
            "Fin de responsabilité : sortie + 5 ans (C. com. L231-6).",
            "Reste dû après sortie : ce que l'associé sorti doit encore sur ses appels de "
            "fonds une fois son remboursement compensé, moins ce qu'il a versé depuis (R7, "
            "C. com. L231-6).",
        ],
    )


def _departures(conn: sa.Connection, ctx: Context) -> tuple[dict[str, date], dict[str, date]]:
    """Exit date (a withdrawal ending membership) and last reimbursement, as at as_of."""
    w = withdrawals.c
    exits: dict[str, date] = {}
    reimbursed: dict[str, date] = {}
    for row in conn.execute(
        sa.select(w.member_id, w.exit, w.requested_on, w.reimbursed_on)
        .where(w.coop_id == ctx.coop_id, w.requested_on <= ctx.as_of)
        .order_by(w.position)
    ):
        if row.exit:
            exits[row.member_id] = row.requested_on
        if row.reimbursed_on is not None and row.reimbursed_on <= ctx.as_of:
            reimbursed[row.member_id] = row.reimbursed_on
    return exits, reimbursed


def _owed_after_exit(conn: sa.Connection, ctx: Context) -> dict[str, int]:
    """R7 — what each former member still owes on its calls as at as_of (C. com.
    L231-6): what it was called for and did not pay, less what was set against its
    reimbursement once released (the claim, called − loss share, less the amount paid
    back), less what it paid since it left (OwedCallPaid, while the reimbursement waited
    or after)."""
    w, p = withdrawals.c, owed_payments.c
    owed: dict[str, int] = {}
    for row in conn.execute(
        sa.select(
            w.member_id,
            w.called_cents,
            w.paid_cents,
            w.loss_share_cents,
            w.amount_cents,
            w.reimbursed_on,
        ).where(w.coop_id == ctx.coop_id, w.exit, w.requested_on <= ctx.as_of)
    ):
        released = None
        if row.reimbursed_on is not None and row.reimbursed_on <= ctx.as_of:
            released = (row.loss_share_cents or 0, row.amount_cents or 0)
        owed[row.member_id] = owed_on_calls_cents(row.called_cents, row.paid_cents, released)
    for member_id, cents in conn.execute(
        sa.select(p.member_id, sa.func.sum(p.amount_cents))
        .where(p.coop_id == ctx.coop_id, ~p.reversed, p.paid_on <= ctx.as_of)
        .group_by(p.member_id)
    ):
        owed[member_id] = owed.get(member_id, 0) - int(cents)
    return {m: cents for m, cents in owed.items() if cents}
