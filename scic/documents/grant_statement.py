"""The statement of one grant for its funder, as at a date: awarded, each instalment
received, justified, clawed back, what is left to receive and to justify, the funded
period and the agreement reference. Figures are the funding movements the funding views
sum (`funding_movements`, one row per event), as at the date.

Left to justify = received − clawed back − justified (DOMAIN R14)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa

from scic.documents.common import issuer, issuer_block, refused
from scic.documents.lang import Lang, day
from scic.documents.model import Block, Col, Document, Grid, Item, Mention
from scic.documents.texts import COMMON, FLOWS, GRANT, words
from scic.errors import NotFound
from scic.projections import funding_views
from scic.projections.tables import funding_movements


def build(conn: sa.Connection, coop_id: str, grant_id: str, on: date, lang: Lang) -> Document:
    rows = funding_views.grant_rows(conn, coop_id, grant_id=grant_id)
    if not rows:
        raise NotFound("grant", grant_id)
    grant = rows[0]
    awarded_on = grant.awarded_on
    if on < awarded_on:
        raise refused(
            "as-of-before-award",
            f"{on.isoformat()} is before the grant was awarded on {awarded_on.isoformat()}",
            f"Le {on:%d/%m/%Y} est antérieur à l'attribution de la subvention, le "
            f"{awarded_on:%d/%m/%Y}.",
        )
    who = issuer(conn, coop_id)
    w, c, flows = words(GRANT, lang), words(COMMON, lang), words(FLOWS, lang)
    m = funding_movements.c
    history = (
        conn.execute(
            sa.select(m.effective_date, m.kind, m.amount_cents)
            .where(m.ref_id == grant_id, m.coop_id == coop_id, m.effective_date <= on)
            .order_by(m.effective_date, m.position)
        )
        .mappings()
        .all()
    )
    sums: dict[str, int] = defaultdict(int)
    for row in history:
        sums[row["kind"]] += row["amount_cents"]
    awarded, received = sums["awarded"], sums["received"]
    justified, clawed = sums["justified"], sums["clawed_back"]
    period = (
        w(
            "period_value",
            start=day(grant.period_start, lang),
            end=day(grant.period_end, lang),
        )
        if grant.period_start and grant.period_end
        else "—"
    )
    details = [
        Item("funder", w["funder"], grant.funder_name),
        Item("purpose", w["purpose"], w[grant.purpose]),
        Item("programme", w["programme"], grant.programme or "—"),
        Item("agreement_ref", w["agreement_ref"], grant.agreement_ref or "—"),
        Item("awarded_on", w["awarded_on"], awarded_on, "date"),
        Item("period", w["period"], period),
        Item("justify_by", w["justify_by"], grant.justify_by, "date"),
    ]
    figures = [
        Item("awarded", w["awarded"], awarded, "money"),
        Item("received", w["received"], received, "money"),
        Item("justified", w["justified"], justified, "money"),
        Item("clawed_back", w["clawed_back"], clawed, "money"),
        Item("to_receive", w["to_receive"], awarded - received, "money"),
        # R14 — left to justify = received − clawed back − justified
        Item("to_justify", w["to_justify"], received - clawed - justified, "money"),
    ]
    return Document(
        "grant-statement",
        lang,
        w["title"],
        who,
        grant_id,
        on,
        w("intro", day=day(on, lang)),
        [
            issuer_block(who, lang),
            Block("grant", w["grant"], details),
            Block("figures", w["figures"], figures),
        ],
        [
            Grid(
                "history",
                w["history"],
                [
                    Col("effective_date", c["date"], "date", 13),
                    Col("flow", w["flow"], "text", 26),
                    Col("amount_cents", w["amount"], "money", 14),
                ],
                [
                    {
                        "effective_date": r["effective_date"],
                        "flow": flows[r["kind"]] if r["kind"] in FLOWS else r["kind"],
                        "kind": r["kind"],
                        "amount_cents": r["amount_cents"],
                    }
                    for r in history
                ],
                c["none"],
            )
        ],
        [Mention("left-to-justify", w["left_rule"], "R14")],
        [c("made_on", day=day(on, lang)), c["for_coop"]],
    )
