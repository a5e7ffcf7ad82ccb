"""Projection tables (folded from events, rebuildable) and the parties table (personal
data kept outside events so it can be erased without breaking the hash chain)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ledger.schema import JSONType, UTCDateTime
from scic.names import search_key

metadata = sa.MetaData()

Cents = sa.BigInteger


def _amount_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("shares", sa.BigInteger, nullable=False, default=0),
        sa.Column("subscribed_cents", Cents, nullable=False, default=0),
        sa.Column("called_cents", Cents, nullable=False, default=0),
        sa.Column("paid_cents", Cents, nullable=False, default=0),
    ]


def _name_key_on_insert(context: Any) -> str | None:
    return search_key(context.get_current_parameters().get("name"))


def _name_key_on_update(context: Any) -> str | None:
    params = context.get_current_parameters()
    if "name" not in params:  # the key would go stale, or be lost: say so in tests
        raise ValueError("an UPDATE of parties sets name (name_key follows it)")
    return search_key(params["name"])


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
    # What a name search compares (scic.names.search_key), written with the name by
    # every insert and update of it, whoever writes it; erasing the name erases its key.
    sa.Column("name_key", sa.Text, default=_name_key_on_insert, onupdate=_name_key_on_update),
    sa.Column("phone", sa.String(40)),
)

# Not a projection either: each correction of a party's contact details (scic.contacts),
# with who made it, when, and the value it replaced. Outside the hash-chained events, so
# an erasure can erase `previous` and `value` too (the row says a change was made).
contact_changes = sa.Table(
    "contact_changes",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("party_id", sa.String(40), nullable=False, index=True),
    sa.Column("member_id", sa.String(40), nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("previous", sa.String(400)),
    sa.Column("value", sa.String(400)),
    sa.Column("changed_by", sa.String(200), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("erased", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_contact_changes_member", "coop_id", "member_id", "change_id"),
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
    # The member number (n° d'associé) its admission carries; None before numbers existed.
    sa.Column("number", sa.String(20)),
    sa.Index("ux_members_coop_number", "coop_id", "number", unique=True),
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
    sa.Index("ix_share_movements_member_position", "member_id", "position"),
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
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
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

owed_payments = sa.Table(
    "owed_payments",
    metadata,
    # R7 — what a former member paid of what it still owed on its calls (C. com. L231-6)
    sa.Column("payment_id", sa.String(40), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("paid_on", sa.Date, nullable=False),
    sa.Column("amount_cents", Cents, nullable=False),
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
CAPITAL_TABLES = [
    coops,
    statutes,
    members,
    member_categories,
    subscriptions,
    movements,
    coop_capital,
    withdrawals,
    calls,
    owed_payments,
    reversals,
]


# -- funding (R11, R12, R14, R15) ------------------------------------------------------

funders = sa.Table(
    "funders",
    metadata,
    sa.Column("funder_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("party_id", sa.String(40), nullable=False),
    sa.Column("type", sa.String(20), nullable=False),
)

grants = sa.Table(
    "grants",
    metadata,
    sa.Column("grant_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("funder_id", sa.String(40), nullable=False, index=True),
    sa.Column("funder_type", sa.String(20), nullable=False),
    sa.Column("purpose", sa.String(12), nullable=False),
    sa.Column("awarded_on", sa.Date, nullable=False),
    sa.Column("awarded_cents", Cents, nullable=False),
    sa.Column("received_cents", Cents, nullable=False),
    sa.Column("justified_cents", Cents, nullable=False),
    sa.Column("clawed_back_cents", Cents, nullable=False),
    sa.Column("de_minimis", sa.Boolean, nullable=False),
    sa.Column("period_end", sa.Date),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("doc", JSONType, nullable=False),
)

# The bitemporal delta ledger behind the funding mix: one row per event and funding line.
funding_movements = sa.Table(
    "funding_movements",
    metadata,
    sa.Column("event_id", sa.String(36), primary_key=True),
    sa.Column("ref_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("source", sa.String(8), nullable=False),  # grant | titles | esus
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("funder_id", sa.String(40), nullable=False),
    sa.Column("funder_type", sa.String(20), nullable=False),
    sa.Column("purpose", sa.String(12)),
    sa.Column("instrument", sa.String(8)),
    sa.Column("amount_cents", Cents, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Index("ix_funding_movements_coop_date", "coop_id", "effective_date"),
)

title_issues = sa.Table(
    "title_issues",
    metadata,
    sa.Column("issue_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("holder_id", sa.String(40), nullable=False),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("outstanding", sa.BigInteger, nullable=False),
    sa.Column("nominal_cents", Cents, nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("doc", JSONType, nullable=False),
)

title_remunerations = sa.Table(
    "title_remunerations",
    metadata,
    sa.Column("issue_id", sa.String(40), primary_key=True),
    sa.Column("position", sa.BigInteger, primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("figure_cents", Cents, nullable=False),
    sa.Column("fixed_cents", Cents, nullable=False),
    sa.Column("variable_cents", Cents, nullable=False),
)

esus_approvals = sa.Table(
    "esus_approvals",
    metadata,
    sa.Column("approval_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("granted_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("authority", sa.String(200), nullable=False),
    sa.Column("reference", sa.String(120), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

FUNDING_TABLES = [
    funders,
    grants,
    funding_movements,
    title_issues,
    title_remunerations,
    esus_approvals,
]


# -- running totals for the views (scic.projections.mix) --------------------------------

# Each member's holding summed over all its movements, and its category as the timeline
# orders it: the one with the latest (effective date, position), as a view dated after
# every event would pick it.
mix_members = sa.Table(
    "mix_members",
    metadata,
    sa.Column("member_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("category_from", sa.Date, nullable=False),
    *_amount_columns(),
)

# The same totals per cooperative and category.
mix_categories = sa.Table(
    "mix_categories",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    *_amount_columns(),
)

# The latest effective date and recorded time of any event the totals fold, per
# cooperative: a view as at or after `last_effective` (as known now) may use the totals.
mix_marks = sa.Table(
    "mix_marks",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("last_effective", sa.Date, nullable=False),
    sa.Column("last_recorded", UTCDateTime, nullable=False),
)

MIX_TABLES = [mix_members, mix_categories, mix_marks]


# -- dated totals for the views as at a date inside the history (scic.projections.dated) --

# Per cooperative and category, what the capital held in that category moved by on a
# day, in a month and in a year ("d", "m", "y": `day` is the day, the first of the month,
# the first of the year): a category's capital as at D is the years before D's, the
# months of D's year before D's month and the days of D's month up to D (at most 43 rows
# a category). `entries` counts the movements held, so that a category held by members
# whose movements sum to nothing is still known to be held (as the sum of every
# movement knows it). A row that nets to nothing is deleted.
capital_dates = sa.Table(
    "capital_dates",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("span", sa.String(1), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("category", sa.String(32), primary_key=True),
    sa.Column("entries", sa.BigInteger, nullable=False, default=0),
    *_amount_columns(),
)

DATED_TABLES = [capital_dates]
