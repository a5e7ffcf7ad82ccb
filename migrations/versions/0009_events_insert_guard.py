"""Append-only against conflict clauses: an insert must take the next position.

SQLite's `INSERT OR REPLACE` (and `REPLACE`) resolves a unique conflict by deleting the
old row without firing DELETE triggers, so the UPDATE/DELETE triggers of 0001 let a
database owner rewrite history row by row. A BEFORE INSERT trigger runs before conflict
resolution: it refuses any row that is not exactly head + 1 or that reuses an event id or
a stream version, so nothing an INSERT can say deletes or replaces a row. On PostgreSQL
`ON CONFLICT DO UPDATE` already fires the UPDATE trigger; the same guard keeps positions
gapless even for a writer that bypasses the store.

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

MESSAGE = "events are append-only: a new event takes the next position, never an old one"

SQLITE = f"""CREATE TRIGGER events_insert_next_only BEFORE INSERT ON events
WHEN NEW.position <> COALESCE((SELECT max(position) FROM events), 0) + 1
  OR EXISTS (SELECT 1 FROM events WHERE event_id = NEW.event_id)
  OR EXISTS (SELECT 1 FROM events
             WHERE stream_id = NEW.stream_id AND stream_version = NEW.stream_version)
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"""

POSTGRES = [
    f"""CREATE FUNCTION events_insert_next_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF NEW.position <> COALESCE((SELECT max(position) FROM events), 0) + 1 THEN
           RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER events_insert_next_only BEFORE INSERT ON events
       FOR EACH ROW EXECUTE FUNCTION events_insert_next_only()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE)
    else:
        for statement in POSTGRES:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS events_insert_next_only")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_insert_next_only ON events")
        op.execute("DROP FUNCTION IF EXISTS events_insert_next_only()")
