"""Running totals for the capital table and funding mix (scic.projections.mix).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def _amounts() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("shares", sa.BigInteger, nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger, nullable=False),
        sa.Column("called_cents", sa.BigInteger, nullable=False),
        sa.Column("paid_cents", sa.BigInteger, nullable=False),
    ]


def upgrade() -> None:
    # Filled by the "mix" projector on the next write (a projector without a checkpoint
    # catches up from the first event); until then the views compute from the movements.
    op.create_table(
        "mix_members",
        sa.Column("member_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("category_from", sa.Date, nullable=False),
        *_amounts(),
    )
    op.create_index("ix_mix_members_coop_id", "mix_members", ["coop_id"])
    op.create_table(
        "mix_categories",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("category", sa.String(32), primary_key=True),
        *_amounts(),
    )
    op.create_table(
        "mix_marks",
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("last_effective", sa.Date, nullable=False),
        sa.Column("last_recorded", UTCDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("mix_marks")
    op.drop_table("mix_categories")
    op.drop_index("ix_mix_members_coop_id", table_name="mix_members")
    op.drop_table("mix_members")
