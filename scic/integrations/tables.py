"""Webhook subscriptions and their delivery log. Not projections: a subscription is an
operator's configuration with a delivery cursor into the outbox, changed in place."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import JSONType, UTCDateTime

metadata = sa.MetaData()

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("subscription_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False, index=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("event_types", JSONType, nullable=False),  # ["*"] or event type names
    sa.Column("description", sa.String(200)),
    # `whsec_<base64>`; during a rotation the previous secret signs too, until it expires.
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("previous_secret", sa.String(200)),
    sa.Column("previous_secret_until", UTCDateTime),
    sa.Column("status", sa.String(12), nullable=False),  # active | disabled
    sa.Column("disabled_reason", sa.String(500)),
    sa.Column("disabled_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128)),
    # Delivery state: every outbox position ≤ cursor is delivered (or not of its types);
    # `failures` counts failed attempts at the next one, retried at `next_attempt_at`.
    sa.Column("cursor", sa.BigInteger, nullable=False),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    # A dispatcher holding a lease owns the subscription's next delivery until then.
    sa.Column("lease_until", UTCDateTime),
    # Set while a request is on its way (its deadline): rotation and deletion wait for it.
    sa.Column("delivering_until", UTCDateTime),
    sa.CheckConstraint("status IN ('active', 'disabled')", name="ck_webhook_status"),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("delivery_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("subscription_id", sa.String(40), nullable=False),
    sa.Column("position", sa.BigInteger),  # NULL for a test delivery
    sa.Column("event_id", sa.String(64), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(12), nullable=False),  # delivered | failed | gone | test
    sa.Column("status_code", sa.Integer),
    sa.Column("latency_ms", sa.Integer, nullable=False),
    sa.Column("error", sa.String(500)),
    sa.Column("response_excerpt", sa.String(500)),  # only for targets an operator allowed
    sa.Column("response_bytes", sa.Integer),  # bytes of the answer read (at most READ_LIMIT)
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "delivery_id"),
)
