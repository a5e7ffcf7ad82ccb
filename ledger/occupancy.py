"""Who is using the database: servers share it; a rebuild needs it alone.

A rebuild rewrites every projection inside one write transaction. With a server running
on SQLite that transaction holds the only write lock for the whole replay: every write
waits, then fails with "database is locked" once the busy timeout passes (a 500). So a
server holds a shared claim for its lifetime and a rebuild asks for an exclusive one
without waiting: refused at once, with a message saying why, while a server runs.
SQLite: `flock` on a file beside the database. PostgreSQL: a session advisory lock."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import sqlalchemy as sa

from ledger.db import is_sqlite

_PG_OCCUPANCY_LOCK = 0x5C1C_0002  # arbitrary, constant: "a process is using this ledger"


class InUse(Exception):
    """The database is in use by a server: what needs it alone must wait."""


def _lock_file(engine: sa.Engine) -> IO[str] | None:
    path = engine.url.database
    if not path or path == ":memory:":
        return None
    # The real path: a symlink (or another spelling) to the served file is the same database.
    return open(os.path.realpath(path) + ".occupancy", "a")  # noqa: SIM115 (held open)


@contextmanager
def claim(engine: sa.Engine, alone: bool) -> Iterator[None]:
    """Hold the database, shared (a server) or alone (a rebuild), until the block ends.
    `alone` never waits: it raises InUse while anybody holds it shared."""
    if is_sqlite(engine):
        handle = _lock_file(engine)
        if handle is None:
            yield
            return
        with handle:
            try:
                fcntl.flock(handle, (fcntl.LOCK_EX | fcntl.LOCK_NB) if alone else fcntl.LOCK_SH)
            except BlockingIOError:
                raise InUse(_busy(engine)) from None
            yield
        return
    with engine.connect() as conn:
        if alone:
            taken = conn.execute(
                sa.select(sa.func.pg_try_advisory_lock(_PG_OCCUPANCY_LOCK))
            ).scalar()
            if not taken:
                raise InUse(_busy(engine))
        else:
            conn.execute(sa.select(sa.func.pg_advisory_lock_shared(_PG_OCCUPANCY_LOCK)))
        conn.commit()
        try:
            yield
        finally:
            unlock = "pg_advisory_unlock" if alone else "pg_advisory_unlock_shared"
            conn.execute(sa.select(getattr(sa.func, unlock)(_PG_OCCUPANCY_LOCK)))
            conn.commit()


def _busy(engine: sa.Engine) -> str:
    where = engine.url.render_as_string(hide_password=True)
    return (
        f"a server is running on {where}: stop it before rebuilding (a rebuild holds the "
        "write lock for its whole replay, and writes would fail meanwhile)"
    )
