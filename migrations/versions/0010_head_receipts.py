"""Signed head receipts (ledger/receipts.py): what the chain's head was, and when.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "head_receipts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("signature", sa.String(80), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("head_receipts")
