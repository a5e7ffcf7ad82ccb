"""A member's annual statement for a fiscal year: its holding when the year opened and
when it closed, the year's movements (the share movements the capital view sums), a
reimbursement still waiting (R5), and the interest on shares the general meeting
allocated to it on that year's result (R8 cap, R9 allocation), when one is recorded.

Mentions and their sources: the interest cap — loi 1947 art. 14 as amended by loi
2016-1691 art. 113 (DOMAIN R8); interest only after the reserves — loi 1947 art. 16 and
19 nonies (DOMAIN R9)."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from scic.accounting import reads
from scic.documents.certificate import member_movements, movement_grid
from scic.documents.common import (
    check_admitted,
    holding_items,
    issuer,
    issuer_block,
    member_block,
    member_info,
)
from scic.documents.lang import Lang, day
from scic.documents.model import Block, Document, Item, Mention
from scic.documents.texts import ANNUAL, COMMON, words
from scic.projections import views
from scic.projections.tables import withdrawals
from scic.reports.context import resolve


def build(
    conn: sa.Connection, coop_id: str, member_id: str, year: int, today: date, lang: Lang
) -> Document:
    ctx = resolve(conn, coop_id, today, None, year)
    start, end = ctx.start, ctx.as_of
    who = issuer(conn, coop_id)
    member = member_info(conn, coop_id, member_id)
    check_admitted(member, end)
    w, c = words(ANNUAL, lang), words(COMMON, lang)
    nominal = ctx.statutes.share_nominal_cents
    before = start - timedelta(days=1)
    opening = views.holdings_by_member(conn, coop_id, before, None, member_id).get(member_id, {})
    closing = views.holdings_by_member(conn, coop_id, end, None, member_id).get(member_id, {})
    blocks = [
        issuer_block(who, lang),
        member_block(conn, coop_id, member, end, lang),
        Block(
            "opening", w("opening", day=day(before, lang)), holding_items(opening, nominal, lang)
        ),
        Block("closing", w("closing", day=day(end, lang)), holding_items(closing, nominal, lang)),
    ]
    pending = _pending(conn, member_id, end)
    if pending:
        blocks.append(Block("pending", w["pending"], [Item("paid", c["paid"], pending, "money")]))
    blocks.append(_interest(conn, coop_id, member_id, year, lang))
    return Document(
        "annual-statement",
        lang,
        w["title"],
        who,
        member_id,
        end,
        w("intro", year=year, start=day(start, lang), end=day(end, lang)),
        blocks,
        [
            movement_grid(
                "movements",
                w["movements"],
                member_movements(conn, coop_id, member_id, start, end),
                lang,
            )
        ],
        [
            Mention(
                "interest-cap",
                w["interest_rule"],
                "loi 1947 art. 14 (loi 2016-1691 art. 113), art. 16 et 19 nonies (R8, R9)",
            )
        ],
        [c("made_on", day=day(end, lang))],
        year=year,
    )


def _pending(conn: sa.Connection, member_id: str, end: date) -> int:
    """Paid-up capital of withdrawals requested by `end` and not reimbursed by then."""
    wd = withdrawals.c
    total = 0
    for row in conn.execute(
        sa.select(wd.paid_cents, wd.reimbursed_on).where(
            wd.member_id == member_id, wd.requested_on <= end
        )
    ):
        if row.reimbursed_on is None or row.reimbursed_on > end:
            total += row.paid_cents
    return total


def _interest(conn: sa.Connection, coop_id: str, member_id: str, year: int, lang: Lang) -> Block:
    w = words(ANNUAL, lang)
    allocation = reads.allocations(conn, coop_id).get(year)
    if allocation is None:
        return Block("interest", w["interest"], [Item("note", "", w["no_allocation"])])
    return Block(
        "interest",
        w["interest"],
        [
            Item(
                "amount",
                w["interest_amount"],
                allocation.interest_by_member.get(member_id, 0),
                "money",
            ),
            Item("decided_on", w["decided_on"], allocation.decided_on, "date"),
            Item("paid_on", w["paid_on"], allocation.interest_paid_on, "date"),
        ],
    )
