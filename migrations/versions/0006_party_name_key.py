"""parties.name_key: the accent- and case-insensitive key the member search compares.

Revision ID: 0006
Revises: 0010
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

from scic.names import search_key

revision = "0006"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("parties", sa.Column("name_key", sa.Text(), nullable=True))
    parties = sa.table(
        "parties",
        sa.column("party_id", sa.String),
        sa.column("name", sa.String),
        sa.column("name_key", sa.Text),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(parties.c.party_id, parties.c.name).where(parties.c.name.is_not(None))
    ).all()
    for party_id, name in rows:  # erased parties have no name, hence no key
        conn.execute(
            parties.update().where(parties.c.party_id == party_id).values(name_key=search_key(name))
        )


def downgrade() -> None:
    with op.batch_alter_table("parties") as batch:
        batch.drop_column("name_key")
