"""Member numbers (n° d'associé): carried by admissions, kept on the members projection.

Revision ID: 0013_member_numbers
Revises: 0012_webhook_guard
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_member_numbers"
down_revision = "0012_webhook_guard"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Admissions recorded before numbers existed carry none: their members keep NULL.
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("number", sa.String(20)))
    op.create_index("ux_members_coop_number", "members", ["coop_id", "number"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_members_coop_number", table_name="members")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("number")
