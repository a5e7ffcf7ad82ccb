"""Indexes for a member's history and withdrawals (member detail scanned whole tables).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_share_movements_member_position", "share_movements", ["member_id", "position"]
    )
    op.create_index("ix_withdrawals_member_id", "withdrawals", ["member_id"])


def downgrade() -> None:
    op.drop_index("ix_withdrawals_member_id", table_name="withdrawals")
    op.drop_index("ix_share_movements_member_position", table_name="share_movements")
