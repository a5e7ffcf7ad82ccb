"""The cooperative's registered office and purpose, printed on its documents.

Revision ID: 0015_documents
Revises: 0014_contact_changes
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0015_documents"
down_revision = "0014_contact_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coop_profiles",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("registered_office", sa.String(400)),
        sa.Column("purpose", sa.String(1000)),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.Column("updated_by", sa.String(128), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("coop_profiles")
