"""Webhooks: the delivery in flight is marked (rotation and deletion wait for it), and the
log keeps a receiver's answer length instead of its text.

Revision ID: 0012_webhook_guard
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0012_webhook_guard"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.add_column(sa.Column("delivering_until", UTCDateTime, nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("response_bytes", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.drop_column("response_bytes")
    with op.batch_alter_table("webhook_subscriptions") as batch:
        batch.drop_column("delivering_until")
