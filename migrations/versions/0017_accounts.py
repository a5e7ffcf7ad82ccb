"""People's accounts: users, their roles per cooperative, invitations, sessions.

Revision ID: 0017_accounts
Revises: 0016_mail
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ledger.schema import UTCDateTime

revision = "0017_accounts"
down_revision = "0016_mail"
branch_labels = None
depends_on = None

_ROLES = "role IN ('admin', 'manager', 'accountant', 'funder', 'member') AND role <> 'admin'"


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("user_id", sa.String(40), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("email_key", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200)),
        sa.Column("is_admin", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.String(128)),
    )
    op.create_index("ix_users_email_key", "users", ["email_key"], unique=True)
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(40), primary_key=True),
        sa.Column("coop_id", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(40)),
        sa.Column("granted_at", UTCDateTime, nullable=False),
        sa.Column("granted_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.Column("revoked_by", sa.String(128)),
        sa.CheckConstraint(_ROLES, name="ck_user_roles_role"),
    )
    op.create_index("ix_user_roles_coop_id", "user_roles", ["coop_id"])
    op.create_table(
        "invitations",
        sa.Column("invitation_id", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("coop_id", sa.String(40), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("party_id", sa.String(40)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("used_at", UTCDateTime),
        sa.Column("user_id", sa.String(40)),
        sa.Column("withdrawn_at", UTCDateTime),
        sa.CheckConstraint(_ROLES, name="ck_invitations_role"),
    )
    op.create_index("ix_invitations_coop_id", "invitations", ["coop_id"])
    op.create_table(
        "user_sessions",
        sa.Column("session_id", sa.String(16), primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(40), nullable=False),
        sa.Column("coop_id", sa.String(40)),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.Column("ended_at", UTCDateTime),
    )
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_user_sessions_user_id", "user_sessions")
    op.drop_table("user_sessions")
    op.drop_index("ix_invitations_coop_id", "invitations")
    op.drop_table("invitations")
    op.drop_index("ix_user_roles_coop_id", "user_roles")
    op.drop_table("user_roles")
    op.drop_index("ix_users_email_key", "users")
    op.drop_table("users")
