"""Members' requests (more shares, a withdrawal) waiting for the manager's decision.

Revision ID: 0019_member_requests
Revises: 0018_bank
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0019_member_requests"
down_revision = "0018_bank"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_requests",
        sa.Column("request_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("paid_cents", sa.BigInteger),
        sa.Column("message", sa.String(1000)),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("decided_at", UTCDateTime),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("reason", sa.String(1000)),
        sa.Column("rule", sa.String(8)),
        sa.Column("refusal", sa.String(80)),
        sa.Column("outcome_id", sa.String(40)),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'refused')", name="ck_request_status"
        ),
        sa.CheckConstraint("kind IN ('subscription', 'withdrawal')", name="ck_request_kind"),
    )
    op.create_index("ix_member_requests_member_id", "member_requests", ["member_id"])
    op.create_index(
        "ix_member_requests_inbox", "member_requests", ["coop_id", "status", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_member_requests_inbox", table_name="member_requests")
    op.drop_index("ix_member_requests_member_id", table_name="member_requests")
    op.drop_table("member_requests")
