"""Contact corrections: a party's phone, and the log of every change to its contact details.

Revision ID: 0014_contact_changes
Revises: 0013_member_numbers
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0014_contact_changes"
down_revision = "0013_member_numbers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.add_column(sa.Column("phone", sa.String(40)))
    op.create_table(
        "contact_changes",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("field", sa.String(16), nullable=False),
        sa.Column("previous", sa.String(400)),
        sa.Column("value", sa.String(400)),
        sa.Column("changed_by", sa.String(200), nullable=False),
        sa.Column("changed_at", UTCDateTime, nullable=False),
        sa.Column("erased", sa.Boolean, nullable=False),
    )
    op.create_index("ix_contact_changes_party_id", "contact_changes", ["party_id"])
    op.create_index(
        "ix_contact_changes_member", "contact_changes", ["coop_id", "member_id", "change_id"]
    )


def downgrade() -> None:
    op.drop_table("contact_changes")
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("phone")
