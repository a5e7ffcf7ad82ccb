"""The share certificate (attestation de détention de parts) of a member as at a date:
the cooperative's identity, the member, its category and college then, the shares held
and their nominal, subscribed / called / paid / unpaid, the subscriptions behind them
and every movement up to that date. Figures come from the capital view
(`views.holdings_by_member`) and the share movements it sums.

Mentions and their sources:
- variable capital: loi n° 47-1775 du 10 septembre 1947, titre II ter (art. 19 quinquies
  ff.) and C. com. L231-1 (capital moves without amending the statutes) — DOMAIN R1;
- reimbursement at nominal at most, less unabsorbed losses, and the departing member's
  five-year liability: loi 1947 art. 18, C. com. L231-6 — DOMAIN R5, R6;
- the register of members is what the certificate is drawn from: DOMAIN R16."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from scic.documents.common import (
    check_admitted,
    holding_items,
    issuer,
    issuer_block,
    member_block,
    member_info,
)
from scic.documents.lang import Lang, day
from scic.documents.model import Block, Col, Document, Grid, Mention
from scic.documents.texts import CERTIFICATE, COMMON, MOVEMENTS, words
from scic.projections import views
from scic.projections.tables import movements, subscriptions

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")


def build(conn: sa.Connection, coop_id: str, member_id: str, on: date, lang: Lang) -> Document:
    who = issuer(conn, coop_id)
    member = member_info(conn, coop_id, member_id)
    check_admitted(member, on)
    w, c = words(CERTIFICATE, lang), words(COMMON, lang)
    held = views.holdings_by_member(conn, coop_id, on, None, member_id).get(member_id, {})
    statutes = views.statutes_at(conn, coop_id, on, None)
    assert statutes is not None
    moves = member_movements(conn, coop_id, member_id, None, on)
    return Document(
        "certificate",
        lang,
        w["title"],
        who,
        member_id,
        on,
        w("intro", day=day(on, lang)),
        [
            issuer_block(who, lang),
            member_block(conn, coop_id, member, on, lang),
            Block("holding", w["holding"], holding_items(held, statutes.share_nominal_cents, lang)),
        ],
        [
            Grid(
                "subscriptions",
                w["subscriptions"],
                [
                    Col("number", c["number"], "int", 6),
                    Col("subscribed_on", w["subscribed_on"], "date", 12),
                    *amount_columns(lang),
                ],
                subscription_rows(conn, moves),
                c["none"],
            ),
            movement_grid("movements", w["movements"], moves, lang),
        ],
        [
            Mention(
                "variable-capital",
                w["variable_capital"],
                "loi n° 47-1775 du 10 septembre 1947, titre II ter ; C. com. L231-1 (R1)",
            ),
            Mention(
                "reimbursement", w["reimbursement"], "loi 1947 art. 18 ; C. com. L231-6 (R5, R6)"
            ),
            Mention("register", w["not_negotiable"], "registre des associés (R16)"),
        ],
        [c("made_on", day=day(on, lang)), c["for_coop"]],
    )


def member_movements(
    conn: sa.Connection, coop_id: str, member_id: str, start: date | None, end: date
) -> list[dict[str, Any]]:
    """The member's share movements effective in [start, end], in timeline order
    (effective date, position): the rows the capital view sums."""
    m = movements.c
    query = sa.select(movements).where(
        m.coop_id == coop_id, m.member_id == member_id, m.effective_date <= end
    )
    if start is not None:
        query = query.where(m.effective_date >= start)
    return [dict(r) for r in conn.execute(query.order_by(m.effective_date, m.position)).mappings()]


def amount_columns(lang: Lang, unpaid: bool = True) -> list[Col]:
    c = words(COMMON, lang)
    columns = [
        Col("shares", c["shares"], "int", 8),
        Col("subscribed", c["subscribed"], "money", 13),
        Col("called", c["called"], "money", 13),
        Col("paid", c["paid"], "money", 13),
    ]
    return [*columns, Col("unpaid", c["unpaid"], "money", 13)] if unpaid else columns


def amounts_row(amounts: dict[str, int]) -> dict[str, int]:
    """Cents under the keys the grids show (and JSON gives)."""
    return {
        "shares": amounts["shares"],
        "subscribed": amounts["subscribed_cents"],
        "called": amounts["called_cents"],
        "paid": amounts["paid_cents"],
        "unpaid": amounts["subscribed_cents"] - amounts["paid_cents"],
    }


def subscription_rows(conn: sa.Connection, moves: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per subscription, its movements summed (only those with shares left or money)."""
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(AMOUNTS, 0))
    for move in moves:
        if move["subscription_id"] is not None:
            for key in AMOUNTS:
                sums[move["subscription_id"]][key] += move[key]
    dates = dict(
        conn.execute(
            sa.select(subscriptions.c.subscription_id, subscriptions.c.subscribed_on).where(
                subscriptions.c.subscription_id.in_(list(sums))
            )
        ).all()
    )
    rows = []
    for sub_id, amounts in sums.items():
        if any(amounts.values()):
            rows.append(
                {
                    "subscription_id": sub_id,
                    "subscribed_on": dates.get(sub_id),
                    **amounts_row(amounts),
                }
            )
    rows.sort(key=lambda r: (r["subscribed_on"] or date.min, r["subscription_id"]))
    for number, row in enumerate(rows, start=1):
        row["number"] = number
    return rows


def movement_grid(key: str, title: str, moves: list[dict[str, Any]], lang: Lang) -> Grid:
    c, kinds = words(COMMON, lang), words(MOVEMENTS, lang)
    rows = [
        {
            "effective_date": m["effective_date"],
            "movement": kinds[m["kind"]] if m["kind"] in MOVEMENTS else m["kind"],
            "kind": m["kind"],
            **amounts_row(m),
        }
        for m in moves
    ]
    return Grid(
        key,
        title,
        [
            Col("effective_date", c["date"], "date", 12),
            Col("movement", c["movement"], "text", 22),
            *amount_columns(lang, unpaid=False),
        ],
        rows,
        c["none"],
    )
