"""Dated totals for the capital views as at a date inside the history
(scic.projections.dated).

Revision ID: 0025_capital_dates
Revises: 0024_owed_payments
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_capital_dates"
down_revision = "0024_owed_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Filled by the "capital_dates" projector at the next write (a projector without a
    # checkpoint catches up from the first event); until then the views sum the movements.
    op.create_table(
        "capital_dates",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("span", sa.String(1), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        sa.Column("entries", sa.BigInteger, nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger, nullable=False),
        sa.Column("called_cents", sa.BigInteger, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("capital_dates")
