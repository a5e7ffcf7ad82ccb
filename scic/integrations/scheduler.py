"""The scheduler (APScheduler 3): reminders and the nightly hash-chain verification (which
signs a head receipt when the chain is intact), run by exactly one process per database.

Every process (`scic serve`, `scic scheduler`) runs the same jobs; each run first makes
sure the process holds the database's scheduler lock, and does nothing otherwise:
PostgreSQL `pg_try_advisory_lock` on a connection kept open, SQLite an exclusive `flock`
on a file beside the database. The operating system or the server frees the lock when
its holder dies, so the next run of another process takes over. Firing twice is harmless
anyway: a reminder is appended under an idempotency key (scic/integrations/reminders.py).

Job functions read the date from the service's clock, so tests drive them directly.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from scic.integrations.reminders import fire_reminders, verify_chain
from scic.service import PARIS, Service

log = logging.getLogger("scic.scheduler")

_PG_SCHEDULER_LOCK = 0x5C1C_0003  # 0001: append lock, 0002: occupancy (ledger)


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """True when this process holds the lock (taking it if free)."""

    def release(self) -> None: ...


class AdvisoryLock:
    """PostgreSQL: a session-level advisory lock on a connection of its own (no pool, so
    closing it really ends the session and frees the lock)."""

    def __init__(self, url: sa.URL) -> None:
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self.conn: sa.Connection | None = None

    def try_acquire(self) -> bool:
        if self.conn is not None:
            try:
                self.conn.execute(sa.text("SELECT 1"))
                self.conn.commit()
                return True
            except sa.exc.DBAPIError:  # the session is gone, and the lock with it
                self._drop()
        conn = self.engine.connect()
        try:
            got = conn.execute(sa.select(sa.func.pg_try_advisory_lock(_PG_SCHEDULER_LOCK))).scalar()
            conn.commit()
        except sa.exc.DBAPIError:
            conn.close()
            return False
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self.conn.execute(sa.select(sa.func.pg_advisory_unlock(_PG_SCHEDULER_LOCK)))
                self.conn.commit()
            self._drop()
        self.engine.dispose()

    def _drop(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(sa.exc.DBAPIError):
                self.conn.close()
        self.conn = None


class FileLock:
    """SQLite: an exclusive, non-blocking `flock` on `<database>.scheduler.lock`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def try_acquire(self) -> bool:
        if self.fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leadership_for(engine: sa.Engine) -> Leadership:
    url = engine.url
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("the scheduler needs an SQLite file, not an in-memory database")
        return FileLock(Path(f"{os.path.realpath(url.database)}.scheduler.lock"))
    return AdvisoryLock(url)


class Scheduler:
    """The jobs, guarded by the lock. `start()` runs them on APScheduler's clock:
    reminders every `reminders_every`, the chain verification at 03:00 Paris time."""

    def __init__(
        self,
        service: Service,
        leadership: Leadership | None = None,
        *,
        reminders_every: timedelta = timedelta(minutes=15),
        on_leadership: Callable[[bool], None] | None = None,
    ) -> None:
        self.service = service
        self.leadership = leadership or leadership_for(service.engine)
        self.reminders_every = reminders_every
        self.on_leadership = on_leadership
        self.leader = False
        self._aps: BackgroundScheduler | None = None

    def is_leader(self) -> bool:
        leader = self.leadership.try_acquire()
        if leader != self.leader:
            self.leader = leader
            log.info("scheduler %s", "took the lead" if leader else "lost the lead")
            if self.on_leadership is not None:
                self.on_leadership(leader)
        return leader

    def run_reminders(self) -> int | None:
        """Fire the reminders due today (None: another process leads)."""
        if not self.is_leader():
            return None
        fired = fire_reminders(self.service.store, self.service.today())
        if fired:
            log.info("%d reminders fired", fired)
        return fired

    def run_verification(self) -> dict[str, Any] | None:
        """Verify the chain once a day; an intact chain gets a signed head receipt, a broken
        one an alarm (a `LedgerVerified` event with `ok: false`, and an error in the log)
        and no receipt."""
        if not self.is_leader():
            return None
        return verify_chain(self.service.store, self.service.today())

    def start(self) -> None:
        aps = BackgroundScheduler(timezone=PARIS)
        aps.add_job(
            self._guarded(self.run_reminders),
            IntervalTrigger(seconds=self.reminders_every.total_seconds(), timezone=PARIS),
            id="reminders",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(PARIS),  # APScheduler's clock is the real one
        )
        aps.add_job(
            self._guarded(self.run_verification),
            CronTrigger(hour=3, minute=0, timezone=PARIS),
            id="verify-chain",
            max_instances=1,
            coalesce=True,
        )
        aps.start()
        self._aps = aps

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=True)
            self._aps = None
        self.leadership.release()
        self.leader = False

    @staticmethod
    def _guarded(job: Callable[[], object]) -> Callable[[], None]:
        def run() -> None:
            try:
                job()
            except Exception:  # a failed run is logged; the next run tries again
                log.exception("scheduler job %s failed", getattr(job, "__name__", job))

        return run
