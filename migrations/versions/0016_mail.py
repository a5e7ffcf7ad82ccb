"""The mail outbox, its delivery log, people's mail preferences, and the cooperative's
management address (where notices for the management go).

Revision ID: 0016_mail
Revises: 0015_documents
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import JSONType, UTCDateTime

revision = "0016_mail"
down_revision = "0015_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("coop_profiles") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(200)))
    op.create_table(
        "mail_outbox",
        sa.Column("mail_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(12), nullable=False),
        sa.Column("member_id", sa.String(40)),
        sa.Column("party_id", sa.String(40)),
        sa.Column("to_address", sa.String(320)),
        sa.Column("lang", sa.String(2)),
        sa.Column("legal", sa.Boolean, nullable=False),
        sa.Column("params", JSONType, nullable=False),
        sa.Column("cause", sa.String(200), nullable=False, unique=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("skip_reason", sa.String(40)),
        sa.Column("sent_to", sa.String(400)),
        sa.Column("subject", sa.String(300)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, nullable=False),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("sent_at", UTCDateTime),
        sa.Column("last_error", sa.String(500)),
        sa.CheckConstraint("status IN ('queued', 'sent', 'skipped')", name="ck_mail_status"),
    )
    op.create_index("ix_mail_outbox_due", "mail_outbox", ["status", "next_attempt_at"])
    op.create_index("ix_mail_outbox_coop", "mail_outbox", ["coop_id", "created_at"])
    op.create_table(
        "mail_attempts",
        sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("mail_id", sa.String(40), nullable=False),
        sa.Column("attempted_at", UTCDateTime, nullable=False),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("detail", sa.String(500)),
    )
    op.create_index("ix_mail_attempts_mail_id", "mail_attempts", ["mail_id"])
    op.create_table(
        "mail_preferences",
        sa.Column("party_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("lang", sa.String(2)),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    with op.batch_alter_table("coop_profiles") as batch:
        batch.drop_column("contact_email")
    op.drop_table("mail_preferences")
    op.drop_index("ix_mail_attempts_mail_id", table_name="mail_attempts")
    op.drop_table("mail_attempts")
    op.drop_index("ix_mail_outbox_coop", table_name="mail_outbox")
    op.drop_index("ix_mail_outbox_due", table_name="mail_outbox")
    op.drop_table("mail_outbox")
