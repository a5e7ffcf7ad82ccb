"""Password resets: one-time links, valid an hour, that set a new password.

Revision ID: 0021_password_resets
Revises: 0020_sepa
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0021_password_resets"
down_revision = "0020_sepa"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "password_resets",
        sa.Column("reset_id", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
    )
    op.create_index("ix_password_resets_user_id", "password_resets", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_password_resets_user_id", table_name="password_resets")
    op.drop_table("password_resets")
