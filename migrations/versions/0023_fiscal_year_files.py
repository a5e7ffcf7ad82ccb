"""Closed years' files: the FEC of a closed fiscal year as first produced, served
unchanged ever after (R16; scic.accounting.archive).

Revision ID: 0023_fiscal_year_files
Revises: 0022_sepa_files_erased
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0023_fiscal_year_files"
down_revision = "0022_sepa_files_erased"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fiscal_year_files",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("filename", sa.String(100), nullable=False),
        sa.Column("encoding", sa.String(20), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("archived_at", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fiscal_year_files")
