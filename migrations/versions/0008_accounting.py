"""Accounting projections: fiscal-year closings, AG surplus allocations, TMO changes.

Revision ID: 0008
Revises: 0006 (was 0005; main chained 0009, 0010 and 0006 after 0005 meanwhile)
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import JSONType, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiscal_year_closings",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("start", sa.Date, nullable=False),
        sa.Column("end", sa.Date, nullable=False),
        sa.Column("closed_at", UTCDateTime, nullable=False),
        sa.Column("head_position", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("result_cents", sa.BigInteger),
        sa.Column("own_revenue_cents", sa.BigInteger),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("doc", JSONType, nullable=False),
    )
    op.create_table(
        "surplus_allocations",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("decided_on", sa.Date, nullable=False),
        sa.Column("reserves_cents", sa.BigInteger, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
        sa.Column("doc", JSONType, nullable=False),
    )
    op.create_table(
        "tmo_rates",
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("rate", sa.String(12), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("recorded_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tmo_rates")
    op.drop_table("surplus_allocations")
    op.drop_table("fiscal_year_closings")
