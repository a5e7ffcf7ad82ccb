"""The subscription form (bulletin de souscription) of one subscription, ready to sign.

Its mentions follow C. com. R225-128 (the subscription form of a company issuing
shares), read for a cooperative with variable capital:
- 1°–4° name, form, capital, registered office: the issuer block (the capital of a
  variable-capital SCIC is the capital subscribed at the form's date; loi 1947 titre II
  ter, C. com. L231-1 — DOMAIN R1);
- 5° the RCS identification (R123-237 1°, 2°): the SIREN;
- 6° amount and terms: shares × nominal, what is paid now and what is still due, the
  quarter at subscription and the balance within five years (C. com. L225-144 for SA,
  the statutes for SAS and SARL — DOMAIN R7);
- 8° who receives the funds: the cooperative itself;
- 9° the subscriber's name, address and number of shares, the number written in full by
  the subscriber's hand, dated and signed (R225-128 first paragraph);
- 10° a copy given to the subscriber;
- and the commitment to the statutes (the cooperative's statuts, which every member
  accepts on admission)."""

from __future__ import annotations

import sqlalchemy as sa

from scic.dates import add_years
from scic.documents.common import issuer, issuer_block, member_block, member_info
from scic.documents.lang import Lang, day
from scic.documents.model import Block, Document, Item, Mention
from scic.documents.texts import COMMON, FORM, words
from scic.errors import NotFound
from scic.projections import views
from scic.projections.tables import movements, subscriptions

PAY_WITHIN_YEARS = 5  # R7 — the balance within five years


def build(conn: sa.Connection, coop_id: str, subscription_id: str, lang: Lang) -> Document:
    sub = (
        conn.execute(
            sa.select(subscriptions).where(
                subscriptions.c.subscription_id == subscription_id,
                subscriptions.c.coop_id == coop_id,
            )
        )
        .mappings()
        .first()
    )
    if sub is None:
        raise NotFound("subscription", subscription_id)
    on = sub["subscribed_on"]
    who = issuer(conn, coop_id)
    member = member_info(conn, coop_id, sub["member_id"])
    m = movements.c
    first = (
        conn.execute(
            sa.select(movements)
            .where(m.subscription_id == subscription_id, m.kind == "subscription")
            .order_by(m.position)
            .limit(1)
        )
        .mappings()
        .one()
    )
    statutes = views.statutes_at(conn, coop_id, on, None)
    assert statutes is not None
    capital = views.capital_inputs(conn, coop_id, on, None).subscribed_cents
    w, c = words(FORM, lang), words(COMMON, lang)
    issuer_items = issuer_block(who, lang).items
    issuer_items.append(Item("capital", w("capital", day=day(on, lang)), capital, "money"))
    subscribed, paid = first["subscribed_cents"], first["paid_cents"]
    terms = [
        Item("subscribed_on", w["subscribed_on"], on, "date"),
        Item("shares", c["shares"], first["shares"], "int"),
        Item("nominal", c["nominal"], statutes.share_nominal_cents, "money"),
        Item("amount", w["amount"], subscribed, "money"),
        Item("paid_now", w["paid_now"], paid, "money"),
        Item("still_due", w["still_due"], subscribed - paid, "money"),
        Item("due_by", w["due_by"], add_years(on, PAY_WITHIN_YEARS), "date"),
        Item("funds_to", w["funds_to"], who.name),
    ]
    return Document(
        "subscription-form",
        lang,
        w["title"],
        who,
        subscription_id,
        on,
        w["intro"],
        [
            Block("issuer", c["issuer"], issuer_items),
            member_block(conn, coop_id, member, on, lang),
            Block("subscription", w["the_subscription"], terms),
        ],
        [],
        [
            Mention("in-words", w["in_words"], "C. com. R225-128, premier alinéa"),
            Mention("statutes", w["statutes"], "statuts de la coopérative"),
            Mention("quarter", w["quarter"], "C. com. L225-144 ; statuts (R7)"),
            Mention(
                "variable-capital",
                w["variable_capital"],
                "loi n° 47-1775 du 10 septembre 1947, titre II ter ; C. com. L231-1 (R1)",
            ),
            Mention("copy", w["copy"], "C. com. R225-128, 10°"),
        ],
        [w["sign"]],
    )
