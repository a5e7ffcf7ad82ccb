"""What a cooperative's documents say about it beyond the ledger: its registered office
and its purpose (siège social, objet social). Not events: they are changed in place by
a manager, like contact details."""

from __future__ import annotations

import sqlalchemy as sa

from ledger.schema import UTCDateTime

metadata = sa.MetaData()

coop_profiles = sa.Table(
    "coop_profiles",
    metadata,
    sa.Column("coop_id", sa.String(40), primary_key=True),
    sa.Column("registered_office", sa.String(400)),
    sa.Column("purpose", sa.String(1000)),
    # where notices meant for the management go (deadlines, expiries, requests)
    sa.Column("contact_email", sa.String(200)),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(128), nullable=False),
)
