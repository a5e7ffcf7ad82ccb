"""Alembic migrations: they build the schema the models describe, undo it step by step,
and install the triggers that keep `events` append-only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from ledger import EventStore, NewEvent
from ledger.db import create_engine
from scic import database
from tests.ledger.conftest import make_registry

LEDGER_TABLES = {"events", "idempotency_keys", "projection_checkpoints"}


@pytest.fixture
def empty_url(databases) -> Iterator[str]:
    url = databases.empty()
    yield url
    databases.drop(url)


def open_engine(url: str) -> sa.Engine:
    return create_engine(url, poolclass=sa.pool.NullPool)


def model_tables() -> set[str]:
    return {name for metadata in database.target_metadata() for name in metadata.tables}


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(database.alembic_config("sqlite://"))


def schema_of(url: str) -> dict[str, Any]:
    """Tables (but Alembic's own) with their columns, keys and indexes, plus triggers and
    trigger functions."""
    engine = open_engine(url)
    try:
        inspector = sa.inspect(engine)
        tables: dict[str, Any] = {}
        for name in sorted(set(inspector.get_table_names()) - {"alembic_version"}):
            tables[name] = {
                "columns": [
                    (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)
                ],
                "primary_key": inspector.get_pk_constraint(name)["constrained_columns"],
                "unique": sorted(
                    (u["name"] or "", tuple(u["column_names"]))
                    for u in inspector.get_unique_constraints(name)
                ),
                "indexes": sorted(
                    (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                    for i in inspector.get_indexes(name)
                ),
            }
        return {"tables": tables, "triggers": triggers_of(engine)}
    finally:
        engine.dispose()


def triggers_of(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(
                "SELECT tbl_name || '.' || name FROM sqlite_master WHERE type = 'trigger'"
            )
        else:
            rows = conn.exec_driver_sql(
                "SELECT c.relname || '.' || t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal "
                "UNION ALL SELECT 'function ' || p.proname FROM pg_proc p "
                "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
            )
        return sorted(row[0] for row in rows)


def current(url: str) -> str | None:
    engine = open_engine(url)
    try:
        return database.current_revision(engine)
    finally:
        engine.dispose()


def assert_events_are_append_only(url: str) -> None:
    engine = open_engine(url)
    try:
        store = EventStore(engine, make_registry())
        store.append(
            "s1",
            [
                NewEvent(
                    "Deposited",
                    {"account": "a", "amount_cents": 5},
                    effective_date="2026-01-02",
                    amount_cents=5,
                )
            ],
        )
        refused = ["UPDATE events SET amount_cents = 6", "DELETE FROM events"]
        if engine.dialect.name == "postgresql":
            refused.append("TRUNCATE events")
        for statement in refused:
            with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
                conn.exec_driver_sql(statement)
        assert [e.amount_cents for e in store.read_all()] == [5]
        assert store.verify().ok
    finally:
        engine.dispose()


def test_there_is_one_head_and_a_linear_history() -> None:
    scripts = script()
    assert len(scripts.get_heads()) == 1, f"several migration heads: {scripts.get_heads()}"
    assert len(scripts.get_bases()) == 1


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    assert schema_of(empty_url)["tables"] == {}
    head = script().get_current_head()

    database.upgrade(empty_url)
    upgraded = schema_of(empty_url)
    assert set(upgraded["tables"]) == model_tables()
    assert set(upgraded["tables"]) >= LEDGER_TABLES
    assert any(t.startswith("events.") for t in upgraded["triggers"])  # append-only
    assert current(empty_url) == head

    database.downgrade(empty_url, "base")
    emptied = schema_of(empty_url)
    assert emptied == {"tables": {}, "triggers": []}
    assert current(empty_url) is None

    database.upgrade(empty_url)
    assert schema_of(empty_url) == upgraded
    assert current(empty_url) == head
    assert_events_are_append_only(empty_url)


def test_each_migration_downgrades_to_exactly_the_schema_before_it(empty_url: str) -> None:
    """The stairway: every revision's downgrade undoes its upgrade, and it re-applies."""
    revisions = list(reversed(list(script().walk_revisions())))
    assert revisions and revisions[0].down_revision is None
    before = schema_of(empty_url)
    for revision in revisions:
        database.upgrade(empty_url, revision.revision)
        after = schema_of(empty_url)
        assert after != before, f"revision {revision.revision} changed nothing"
        database.downgrade(empty_url, str(revision.down_revision or "base"))
        assert schema_of(empty_url) == before, f"downgrade of {revision.revision}"
        database.upgrade(empty_url, revision.revision)
        assert schema_of(empty_url) == after, f"upgrade of {revision.revision} again"
        before = after


def combined_metadata() -> sa.MetaData:
    combined = sa.MetaData()
    for metadata in database.target_metadata():
        for table in metadata.tables.values():
            table.to_metadata(combined)
    return combined


def differences(url: str, metadata: sa.MetaData) -> list[Any]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_url: str) -> None:
    database.upgrade(empty_url)
    models = combined_metadata()
    assert set(models.tables) >= LEDGER_TABLES
    assert differences(empty_url, models) == []

    # The comparison is not blind: a column the migrations lack is reported.
    models.tables["events"].append_column(sa.Column("not_migrated", sa.Integer))
    assert [d[0] for d in differences(empty_url, models)] == ["add_column"]


def test_append_only_triggers_exist_after_upgrade(empty_url: str) -> None:
    database.upgrade(empty_url)
    assert_events_are_append_only(empty_url)


def test_0006_fills_the_search_key_of_existing_names(empty_url: str) -> None:
    database.upgrade(empty_url, "0005")
    engine = open_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO parties (party_id, coop_id, kind, name) VALUES "
                    "('pty_a', 'coop_x', 'person', 'Éloïse LEFÈVRE'), "
                    "('pty_b', 'coop_x', 'person', NULL)"
                )
            )
        database.upgrade(empty_url)
        with engine.connect() as conn:
            keys: dict[str, str | None] = dict(
                conn.execute(sa.text("SELECT party_id, name_key FROM parties")).all()
            )
    finally:
        engine.dispose()
    assert keys == {"pty_a": "eloise lefevre", "pty_b": None}
