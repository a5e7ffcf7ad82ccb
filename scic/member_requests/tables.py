"""Members' requests (more shares, a withdrawal): not events of the capital, but what a
member asked, waiting in the manager's inbox until it is accepted (the real command
runs) or declined with a reason."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import UTCDateTime

metadata = sa.MetaData()

member_requests = sa.Table(
    "member_requests",
    metadata,
    sa.Column("request_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("member_id", sa.String(40), nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),  # subscription | withdrawal
    sa.Column("shares", sa.BigInteger, nullable=False),
    sa.Column("paid_cents", sa.BigInteger),  # a subscription: paid with it
    sa.Column("message", sa.String(1000)),
    # pending | accepted | declined (by the manager) | refused (a rule refused the command)
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(128), nullable=False),
    sa.Column("decided_at", UTCDateTime),
    sa.Column("decided_by", sa.String(128)),
    sa.Column("reason", sa.String(1000)),  # the manager's reason, or the rule's words
    sa.Column("rule", sa.String(8)),
    sa.Column("refusal", sa.String(80)),  # the refusal's problem type slug
    sa.Column("outcome_id", sa.String(40)),  # the write it became (sub_…, wdr_…)
    sa.CheckConstraint(
        "status IN ('pending', 'accepted', 'declined', 'refused')", name="ck_request_status"
    ),
    sa.CheckConstraint("kind IN ('subscription', 'withdrawal')", name="ck_request_kind"),
    sa.Index("ix_member_requests_inbox", "coop_id", "status", "created_at"),
)
