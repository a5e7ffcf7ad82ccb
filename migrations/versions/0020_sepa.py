"""SEPA: members' direct-debit mandates, the files produced and their transactions
(scic.bank.mandates, scic.bank.sepa).

Revision ID: 0020_sepa
Revises: 0019_member_requests
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0020_sepa"
down_revision = "0019_member_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sepa_mandates",
        sa.Column("mandate_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("member_id", sa.String(40), nullable=False),
        sa.Column("party_id", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("signed_on", sa.Date),
        sa.Column("debtor_name", sa.String(140)),
        sa.Column("iban", sa.String(34)),
        sa.Column("bic", sa.String(11)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.String(200)),
        sa.Column("erased_at", UTCDateTime),
        sa.UniqueConstraint("coop_id", "reference", name="uq_sepa_mandates_coop_reference"),
    )
    for column in ("coop_id", "member_id", "party_id"):
        op.create_index(f"ix_sepa_mandates_{column}", "sepa_mandates", [column])
    op.create_table(
        "sepa_files",
        sa.Column("file_id", sa.String(35), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("schema", sa.String(20), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("transactions", sa.Integer, nullable=False),
        sa.Column("total_cents", sa.BigInteger, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_index("ix_sepa_files_coop_id", "sepa_files", ["coop_id"])
    op.create_table(
        "sepa_transactions",
        sa.Column("end_to_end_id", sa.String(35), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("file_id", sa.String(35), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("target_id", sa.String(40), nullable=False),
        sa.Column("subscription_id", sa.String(40)),
        sa.Column("member_id", sa.String(40)),
        sa.Column("mandate_id", sa.String(40)),
        sa.Column("sequence", sa.String(4)),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("event_id", sa.String(36)),
        sa.Column("correction_id", sa.String(40)),
    )
    for column in ("coop_id", "file_id", "target_id"):
        op.create_index(f"ix_sepa_transactions_{column}", "sepa_transactions", [column])


def downgrade() -> None:
    op.drop_table("sepa_transactions")
    op.drop_table("sepa_files")
    op.drop_table("sepa_mandates")
