"""Test databases: every test gets its own freshly migrated database.

SCIC_TEST_DATABASE_URL unset → SQLite files; set to a PostgreSQL URL → databases cloned
from a migrated template on that server (CREATE DATABASE … TEMPLATE is fast).
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from scic import database
from scic.settings import Settings

# Nothing a test runs may write to the real user data directory (where the default
# database and the demo tokens live): this process and every subprocess it starts get a
# temporary one instead.
_USER_DATA = tempfile.mkdtemp(prefix="scic-test-user-data-")
atexit.register(shutil.rmtree, _USER_DATA, True)
os.environ["XDG_DATA_HOME"] = _USER_DATA
os.environ["HOME"] = _USER_DATA  # where platformdirs looks on macOS and Windows-less hosts

BASE_URL = os.environ.get("SCIC_TEST_DATABASE_URL", "").strip()
BACKEND = "postgresql" if BASE_URL.startswith("postgres") else "sqlite"
_counter = itertools.count()


def pytest_report_header() -> str:
    return f"database backend: {BACKEND} ({BASE_URL or 'temporary SQLite files'})"


class SteppingClock:
    """A clock the test moves by hand, so recorded_at values are known."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class DatabaseFactory:
    """Creates migrated databases for tests and drops them afterwards."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self.created: list[str] = []
        self.prefix = f"scic_t{uuid.uuid4().hex[:8]}"
        if BACKEND == "sqlite":
            self.template = str(tmp_root / "template.db")
            database.upgrade(f"sqlite:///{self.template}")
        else:
            self.admin = sa.create_engine(
                Settings(database_url=BASE_URL).database_url,
                isolation_level="AUTOCOMMIT",
                poolclass=sa.pool.NullPool,
            )
            self.template = f"{self.prefix}_template"
            self._execute(f'CREATE DATABASE "{self.template}"')
            self.created.append(self.template)
            database.upgrade(self._url(self.template))

    def _url(self, name: str) -> str:
        url = make_url(Settings(database_url=BASE_URL).database_url)
        return url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)

    def fresh(self) -> str:
        if BACKEND == "sqlite":
            target = self.tmp_root / f"db{next(_counter)}.db"
            shutil.copyfile(self.template, target)
            return f"sqlite:///{target}"
        name = f"{self.prefix}_{next(_counter)}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self.created.append(name)
        return self._url(name)

    def empty(self) -> str:
        """A database with no schema at all (for migration tests)."""
        if BACKEND == "sqlite":
            return f"sqlite:///{self.tmp_root / f'empty{next(_counter)}.db'}"
        name = f"{self.prefix}_{next(_counter)}"
        self._execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        if BACKEND == "sqlite":
            return
        name = make_url(url).database
        assert name is not None
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created.remove(name)

    def close(self) -> None:
        if BACKEND == "postgresql":
            for name in reversed(self.created):
                self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("databases"))
    yield factory
    factory.close()


@pytest.fixture
def database_url(databases: DatabaseFactory) -> Iterator[str]:
    url = databases.fresh()
    yield url
    databases.drop(url)


@pytest.fixture
def backend() -> str:
    return BACKEND
