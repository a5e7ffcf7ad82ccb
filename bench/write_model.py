"""Cost of a decision on the folded write model: SQL statements and milliseconds per
command (single writes, appended at the end of history or back-dated) and per batch.

    python -m bench.write_model --db sqlite --members 1000
    python -m bench.write_model --db postgresql --members 1000

Not a test: prints figures, asserts nothing about time. Runs through the command layer
(scic.write.pipeline.execute inside one write transaction per command), without HTTP."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import date
from typing import Any

import sqlalchemy as sa

from scic import database
from scic.service import Service, open_service
from scic.write.commands import COMMANDS
from scic.write.pipeline import Context, execute

TODAY = date(2026, 11, 23)
COOP: dict[str, Any] = {
    "name": "Bench",
    "legal_form": "SAS",
    "share_nominal": "50.00",
    "statutory_floor": "0.00",
    "incorporated_on": "2019-01-01",
    "categories": [
        {"code": "salaries", "name": "Salariés", "role": "employees"},
        {"code": "usagers", "name": "Usagers", "role": "beneficiaries"},
    ],
}


class Counter:
    def __init__(self, engine: sa.Engine) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1


def run(service: Service, coop: str | None, name: str, body: dict[str, Any]) -> Any:
    with service.store.write() as session:
        return one(session, coop, name, body)


def one(session: Any, coop: str | None, name: str, body: dict[str, Any]) -> Any:
    model = COMMANDS[name].model.model_validate(body)
    return execute(session, Context(coop, "bench", TODAY), COMMANDS[name], model)


@contextmanager
def measured(counter: Counter, label: str, n: int, unit: str) -> Iterator[None]:
    before, start = counter.count, time.perf_counter()
    yield
    ms = (time.perf_counter() - start) * 1000
    statements = counter.count - before
    print(f"{label:<48} {ms / n:8.2f} ms/{unit}  {statements / n:6.1f} statements/{unit}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else _fresh_pg(args.pg_url)
        database.upgrade(url)
        service = open_service(url)
        try:
            bench(service, args.members, args.commands)
        finally:
            service.close()
            if args.db == "postgresql":
                _drop_pg(url)


def bench(service: Service, members: int, commands: int) -> None:
    counter = Counter(service.engine)
    coop = run(service, None, "coops", COOP).id
    ids: list[str] = []
    with service.store.write() as session:  # the history: members with fully paid shares
        for i in range(members):
            body = {"name": f"M{i}", "kind": "person", "category": "usagers"}
            ids.append(one(session, coop, "members", {**body, "admitted_on": "2019-01-01"}).id)
        for member in ids:
            one(session, coop, "subscriptions", _sub(member, "2019-06-01"))
    events = service.store.head()
    print(f"{service.engine.dialect.name}: {members} members, {events} events in the coop")
    run(service, coop, "subscriptions", _sub(ids[0], "2026-01-01"))  # warm the cache
    with measured(counter, "single subscription, end of history (cached)", commands, "command"):
        for i in range(commands):
            run(service, coop, "subscriptions", _sub(ids[i % members], "2026-01-02"))
    with measured(counter, "single admission, end of history", commands, "command"):
        for i in range(commands):
            run(service, coop, "members", _member(i))
    n = max(commands // 20, 5)
    with measured(counter, "single back-dated subscription (re-judges all)", n, "command"):
        for i in range(n):
            run(service, coop, "subscriptions", _sub(ids[i % members], "2020-01-01"))
    label = "batch of 100 subscriptions, end of history"
    with (
        measured(counter, label, 100, "event"),
        service.store.write() as session,
        _deferred(session),  # as POST …/batch does
    ):
        for i in range(100):
            one(session, coop, "subscriptions", _sub(ids[i % members], "2026-02-01"))
    label = "batch of 100 mixed (subscribe, pay, transfer)"
    with service.store.write() as session:  # subscriptions left to pay
        subs = [
            one(session, coop, "subscriptions", _sub(m, "2026-02-02", "25.00")).id for m in ids[:34]
        ]
    with (
        measured(counter, label, 100, "event"),
        service.store.write() as session,
        _deferred(session),
    ):
        for i in range(100):
            member = ids[i % members]
            if i % 3 == 0:
                one(session, coop, "subscriptions", _sub(member, "2026-02-03"))
            elif i % 3 == 1:
                pay = {"subscription_id": subs[i // 3], "amount": "25.00"}
                one(session, coop, "payments", {**pay, "effective_date": "2026-02-03"})
            else:
                transfer = {"from_member_id": member, "to_member_id": ids[-1 - i], "shares": 1}
                one(session, coop, "transfers", {**transfer, "effective_date": "2026-02-03"})
    with measured(counter, "cold load (cache dropped) + one subscription", 1, "command"):
        _drop_cache()
        run(service, coop, "subscriptions", _sub(ids[0], "2026-03-01"))


def _drop_cache() -> None:
    try:  # absent before the write model (the script also runs on older commits)
        from scic.write import store
    except ImportError:
        return
    store._CACHE.clear()


def _sub(member: str, on: str, paid: str = "100.00") -> dict[str, Any]:
    return {"member_id": member, "shares": 2, "paid": paid, "effective_date": on}


def _deferred(session: Any) -> Any:
    """The batch route's deferred appends (absent on older commits: a no-op there)."""
    return getattr(session, "deferred", nullcontext)()


def _member(i: int) -> dict[str, Any]:
    return {"name": f"N{i}", "kind": "person", "category": "salaries", "admitted_on": "2026-01-03"}


def _drop_pg(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(
        sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _fresh_pg(base: str) -> str:
    name = f"bench_wm_{os.getpid()}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False)


if __name__ == "__main__":
    main()
