"""SEPA files erased: a file naming an erased party keeps its figures, not its content.

Revision ID: 0022_sepa_files_erased
Revises: 0021_password_resets
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0022_sepa_files_erased"
down_revision = "0021_password_resets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sepa_files", sa.Column("erased_at", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("sepa_files") as batch:
        batch.drop_column("erased_at")
