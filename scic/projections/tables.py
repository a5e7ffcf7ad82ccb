"""Projection tables (folded from events, rebuildable) and the parties table (personal
data kept outside events so it can be erased without breaking the hash chain)."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import JSONType, UTCDateTime

metadata = sa.MetaData()

Cents = sa.BigInteger


def _amount_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("shares", sa.BigInteger, nullable=False, default=0),
        sa.Column("subscribed_cents", Cents, nullable=False, default=0),
        sa.Column("called_cents", Cents, nullable=False, default=0),
        sa.Column("paid_cents", Cents, nullable=False, default=0),
    ]


# Not a projection: mutable, erasable personal data referenced from events by party_id.
parties = sa.Table(
    "parties",
    metadata,
    sa.Column("party_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("email", sa.String(200)),
    sa.Column("address", sa.String(400)),
    sa.Column("erased_at", UTCDateTime),
)

coops = sa.Table(
    "coops",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("siren", sa.String(9)),
    sa.Column("legal_form", sa.String(4), nullable=False),
    sa.Column("incorporated_on", sa.Date, nullable=False),
    sa.Column("registered_at", UTCDateTime, nullable=False),
)

statutes = sa.Table(
    "statutes",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("valid_from", sa.Date, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("doc", JSONType, nullable=False),
)

members = sa.Table(
    "members",
    metadata,
    sa.Column("member_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("party_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("admitted_on", sa.Date, nullable=False),
    sa.Column("admitted_at", UTCDateTime, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("exited_on", sa.Date),
    *_amount_columns(),
    sa.Column("pending_shares", sa.BigInteger, nullable=False, default=0),
    sa.Column("pending_subscribed_cents", Cents, nullable=False, default=0),
    sa.Column("pending_called_cents", Cents, nullable=False, default=0),
    sa.Column("pending_paid_cents", Cents, nullable=False, default=0),
)

member_categories = sa.Table(
    "member_categories",
    metadata,
    sa.Column("member_id", sa.String(40), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("subscription_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
    sa.Column("subscribed_on", sa.Date, nullable=False),
    *_amount_columns(),
)

# The bitemporal delta ledger behind every capital view: one row per event and member.
movements = sa.Table(
    "share_movements",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("member_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("subscription_id", sa.String(40)),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    *_amount_columns(),
    sa.Index("ix_share_movements_coop_date", "coop_id", "effective_date"),
)

coop_capital = sa.Table(
    "coop_capital",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    *_amount_columns(),
    sa.Column("public_subscribed_cents", Cents, nullable=False, default=0),
    sa.Column("highest_subscribed_cents", Cents, nullable=False, default=0),
    sa.Column("uncovered_losses_cents", Cents, nullable=False, default=0),
)

withdrawals = sa.Table(
    "withdrawals",
    metadata,
    sa.Column("withdrawal_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("member_id", sa.String(40), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("requested_on", sa.Date, nullable=False),
    sa.Column("due_by", sa.Date, nullable=False),
    sa.Column("exit", sa.Boolean, nullable=False),
    sa.Column("excluded", sa.Boolean, nullable=False),
    *_amount_columns(),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("reimbursed_on", sa.Date),
    sa.Column("amount_cents", Cents),
    sa.Column("loss_share_cents", Cents),
)

calls = sa.Table(
    "share_calls",
    metadata,
    sa.Column("call_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("subscription_id", sa.String(40), nullable=False),
    sa.Column("member_id", sa.String(40), nullable=False),
    sa.Column("amount_cents", Cents, nullable=False),
    sa.Column("called_on", sa.Date, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("reversed", sa.Boolean, nullable=False, default=False),
)

reversals = sa.Table(
    "reversals",
    metadata,
    sa.Column("reversed_event_id", sa.String(36), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("reversal_event_id", sa.String(36), nullable=False),
)

# Owned by the capital projector, emptied children-first on rebuild (parties is not).
CAPITAL_TABLES = [coops, statutes, members, member_categories, subscriptions, movements,
                  coop_capital, withdrawals, calls, reversals]
