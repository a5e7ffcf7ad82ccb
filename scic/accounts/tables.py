"""The tables of people's accounts. Not events: like API tokens, access is kept in place
(revoked, never deleted); only hashes of passwords and of link and session secrets are
stored."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import UTCDateTime

metadata = sa.MetaData()

_ROLES = "role IN ('admin', 'manager', 'accountant', 'funder', 'member')"

users = sa.Table(
    "users",
    metadata,
    sa.Column("user_id", sa.String(40), primary_key=True),  # usr_<16 hex>
    # kept as typed but compared lowercased (`email_key`): one account per address
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(200)),  # argon2id; NULL until a password is set
    sa.Column("is_admin", sa.Boolean, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(128)),
    sa.Index("ix_users_email_key", "email_key", unique=True),
)

# One role per person and cooperative; a member or funder role speaks for one party.
user_roles = sa.Table(
    "user_roles",
    metadata,
    sa.Column("user_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("party_id", sa.String(40)),
    sa.Column("granted_at", UTCDateTime, nullable=False),
    sa.Column("granted_by", sa.String(128), nullable=False),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(128)),
    sa.CheckConstraint(_ROLES + " AND role <> 'admin'", name="ck_user_roles_role"),
    sa.Index("ix_user_roles_coop_id", "coop_id"),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("invitation_id", sa.String(16), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # SHA-256 hex of the link's secret
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("party_id", sa.String(40)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
    sa.Column("user_id", sa.String(40)),  # the account that accepted it
    sa.Column("withdrawn_at", UTCDateTime),
    sa.CheckConstraint(_ROLES + " AND role <> 'admin'", name="ck_invitations_role"),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("session_id", sa.String(16), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("user_id", sa.String(40), nullable=False, index=True),
    sa.Column("coop_id", sa.String(40)),  # the cooperative the person is working in
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("ended_at", UTCDateTime),
)

# "Mot de passe oublié": a one-time link, valid an hour, that sets a new password.
password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("reset_id", sa.String(16), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # SHA-256 hex of the link's secret
    sa.Column("user_id", sa.String(40), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime),
)
