"""API tokens: hashed secrets bound to a cooperative and a role, revocable, expiring.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:00:00
"""

import sqlalchemy as sa
from alembic import op

import ledger.schema

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("token_id", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=True),
        sa.Column("party_id", sa.String(length=40), nullable=True),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("expires_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.Column("revoked_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=128), nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'manager', 'accountant', 'funder', 'member')",
            name="ck_api_tokens_role",
        ),
        sa.CheckConstraint("(role = 'admin') = (coop_id IS NULL)", name="ck_api_tokens_coop"),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_coop_id"), ["coop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_coop_id"))

    op.drop_table("api_tokens")
