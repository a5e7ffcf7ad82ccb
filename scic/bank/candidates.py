"""What a statement line may be, read from the ledger's read side: open subscriptions,
grants with room left, and money movements recorded without a bank line."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from ledger.schema import events
from scic.bank.matching import (
    LINK_DAYS,
    Candidates,
    Collection,
    Movement,
    OpenGrant,
    OpenSubscription,
)
from scic.bank.tables import bank_lines, sepa_transactions
from scic.projections.tables import (
    funders,
    grants,
    members,
    parties,
    reversals,
    subscriptions,
)

# Events that move money through the bank, with the sign it has on the statement.
MONEY_EVENTS = {
    "SharesPaid": ("payment", 1),
    "SharesSubscribed": ("subscription", 1),
    "GrantInstalmentReceived": ("instalment", 1),
    "SharesReimbursed": ("payout", -1),
}


def read(conn: sa.Connection, coop_id: str, start: date, end: date) -> Candidates:
    return Candidates(
        open_subscriptions(conn, coop_id),
        open_grants(conn, coop_id),
        unbanked(conn, coop_id, start - timedelta(days=LINK_DAYS), end + timedelta(days=LINK_DAYS)),
        collections(conn, coop_id),
    )


def collections(conn: sa.Connection, coop_id: str) -> list[Collection]:
    """Direct debits produced here and not returned (scic.bank.direct_debits)."""
    t, m, p = sepa_transactions.c, members.c, parties.c
    rows = conn.execute(
        sa.select(t.end_to_end_id, t.subscription_id, t.amount_cents, t.status, t.event_id, p.name)
        .join(members, m.member_id == t.member_id)
        .join(parties, p.party_id == m.party_id)
        .where(t.coop_id == coop_id, t.kind == "debit", t.status.in_(("sent", "settled")))
    )
    return [
        Collection(r.end_to_end_id, r.subscription_id, r.name, r.amount_cents, r.status, r.event_id)
        for r in rows
    ]


def open_subscriptions(conn: sa.Connection, coop_id: str) -> list[OpenSubscription]:
    s, m, p = subscriptions.c, members.c, parties.c
    rows = conn.execute(
        sa.select(
            s.subscription_id,
            s.member_id,
            s.subscribed_on,
            s.subscribed_cents,
            s.paid_cents,
            p.name,
            m.number,
        )
        .join(members, m.member_id == s.member_id)
        .join(parties, p.party_id == m.party_id)
        .where(s.coop_id == coop_id, s.subscribed_cents > s.paid_cents)
        .order_by(s.subscribed_on, s.subscription_id)
    )
    return [
        OpenSubscription(
            r.subscription_id,
            r.member_id,
            r.name,
            r.subscribed_cents - r.paid_cents,
            r.subscribed_on,
            r.number,
        )
        for r in rows
    ]


def open_grants(conn: sa.Connection, coop_id: str) -> list[OpenGrant]:
    g, f, p = grants.c, funders.c, parties.c
    rows = conn.execute(
        sa.select(g.grant_id, g.awarded_on, g.awarded_cents, g.received_cents, p.name)
        .join(funders, f.funder_id == g.funder_id)
        .join(parties, p.party_id == f.party_id)
        .where(g.coop_id == coop_id, g.awarded_cents > g.received_cents)
        .order_by(g.awarded_on, g.grant_id)
    )
    return [
        OpenGrant(r.grant_id, r.name, r.awarded_cents - r.received_cents, r.awarded_on)
        for r in rows
    ]


def unbanked(
    conn: sa.Connection, coop_id: str, start: date | None, end: date | None
) -> list[Movement]:
    """Money movements between two dates that no statement line is tied to yet (and
    that no correction reversed), oldest first."""
    e = events.c
    tied = sa.select(bank_lines.c.event_id).where(
        bank_lines.c.coop_id == coop_id, bank_lines.c.event_id.is_not(None)
    )
    undone = sa.select(reversals.c.reversed_event_id).where(reversals.c.coop_id == coop_id)
    query = sa.select(
        e.event_id, e.type, e.data, e.effective_date, e.correlation_id, e.amount_cents
    ).where(
        e.tenant_id == coop_id,
        e.type.in_(MONEY_EVENTS),
        e.reverses.is_(None),
        e.event_id.not_in(tied),
        e.event_id.not_in(undone),
    )
    if start is not None:
        query = query.where(e.effective_date >= start)
    if end is not None:
        query = query.where(e.effective_date <= end)
    rows = conn.execute(query.order_by(e.effective_date, e.position)).all()
    names = _names(conn, coop_id)
    found = []
    for r in rows:
        kind, sign = MONEY_EVENTS[r.type]
        data: dict[str, Any] = r.data
        cents = data["paid_cents"] if r.type == "SharesSubscribed" else data["amount_cents"]
        if cents <= 0:
            continue
        target = data.get("subscription_id") or data.get("grant_id") or data.get("withdrawal_id")
        who = data.get("member_id") or data.get("grant_id")
        found.append(
            Movement(
                kind, r.event_id, str(target), names.get(str(who)), sign * cents, r.effective_date
            )
        )
    return found


def _names(conn: sa.Connection, coop_id: str) -> dict[str, str | None]:
    """Member ids and grant ids to the name of the member or funder."""
    m, p, g, f = members.c, parties.c, grants.c, funders.c
    found: dict[str, str | None] = {
        r.member_id: r.name
        for r in conn.execute(
            sa.select(m.member_id, p.name)
            .join(parties, p.party_id == m.party_id)
            .where(m.coop_id == coop_id)
        )
    }
    for r in conn.execute(
        sa.select(g.grant_id, p.name)
        .join(funders, f.funder_id == g.funder_id)
        .join(parties, p.party_id == f.party_id)
        .where(g.coop_id == coop_id)
    ):
        found[r.grant_id] = r.name
    return found
