"""Projection tables of the accounting projector (closings, AG allocations, TMO changes),
and the archive of closed years' files, which is not a projection."""

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

# R16 — the files of a closed fiscal year as first produced after its closing (kind "fec":
# the FEC, in the encoding it was first asked in), served unchanged ever after. Not a
# projection: `scic rebuild` and `verify` leave it alone, and nothing updates or deletes
# a row (the FEC names members and funders by id, so an erasure has nothing to blank).
fiscal_year_files = sa.Table(
    "fiscal_year_files",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(10), primary_key=True),
    sa.Column("filename", sa.String(100), nullable=False),
    sa.Column("encoding", sa.String(20), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("archived_at", UTCDateTime, nullable=False),
)
