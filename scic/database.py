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
