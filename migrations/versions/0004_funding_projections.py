"""Funding projections: funders, grants, titres participatifs, ESUS, funding movements.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 14:18:22.624180
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ledger.schema

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "esus_approvals",
        sa.Column("approval_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("granted_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("recorded_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("approval_id"),
    )
    with op.batch_alter_table("esus_approvals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_esus_approvals_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "funders",
        sa.Column("funder_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint("funder_id"),
    )
    with op.batch_alter_table("funders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funders_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "funding_movements",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("ref_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("funder_id", sa.String(length=40), nullable=False),
        sa.Column("funder_type", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=True),
        sa.Column("instrument", sa.String(length=8), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "ref_id"),
    )
    with op.batch_alter_table("funding_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_funding_movements_coop_date", ["coop_id", "effective_date"], unique=False
        )

    op.create_table(
        "grants",
        sa.Column("grant_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("funder_id", sa.String(length=40), nullable=False),
        sa.Column("funder_type", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("awarded_cents", sa.BigInteger(), nullable=False),
        sa.Column("received_cents", sa.BigInteger(), nullable=False),
        sa.Column("justified_cents", sa.BigInteger(), nullable=False),
        sa.Column("clawed_back_cents", sa.BigInteger(), nullable=False),
        sa.Column("de_minimis", sa.Boolean(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("doc", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("grant_id"),
    )
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grants_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_grants_funder_id"), ["funder_id"], unique=False)

    op.create_table(
        "title_issues",
        sa.Column("issue_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("holder_id", sa.String(length=40), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("outstanding", sa.BigInteger(), nullable=False),
        sa.Column("nominal_cents", sa.BigInteger(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("doc", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    with op.batch_alter_table("title_issues", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_issues_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "title_remunerations",
        sa.Column("issue_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("figure_cents", sa.BigInteger(), nullable=False),
        sa.Column("fixed_cents", sa.BigInteger(), nullable=False),
        sa.Column("variable_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("issue_id", "position"),
    )


def downgrade() -> None:
    op.drop_table("title_remunerations")
    with op.batch_alter_table("title_issues", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_issues_coop_id"))

    op.drop_table("title_issues")
    with op.batch_alter_table("grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grants_funder_id"))
        batch_op.drop_index(batch_op.f("ix_grants_coop_id"))

    op.drop_table("grants")
    with op.batch_alter_table("funding_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_movements_coop_date")

    op.drop_table("funding_movements")
    with op.batch_alter_table("funders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funders_coop_id"))

    op.drop_table("funders")
    with op.batch_alter_table("esus_approvals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_esus_approvals_coop_id"))

    op.drop_table("esus_approvals")
