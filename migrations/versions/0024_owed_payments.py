"""What former members paid of what they still owed on their calls (R7, C. com. L231-6):
a projection of OwedCallPaid, rebuilt from the events like the other capital tables.

Revision ID: 0024_owed_payments
Revises: 0023_fiscal_year_files
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_owed_payments"
down_revision = "0023_fiscal_year_files"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "owed_payments",
        sa.Column("payment_id", sa.String(40), primary_key=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("reversed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_owed_payments_coop_id", "owed_payments", ["coop_id"])
    op.create_index("ix_owed_payments_member_id", "owed_payments", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_owed_payments_member_id", table_name="owed_payments")
    op.drop_index("ix_owed_payments_coop_id", table_name="owed_payments")
    op.drop_table("owed_payments")
