"""Tableau de variation du capital (R16) for the annual accounts: opening capital
+ subscriptions − reimbursements ± transfers and corrections = closing, by category and
by college, with paid and unpaid capital at closing and the capital accounts.

Opening is the capital table the day before the period starts, closing the capital table
at as_of. Flows are grouped by each member's category at closing; a member whose category
changed within the period moves its opening holding across (`reclassified`), so every
row adds up exactly: opening + reclassified + flows = closing."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from scic.projections import views
from scic.projections.tables import movements
from scic.reports.context import Context
from scic.reports.document import Column, Money, Report, Table, totals_of

FLOWS = {
    "subscription": "subscriptions",
    "reimbursement": "reimbursements",
    "transfer-in": "transfers",
    "transfer-out": "transfers",
    "reversal": "corrections",
}


def _columns(label: str) -> tuple[Column, ...]:
    return (
        Column("key", "Code", "text", 8),
        Column("label", label, "text", 24),
        Column("opening_shares", "Parts ouverture", "int", 9),
        Column("opening", "Capital ouverture", "money", 13),
        Column("subscriptions", "Souscriptions", "money", 13),
        Column("reimbursements", "Remboursements", "money", 13),
        Column("transfers", "Cessions", "money", 12),
        Column("corrections", "Corrections", "money", 12),
        Column("reclassified", "Reclassements", "money", 12),
        Column("closing", "Capital clôture", "money", 13),
        Column("closing_shares", "Parts clôture", "int", 9),
        Column("paid", "Libéré", "money", 13),
        Column("unpaid", "Non libéré", "money", 13),
    )


def build(conn: sa.Connection, ctx: Context) -> Report:
    before = ctx.start - timedelta(days=1)
    opening = views.holdings_by_member(conn, ctx.coop_id, before, None)
    closing = views.holdings_by_member(conn, ctx.coop_id, ctx.as_of, None)
    cat_open = views.categories_at(conn, ctx.coop_id, before, None)
    cat_close = views.categories_at(conn, ctx.coop_id, ctx.as_of, None)
    flows = _flows(conn, ctx)
    rules = ctx.statutes

    def college(category: str) -> str:
        found = rules.college_of(category)
        return found.code if found else "none"

    tables = []
    for key, title, label, group in (
        ("by_category", "Par catégorie", "Catégorie", lambda c: c),
        ("by_college", "Par collège", "Collège", college),
    ):
        labels = (
            {c.code: c.name for c in rules.categories}
            if key == "by_category"
            else {c.code: c.name for c in rules.colleges}
        )
        rows = _rows(opening, closing, cat_open, cat_close, flows, group, labels)
        columns = _columns(label)
        tables.append(Table(key, title, columns, rows, totals_of(columns, rows, "label")))
    total = tables[0].totals or {}
    sub = sum(a["subscribed_cents"] for a in closing.values())
    called = sum(a["called_cents"] for a in closing.values())
    paid = sum(a["paid_cents"] for a in closing.values())
    return Report(
        "capital-variation",
        "Tableau de variation du capital",
        ctx.coop_id,
        ctx.coop_name,
        ctx.siren,
        ctx.as_of,
        tables,
        start=ctx.start,
        year=ctx.year,
        summary={
            "Capital à l'ouverture": Money(total.get("opening", 0)),
            "Souscriptions": Money(total.get("subscriptions", 0)),
            "Remboursements": Money(total.get("reimbursements", 0)),
            "Corrections": Money(total.get("corrections", 0)),
            "Capital à la clôture": Money(sub),
            "1011 souscrit non appelé": Money(sub - called),
            "1012 souscrit appelé non versé": Money(called - paid),
            "1013 souscrit appelé versé": Money(paid),
        },
        notes=[
            "Capital ouverture + souscriptions − remboursements + cessions + corrections "
            "+ reclassements = capital clôture, sur chaque ligne.",
            "Un remboursement réduit le capital à sa date (R5, R16) ; un retrait en "
            "attente de remboursement reste au capital.",
        ],
    )


def _flows(conn: sa.Connection, ctx: Context) -> dict[str, dict[str, int]]:
    """Per member, subscribed cents moved in the period by flow."""
    m = movements.c
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in conn.execute(
        sa.select(m.member_id, m.kind, sa.func.sum(m.subscribed_cents).label("cents"))
        .where(
            m.coop_id == ctx.coop_id,
            m.effective_date >= ctx.start,
            m.effective_date <= ctx.as_of,
        )
        .group_by(m.member_id, m.kind)
    ):
        flow = FLOWS.get(row.kind)
        if flow is not None:
            out[row.member_id][flow] += int(row.cents)
    return out


def _rows(
    opening: dict[str, dict[str, int]],
    closing: dict[str, dict[str, int]],
    cat_open: dict[str, str],
    cat_close: dict[str, str],
    flows: dict[str, dict[str, int]],
    group: Any,
    labels: dict[str, str],
) -> list[dict[str, Any]]:
    keys = list(labels)
    zero = dict.fromkeys(views.AMOUNT_KEYS, 0)
    rows: dict[str, dict[str, Any]] = {}

    def row(key: str) -> dict[str, Any]:
        if key not in rows:
            rows[key] = {"key": key, "label": labels.get(key, key)}
            for c in _columns("")[2:]:
                rows[key][c.key] = 0
            if key not in keys:
                keys.append(key)
        return rows[key]

    for key in keys:
        row(key)
    for member in sorted(set(opening) | set(closing) | set(flows)):
        before, after = opening.get(member, zero), closing.get(member, zero)
        start_group = group(cat_open.get(member, cat_close.get(member, "?")))
        end_group = group(cat_close.get(member, "?"))
        row(start_group)["opening"] += before["subscribed_cents"]
        row(start_group)["opening_shares"] += before["shares"]
        if start_group != end_group:
            row(start_group)["reclassified"] -= before["subscribed_cents"]
            row(end_group)["reclassified"] += before["subscribed_cents"]
        target = row(end_group)
        for flow, cents in flows.get(member, {}).items():
            target[flow] += cents
        target["closing"] += after["subscribed_cents"]
        target["closing_shares"] += after["shares"]
        target["paid"] += after["paid_cents"]
        target["unpaid"] += after["subscribed_cents"] - after["paid_cents"]
    for r in rows.values():  # shown as a positive amount taken away
        r["reimbursements"] = -r["reimbursements"]
    return [rows[k] for k in keys]
