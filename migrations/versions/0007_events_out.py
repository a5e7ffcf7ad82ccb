"""Events out: the transactional outbox, webhook subscriptions and their delivery log.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ledger.schema

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("tenant_id", sa.String(length=64), nullable=True),
        sa.Column("type", sa.String(length=96), nullable=False),
        sa.PrimaryKeyConstraint("position"),
    )
    op.create_index("ix_outbox_tenant_position", "outbox", ["tenant_id", "position"])
    # Events already in the ledger are in the outbox too: a subscription created later
    # may replay them (the outbox projector's checkpoint starts at the head).
    op.execute(
        "INSERT INTO outbox (position, event_id, tenant_id, type) "
        "SELECT position, event_id, tenant_id, type FROM events"
    )
    op.execute(
        "INSERT INTO projection_checkpoints (name, position) "
        "SELECT 'outbox', COALESCE(MAX(position), 0) FROM events"
    )

    op.create_table(
        "webhook_subscriptions",
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", _JSON, nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("previous_secret", sa.String(length=200), nullable=True),
        sa.Column("previous_secret_until", ledger.schema.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("disabled_reason", sa.String(length=500), nullable=True),
        sa.Column("disabled_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.Column("created_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.Column("lease_until", ledger.schema.UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('active', 'disabled')", name="ck_webhook_status"),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    op.create_index(
        "ix_webhook_subscriptions_coop_id", "webhook_subscriptions", ["coop_id"], unique=False
    )

    op.create_table(
        "webhook_deliveries",
        sa.Column("delivery_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=True),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("attempted_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("response_excerpt", sa.String(length=500), nullable=True),
        sa.Column("next_attempt_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id"),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription",
        "webhook_deliveries",
        ["subscription_id", "delivery_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_subscription", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index("ix_webhook_subscriptions_coop_id", table_name="webhook_subscriptions")
    op.drop_table("webhook_subscriptions")
    op.execute("DELETE FROM projection_checkpoints WHERE name = 'outbox'")
    op.drop_index("ix_outbox_tenant_position", table_name="outbox")
    op.drop_table("outbox")
