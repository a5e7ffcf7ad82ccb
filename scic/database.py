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


def target_metadata() -> list[sa.MetaData]:
    from scic.access import tables as access_tables
    from scic.accounting import tables as accounting_tables
    from scic.projections import tables

    return [
        ledger_schema.metadata,
        tables.metadata,
        access_tables.metadata,
        accounting_tables.metadata,
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
