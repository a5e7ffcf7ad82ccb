"""The mail outbox, its delivery log and people's mail preferences. Not projections: a
mail is written in the transaction of what causes it, then changed in place by the
sender as it tries to deliver it."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import JSONType, UTCDateTime

metadata = sa.MetaData()

# One row per mail to send. The recipient is resolved when it is sent (a member's
# current address, its language, whether it opted out), so an erased or corrected
# address is never used from a stale copy.
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("mail_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    # member (member_id) | party (party_id) | managers (the cooperative's contact and
    # its managers) | address (to_address, e.g. an invitation)
    sa.Column("recipient", sa.String(12), nullable=False),
    sa.Column("member_id", sa.String(40)),
    sa.Column("party_id", sa.String(40)),
    sa.Column("to_address", sa.String(320)),
    sa.Column("lang", sa.String(2)),
    sa.Column("legal", sa.Boolean, nullable=False),  # a legal notice: sent despite opt-out
    sa.Column("params", JSONType, nullable=False),
    # what caused it, once: a second trigger of the same cause writes nothing
    sa.Column("cause", sa.String(200), nullable=False, unique=True),
    sa.Column("status", sa.String(10), nullable=False),  # queued | sent | skipped
    sa.Column("skip_reason", sa.String(40)),
    sa.Column("sent_to", sa.String(400)),
    sa.Column("subject", sa.String(300)),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("sent_at", UTCDateTime),
    sa.Column("last_error", sa.String(500)),
    sa.CheckConstraint("status IN ('queued', 'sent', 'skipped')", name="ck_mail_status"),
    sa.Index("ix_mail_outbox_due", "status", "next_attempt_at"),
    sa.Index("ix_mail_outbox_coop", "coop_id", "created_at"),
)

mail_attempts = sa.Table(
    "mail_attempts",
    metadata,
    sa.Column("attempt_id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("mail_id", sa.String(40), nullable=False, index=True),
    sa.Column("attempted_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(12), nullable=False),  # sent | failed | skipped
    sa.Column("detail", sa.String(500)),
)

mail_preferences = sa.Table(
    "mail_preferences",
    metadata,
    sa.Column("party_id", sa.String(40), primary_key=True),
    sa.Column("coop_id", sa.String(40), nullable=False),
    sa.Column("lang", sa.String(2)),
    sa.Column("opted_out", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
)
