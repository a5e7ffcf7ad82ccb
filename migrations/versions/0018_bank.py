"""The cooperative's bank accounts, the statements read in and their lines (scic.bank).

Revision ID: 0018_bank
Revises: 0017_accounts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0018_bank"
down_revision = "0017_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bank_accounts",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("bic", sa.String(11)),
        sa.Column("journal_account", sa.String(8), nullable=False),
        sa.Column("creditor_id", sa.String(35)),
        sa.Column("sepa_version", sa.String(8), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("coop_id", "iban", name="uq_bank_accounts_coop_iban"),
    )
    op.create_index("ix_bank_accounts_coop_id", "bank_accounts", ["coop_id"])
    op.create_table(
        "bank_statements",
        sa.Column("statement_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("format", sa.String(20), nullable=False),
        sa.Column("filename", sa.String(200)),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("first_day", sa.Date),
        sa.Column("last_day", sa.Date),
        sa.Column("opening_cents", sa.BigInteger),
        sa.Column("closing_cents", sa.BigInteger),
        sa.Column("lines", sa.Integer, nullable=False),
        sa.Column("new_lines", sa.Integer, nullable=False),
        sa.Column("imported_at", UTCDateTime, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
    )
    op.create_index("ix_bank_statements_coop_id", "bank_statements", ["coop_id"])
    op.create_index("ix_bank_statements_account_id", "bank_statements", ["account_id"])
    op.create_table(
        "bank_lines",
        sa.Column("line_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("statement_id", sa.String(40), nullable=False),
        sa.Column("line_key", sa.String(200), nullable=False),
        sa.Column("reference", sa.String(140)),
        sa.Column("booking_date", sa.Date, nullable=False),
        sa.Column("value_date", sa.Date),
        sa.Column("amount_cents", sa.BigInteger, nullable=False),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("counterparty", sa.String(200)),
        sa.Column("end_to_end_id", sa.String(60)),
        sa.Column("mandate_id", sa.String(60)),
        sa.Column("returned", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20)),
        sa.Column("target_id", sa.String(40)),
        sa.Column("write_id", sa.String(40)),
        sa.Column("event_id", sa.String(36)),
        sa.Column("note", sa.String(500)),
        sa.Column("settled_at", UTCDateTime),
        sa.Column("settled_by", sa.String(200)),
        sa.UniqueConstraint("account_id", "line_key", name="uq_bank_lines_account_key"),
    )
    op.create_index("ix_bank_lines_coop_id", "bank_lines", ["coop_id"])
    op.create_index("ix_bank_lines_coop_status", "bank_lines", ["coop_id", "status"])


def downgrade() -> None:
    op.drop_table("bank_lines")
    op.drop_table("bank_statements")
    op.drop_table("bank_accounts")
