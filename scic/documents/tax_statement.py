"""The IR-PME individual statement (état individuel) of a natural person for the
payments it made on its shares in a calendar year (R13).

The mentions the company's statement must carry, as BOFiP BOI-IR-RICI-90-40 § 10 lists
them (taken from CGI annexe III art. 46 AI bis), each with where it is printed:
- its purpose, the application of CGI art. 199 terdecies-0 A → the intro (`object`);
- the company's name, purpose (objet social) and registered office → the issuer block;
- the subscriber's identity and address → the member block;
- the number of shares subscribed, the amount and date of the subscription → the
  `subscriptions` grid;
- the amount and date of the payments → the `payments` grid;
- that the company meets the conditions of c, d and e of 2° of I of art. 199
  terdecies-0 A → the `conditions` mention (a declaration the cooperative signs).
Beyond them, for the subscriber: the holding period (shares kept until 31 December of
the fifth year after the subscription, or the reduction is taken back — DOMAIN R13,
BOI-IR-RICI-90-30), the annual ceiling (50,000 € single, 100,000 € couple — CGI art. 199
terdecies-0 A; scic/rules/dated.py) and the rate in force on each payment's date
(`tax_certificates.rate_on`, dated data)."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from scic.documents.common import (
    check_admitted,
    issuer,
    issuer_block,
    member_block,
    member_info,
    refused,
)
from scic.documents.lang import Lang, day
from scic.documents.model import Block, Col, Document, Grid, Item, Mention
from scic.documents.texts import COMMON, TAX, words
from scic.projections.tables import movements, subscriptions
from scic.reports.tax_certificates import PAID_KINDS, reduction
from scic.rules.dated import ir_pme_holding_ends

SOURCE = "BOI-IR-RICI-90-40 § 10 ; CGI ann. III art. 46 AI bis"


def build(
    conn: sa.Connection, coop_id: str, member_id: str, year: int, today: date, lang: Lang
) -> Document:
    who = issuer(conn, coop_id)
    member = member_info(conn, coop_id, member_id)
    end = date(year, 12, 31)
    check_admitted(member, end)
    if member.kind != "person":
        raise refused(
            "tax-statement-for-persons",
            "the IR-PME reduction is for natural persons: this member is an organisation",
            "La réduction d'impôt IR-PME concerne les personnes physiques : cet associé "
            "est une personne morale.",
        )
    payments = _payments(conn, coop_id, member_id, date(year, 1, 1), min(end, today))
    if not payments:
        raise refused(
            "nothing-paid-in-year",
            f"the member paid nothing on its shares in {year}: there is no statement to issue",
            f"L'associé n'a rien versé sur ses parts en {year} : il n'y a pas d'état à établir.",
        )
    w, c = words(TAX, lang), words(COMMON, lang)
    figures = reduction(conn, coop_id, [(p["effective_date"], p["paid_cents"]) for p in payments])
    subs = _subscriptions(conn, {p["subscription_id"] for p in payments}, end)
    numbers = {s["subscription_id"]: s["number"] for s in subs}
    for p in payments:  # people read "n° 1 du 01/03/2019", not an id
        sub = subs[numbers[p["subscription_id"]] - 1]
        p["subscription"] = f"{c['number']} {sub['number']} — {day(sub['subscribed_on'], lang)}"
    return Document(
        "tax-statement",
        lang,
        w["title"],
        who,
        member_id,
        min(end, today),
        w("object", year=year),
        [
            issuer_block(who, lang, with_purpose=True),
            member_block(conn, coop_id, member, end, lang),
            Block(
                "summary",
                w["summary"],
                [
                    Item("paid", w["paid_total"], figures["paid"], "money"),
                    Item("eligible", w["eligible"], figures["eligible"], "money"),
                    Item("rates", w["rates"], figures["rates"]),
                    Item("reduction", w["reduction"], figures["reduction"], "money"),
                ],
            ),
        ],
        [
            Grid(
                "subscriptions",
                w["subscriptions"],
                [
                    Col("number", c["number"], "int", 6),
                    Col("subscribed_on", w["subscribed_on"], "date", 13),
                    Col("shares", c["shares"], "int", 8),
                    Col("subscribed_cents", w["amount"], "money", 13),
                    Col("keep_until", w["keep_until"], "date", 13),
                ],
                subs,
            ),
            Grid(
                "payments",
                w("payments", year=year),
                [
                    Col("effective_date", c["date"], "date", 13),
                    Col("subscription", c["subscription"], "text", 18),
                    Col("paid_cents", w["amount"], "money", 13),
                ],
                payments,
            ),
        ],
        [
            Mention(
                "conditions",
                w["conditions"],
                f"{SOURCE} ; CGI art. 199 terdecies-0 A, I-2° c, d, e",
            ),
            Mention(
                "holding", w["holding"], "CGI art. 199 terdecies-0 A ; BOI-IR-RICI-90-30 (R13)"
            ),
            Mention("ceiling", w["ceiling"], "CGI art. 199 terdecies-0 A (R13)"),
        ],
        [c("made_on", day=day(min(end, today), lang)), c["for_coop"]],
        year=year,
    )


def _payments(
    conn: sa.Connection, coop_id: str, member_id: str, start: date, end: date
) -> list[dict[str, Any]]:
    """Money paid on the member's shares in [start, end] (as the IR-PME report counts it)."""
    m = movements.c
    rows = conn.execute(
        sa.select(m.effective_date, m.subscription_id, m.paid_cents)
        .where(
            m.coop_id == coop_id,
            m.member_id == member_id,
            m.effective_date >= start,
            m.effective_date <= end,
            m.kind.in_(PAID_KINDS),
            m.subscription_id.is_not(None),
        )
        .order_by(m.effective_date, m.position)
    ).mappings()
    return [dict(r) for r in rows if r["paid_cents"]]


def _subscriptions(conn: sa.Connection, ids: set[str], end: date) -> list[dict[str, Any]]:
    m = movements.c
    rows: list[dict[str, Any]] = []
    for sub in conn.execute(
        sa.select(subscriptions.c.subscription_id, subscriptions.c.subscribed_on)
        .where(subscriptions.c.subscription_id.in_(sorted(ids)))
        .order_by(subscriptions.c.subscribed_on, subscriptions.c.subscription_id)
    ):
        sums = conn.execute(
            sa.select(sa.func.sum(m.shares), sa.func.sum(m.subscribed_cents)).where(
                m.subscription_id == sub.subscription_id, m.effective_date <= end
            )
        ).one()
        rows.append(
            {
                "subscription_id": sub.subscription_id,
                "subscribed_on": sub.subscribed_on,
                "shares": int(sums[0] or 0),
                "subscribed_cents": int(sums[1] or 0),
                # R13 — held until 31 December of the fifth year after the subscription
                "keep_until": ir_pme_holding_ends(sub.subscribed_on),
                "number": len(rows) + 1,
            }
        )
    return rows
