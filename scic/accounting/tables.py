"""Projection tables of the accounting projector: closings, AG allocations, TMO changes."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import JSONType, UTCDateTime

metadata = sa.MetaData()

Cents = sa.BigInteger

fiscal_year_closings = sa.Table(
    "fiscal_year_closings",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("start", sa.Date, nullable=False),
    sa.Column("end", sa.Date, nullable=False),
    sa.Column("closed_at", UTCDateTime, nullable=False),
    sa.Column("head_position", sa.BigInteger, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("result_cents", Cents),
    sa.Column("own_revenue_cents", Cents),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("doc", JSONType, nullable=False),
)

surplus_allocations = sa.Table(
    "surplus_allocations",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("reserves_cents", Cents, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
    sa.Column("doc", JSONType, nullable=False),
)

tmo_rates = sa.Table(
    "tmo_rates",
    metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("rate", sa.String(12), nullable=False),
    sa.Column("source", sa.String(500), nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

ACCOUNTING_TABLES = [fiscal_year_closings, surplus_allocations, tmo_rates]
