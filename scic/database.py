"""Schema management through Alembic (the only way the schema changes)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

import migrations
from ledger import schema as ledger_schema
from scic.settings import get_settings

MIGRATIONS_DIR = Path(migrations.__file__).parent


def database_url() -> str:
    return get_settings().database_url


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None: another database, or in memory)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def prepare(url: str) -> None:
    """Create the folder of an SQLite file (the default one's may not exist yet)."""
    path = sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)


def is_new(url: str) -> bool:
    """No schema yet: a database that has never been migrated (an SQLite file that did
    not exist is one)."""
    path = sqlite_file(url)
    if path is not None and not path.exists():
        return True
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return current_revision(engine) is None
    finally:
        engine.dispose()


def target_metadata() -> list[sa.MetaData]:
    from scic.access import tables as access_tables
    from scic.accounting import tables as accounting_tables
    from scic.accounts import tables as account_tables
    from scic.bank import tables as bank_tables
    from scic.documents import tables as document_tables
    from scic.integrations import tables as integration_tables
    from scic.mail import tables as mail_tables
    from scic.member_requests import tables as request_tables
    from scic.projections import tables

    return [
        ledger_schema.metadata,
        tables.metadata,
        access_tables.metadata,
        integration_tables.metadata,
        accounting_tables.metadata,
        account_tables.metadata,
        bank_tables.metadata,
        document_tables.metadata,
        mail_tables.metadata,
        request_tables.metadata,
    ]


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


APPEND_ONLY_TABLES = ("events", "head_receipts")
"""Tables the serving role may read and add to, never change (the triggers refuse it too)."""
READ_ONLY_TABLES = ("alembic_version",)


def grant_serve_role(url: str, role: str) -> list[str]:
    """PostgreSQL: give `role` what `scic serve`, `scic dispatch` and `scic scheduler`
    need on the migrated schema, nothing more: no DDL (it owns nothing, so it cannot
    ALTER, DROP or disable a trigger), SELECT and INSERT on the append-only tables, read
    on the migration table, reads and writes on the rest. Run by the owner after each
    `scic db upgrade`. Returns the statements run."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    if engine.dialect.name != "postgresql":
        raise ValueError("roles are a PostgreSQL matter: SQLite has none")
    quoted = engine.dialect.identifier_preparer.quote(role)
    with engine.begin() as conn:
        tables = sa.inspect(conn).get_table_names()
        database = conn.exec_driver_sql("SELECT current_database()").scalar()
        statements = [
            f'GRANT CONNECT ON DATABASE "{database}" TO {quoted}',
            f"GRANT USAGE ON SCHEMA public TO {quoted}",
            f"REVOKE CREATE ON SCHEMA public FROM {quoted}",
        ]
        for table in sorted(tables):
            if table in APPEND_ONLY_TABLES:
                rights = "SELECT, INSERT"
            elif table in READ_ONLY_TABLES:
                rights = "SELECT"
            else:
                rights = "SELECT, INSERT, UPDATE, DELETE"
            statements.append(f'GRANT {rights} ON TABLE "{table}" TO {quoted}')
        statements.append(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
        for statement in statements:
            conn.exec_driver_sql(statement)
    engine.dispose()
    return statements
