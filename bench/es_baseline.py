"""The `eventsourcing` library (https://eventsourcing.readthedocs.io) doing the same work
as the ledger benches, configured through its environment: PERSISTENCE_MODULE
(`eventsourcing.sqlite` / `eventsourcing.postgres`), SQLITE_DBNAME, POSTGRES_DBNAME,
POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER, POSTGRES_PASSWORD.

Its PostgreSQL module needs psycopg's pool: `pip install "eventsourcing[postgres]"`.
Its application recorder gives every event a global notification id under a table lock
(PostgreSQL `LOCK TABLE … IN EXCLUSIVE MODE`; SQLite's single writer), the counterpart of
the ledger's gapless positions; it keeps no hash chain and no idempotency keys.
"""

from __future__ import annotations

import time

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from bench import workload


class Account(Aggregate):
    @event("Opened")
    def __init__(self, account: str) -> None:
        self.account = account
        self.balance_cents = 0

    @event("Deposited")
    def deposit(self, amount_cents: int) -> None:
        self.balance_cents += amount_cents


class Bank(Application):
    pass


def replay(app: Bank) -> float:
    """Read the application sequence in pages of 1,000, decode each event and fold the
    deposits into balances."""
    balances: dict[str, int] = {}
    start = time.perf_counter()
    after = 0
    while True:
        page = app.recorder.select_notifications(after, 1000, inclusive_of_start=False)
        if not page:
            break
        for notification in page:
            domain_event = app.mapper.to_domain_event(notification)
            amount = getattr(domain_event, "amount_cents", 0)
            key = str(domain_event.originator_id)
            balances[key] = balances.get(key, 0) + amount
        after = page[-1].id
    return time.perf_counter() - start


def run_eventsourcing(
    env: dict[str, str], n: int, size: int, warmup: int = 20
) -> tuple[float, int, float]:
    """Save `n` Deposited events, `size` per transaction, then read every event back in
    order and fold it (the replay a rebuild does); returns (seconds, events, replay
    seconds).

    The 1,000 aggregates are created and saved before timing and kept in memory (no
    repository reads, as the ledger reads no stream either); the timed part is the
    command (`deposit`, which creates the event) plus `save`, which encodes and inserts.
    """
    app = Bank(env=env)
    try:
        accounts = [Account(workload.account(i)) for i in range(workload.STREAMS)]
        for first_account in range(0, len(accounts), 100):
            app.save(*accounts[first_account : first_account + 100])

        def save(first: int, count: int) -> None:
            touched = []
            for i in range(first, first + count):
                aggregate = accounts[i % workload.STREAMS]
                aggregate.deposit(workload.amount(i))
                touched.append(aggregate)
            app.save(*touched)

        for w in range(warmup):
            save(w * size, size)
        first = warmup * size
        start = time.perf_counter()
        for offset in range(0, n, size):
            save(first + offset, min(size, n - offset))
        seconds = time.perf_counter() - start
        return seconds, n, replay(app)
    finally:
        app.close()
