"""Throw-away databases for one bench run: SQLite files in a temporary directory, or
PostgreSQL databases `bench_<random>` (migrated template) and `bench_<random>_<label>`
(clones, one per benchmark) created through an AUTOCOMMIT admin connection and dropped
at the end."""

from __future__ import annotations

import itertools
import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench import workload
from ledger.db import create_engine
from scic import database

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _add_bench_tables(url: str) -> None:
    """The bench projector's table: bench-only, so created here rather than by Alembic."""
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        workload.metadata.create_all(engine)
    finally:
        engine.dispose()


class SQLiteBackend:
    name = "sqlite"

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root or tempfile.mkdtemp(prefix="scic-bench-"))
        self._own_root = root is None
        self._seq = itertools.count(1)
        self.root.mkdir(parents=True, exist_ok=True)
        self.template = self.root / "template.db"
        database.upgrade(self.url_of(self.template))
        _add_bench_tables(self.url_of(self.template))

    @staticmethod
    def url_of(path: Path) -> str:
        return f"sqlite:///{path}"

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "sqlite",
            "version": sqlite3.sqlite_version,
            "dir": str(self.root),
            "settings": "WAL, synchronous=FULL (as ledger.db sets them)",
        }

    def fresh(self, label: str) -> str:
        """A migrated database of its own for one benchmark."""
        target = self.root / f"{label}-{next(self._seq)}.db"
        shutil.copyfile(self.template, target)
        return self.url_of(target)

    def path(self, url: str) -> str:
        return make_url(url).database or ""

    def drop(self, url: str) -> None:
        """Remove a database made by `fresh` before the run ends (a large one)."""
        for suffix in ("", "-wal", "-shm"):
            Path(self.path(url) + suffix).unlink(missing_ok=True)

    def eventsourcing_env(self, label: str) -> dict[str, str]:
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(self.root / f"{label}-{next(self._seq)}.db"),
            "SQLITE_LOCK_TIMEOUT": "60",
        }

    def close(self) -> None:
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)


class PostgresBackend:
    name = "postgresql"

    def __init__(self, admin_url: str = DEFAULT_PG_URL) -> None:
        self.base = make_url(admin_url)
        if self.base.drivername in ("postgresql", "postgres"):
            self.base = self.base.set(drivername="postgresql+psycopg")
        self.admin = sa.create_engine(
            self.base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        self.prefix = f"bench_{uuid.uuid4().hex[:10]}"
        self.created: list[str] = []
        self._seq = itertools.count(1)
        with self.admin.connect() as conn:
            self.server_version = conn.exec_driver_sql("SHOW server_version").scalar()
            self.settings = {
                name: conn.exec_driver_sql(f"SHOW {name}").scalar()
                for name in ("fsync", "synchronous_commit", "shared_buffers")
            }
        self.template = self.prefix
        try:
            self._create(self.template)
            database.upgrade(self.url_for(self.template))
            _add_bench_tables(self.url_for(self.template))
        except BaseException:
            self.close()  # drop what was created: the caller gets no backend to close
            raise

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "postgresql",
            "version": self.server_version,
            "server": self.base.render_as_string(hide_password=True),
            "settings": self.settings,
            "template": self.template,
        }

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def _create(self, name: str, template: str | None = None) -> None:
        suffix = f' TEMPLATE "{template}"' if template else ""
        self._execute(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)

    def url_for(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def fresh(self, label: str) -> str:
        name = f"{self.prefix}_{label.replace('-', '_')}_{next(self._seq)}"
        self._create(name, template=self.template)
        return self.url_for(name)

    def drop(self, url: str) -> None:
        """Drop a database made by `fresh` before the run ends (a large one)."""
        name = make_url(url).database or ""
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def eventsourcing_env(self, label: str) -> dict[str, str]:
        name = f"{self.prefix}_{label.replace('-', '_')}_{next(self._seq)}"
        self._create(name)  # empty: eventsourcing creates its own tables
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": name,
            "POSTGRES_HOST": self.base.host or "127.0.0.1",
            "POSTGRES_PORT": str(self.base.port or 5432),
            "POSTGRES_USER": self.base.username or "postgres",
            "POSTGRES_PASSWORD": self.base.password or "",
        }

    def close(self) -> None:
        for name in reversed(self.created):
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as exc:  # keep dropping the others
                print(f"  could not drop database {name}: {exc}")
        self.created.clear()
        self.admin.dispose()


def psycopg_conninfo(url: str) -> str:
    """A SQLAlchemy postgresql+psycopg URL as a libpq URI for psycopg.connect."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
