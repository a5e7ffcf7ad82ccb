"""Engines for the two supported databases, set up the way the store relies on."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

WRITE_OPTION = "ledger_write"


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine whose write transactions serialise appends.

    SQLite: WAL so readers never block the writer, and `BEGIN IMMEDIATE` for writes so the
    write lock is taken before the head position is read (a deferred BEGIN would let two
    writers read the same head and one would fail late). Every `engine.begin()` is such a
    write transaction (`_SQLiteEngine`), not only the ledger's appends: tokens, webhooks,
    sessions read then write too. PostgreSQL: see EventStore.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 60, "check_same_thread": False})
        engine = sa.create_engine(url, **kwargs)
        _configure_sqlite(engine)
        engine.__class__ = _SQLiteEngine
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
    # No ping per checkout (one round trip per connection use, two per request): a
    # connection is retired after `pool_recycle` seconds instead, and one the server has
    # closed (a session terminated, a restart) is found at checkout without a round trip
    # (`_closed_by_server`), so no request meets it; a connection lost mid-use makes
    # SQLAlchemy drop every pooled connection older than it.
    kwargs.setdefault("pool_pre_ping", False)
    kwargs.setdefault("pool_recycle", 1800)
    engine = sa.create_engine(url, **kwargs)
    event.listen(engine, "checkout", _closed_by_server)
    return engine


def _closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """An idle PostgreSQL connection has nothing to read: when its socket is readable
    (or closed), the server has ended the session (`pg_terminate_backend`, a restart
    sends its FATAL then closes). Raising DisconnectionError makes the pool discard it
    and check out another, so the request that would have met it gets a live one
    (without this, each terminated pooled session answered one request 500)."""
    if getattr(dbapi_connection, "closed", False):
        raise sa.exc.DisconnectionError("the connection is closed")
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:
        return
    import psycopg  # a psycopg connection: the driver is loaded

    try:
        fd = pgconn.socket
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError, psycopg.Error) as exc:
        raise sa.exc.DisconnectionError(f"the connection's socket is gone ({exc})") from None
    if readable:
        raise sa.exc.DisconnectionError("the server closed the connection")


class _SQLiteEngine(sa.Engine):
    """An SQLite engine whose `begin()` takes the write lock first (BEGIN IMMEDIATE).

    A deferred transaction that reads and then writes cannot wait for the lock: when
    another writer committed after its read, SQLite refuses the write at once with
    `database is locked` (its snapshot is stale), whatever the busy timeout. Taking the
    lock at BEGIN makes such a transaction wait its turn instead. Reads use `connect()`,
    whose implicit BEGIN stays deferred (WAL readers never wait for writers)."""

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        with self.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            yield conn


def _configure_sqlite(engine: sa.Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def is_sqlite(engine: sa.Engine | sa.Connection) -> bool:
    return engine.dialect.name == "sqlite"
