"""The `api_tokens` table: who may call the API. Not a projection and not an event: a
token is an operator's key, revoked in place, and its secret is stored only as a hash."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import UTCDateTime

metadata = sa.MetaData()

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    # The public half of `scic_<token_id>_<secret>`: tokens are looked up by it, so the
    # secret is only ever compared (in constant time) against one stored hash.
    sa.Column("token_id", sa.String(16), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),  # SHA-256 hex of the secret
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("coop_id", sa.String(40), index=True),  # NULL only for admin tokens
    sa.Column("party_id", sa.String(40)),  # the member or funder a token speaks for
    sa.Column("label", sa.String(200)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("expires_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Column("revoked_by", sa.String(128)),
    sa.CheckConstraint(
        "role IN ('admin', 'manager', 'accountant', 'funder', 'member')", name="ck_api_tokens_role"
    ),
    sa.CheckConstraint("(role = 'admin') = (coop_id IS NULL)", name="ck_api_tokens_coop"),
)
