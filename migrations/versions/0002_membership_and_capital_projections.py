"""Membership and capital projections, and the parties table (erasable personal data).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:11:54.664426
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import ledger.schema

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "coop_capital",
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("public_subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("highest_subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("uncovered_losses_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("coop_id"),
    )
    op.create_table(
        "coops",
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("siren", sa.String(length=9), nullable=True),
        sa.Column("legal_form", sa.String(length=4), nullable=False),
        sa.Column("incorporated_on", sa.Date(), nullable=False),
        sa.Column("registered_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("coop_id"),
    )
    op.create_table(
        "member_categories",
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("member_id", "position"),
    )
    with op.batch_alter_table("member_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_categories_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "members",
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("admitted_on", sa.Date(), nullable=False),
        sa.Column("admitted_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_shares", sa.BigInteger(), nullable=False),
        sa.Column("pending_subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_called_cents", sa.BigInteger(), nullable=False),
        sa.Column("pending_paid_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("member_id"),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "parties",
        sa.Column("party_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.Column("erased_at", ledger.schema.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("party_id"),
    )
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parties_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "reversals",
        sa.Column("reversed_event_id", sa.String(length=36), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("reversal_event_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("reversed_event_id"),
    )
    op.create_table(
        "share_calls",
        sa.Column("call_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("reversed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("call_id"),
    )
    with op.batch_alter_table("share_calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_calls_coop_id"), ["coop_id"], unique=False)

    op.create_table(
        "share_movements",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("recorded_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "member_id"),
    )
    with op.batch_alter_table("share_movements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_share_movements_coop_date", ["coop_id", "effective_date"], unique=False
        )

    op.create_table(
        "statutes",
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("recorded_at", ledger.schema.UTCDateTime(), nullable=False),
        sa.Column(
            "doc",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("coop_id", "position"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("subscribed_on", sa.Date(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_coop_id"), ["coop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscriptions_member_id"), ["member_id"], unique=False)

    op.create_table(
        "withdrawals",
        sa.Column("withdrawal_id", sa.String(length=40), nullable=False),
        sa.Column("coop_id", sa.String(length=40), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("due_by", sa.Date(), nullable=False),
        sa.Column("exit", sa.Boolean(), nullable=False),
        sa.Column("excluded", sa.Boolean(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column("subscribed_cents", sa.BigInteger(), nullable=False),
        sa.Column("called_cents", sa.BigInteger(), nullable=False),
        sa.Column("paid_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reimbursed_on", sa.Date(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("loss_share_cents", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("withdrawal_id"),
    )
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_withdrawals_coop_id"), ["coop_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("withdrawals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_withdrawals_coop_id"))

    op.drop_table("withdrawals")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_member_id"))
        batch_op.drop_index(batch_op.f("ix_subscriptions_coop_id"))

    op.drop_table("subscriptions")
    op.drop_table("statutes")
    with op.batch_alter_table("share_movements", schema=None) as batch_op:
        batch_op.drop_index("ix_share_movements_coop_date")

    op.drop_table("share_movements")
    with op.batch_alter_table("share_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_calls_coop_id"))

    op.drop_table("share_calls")
    op.drop_table("reversals")
    with op.batch_alter_table("parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parties_coop_id"))

    op.drop_table("parties")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_coop_id"))

    op.drop_table("members")
    with op.batch_alter_table("member_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_categories_coop_id"))

    op.drop_table("member_categories")
    op.drop_table("coops")
    op.drop_table("coop_capital")
