"""The R10 scenario of issue 27: one member admitted 300 days ahead, then batches of
admissions dated today, the scheduler's R10 reminder (a notice dated in 2024) appended
between two batches. Prints, per batch, how long it held the write lock (every other
cooperative's writes wait that long), how many whole-history folds and history reads it
ran, and the same for one admission of another cooperative right after it.

    python -m bench.r10 --db sqlite --batches 6 --size 200
    python -m bench.r10 --db postgresql --batches 6 --size 200
    python -m bench.r10 --no-future      # the same without the member admitted ahead

Not a test: prints figures, asserts nothing about time. Runs through the command layer
(scic.write.pipeline, one write transaction per batch with deferred appends, as
`POST …/batch` does) and the scheduler's own functions, without HTTP."""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from bench.write_model import COOP, _deferred, _drop_pg, _fresh_pg, one, run
from scic import database
from scic.domain import timeline
from scic.integrations import reminders
from scic.service import Service, open_service
from scic.write import pipeline, store

TODAY = date(2026, 11, 23)  # bench.write_model's: its commands are dated by it


class Folds:
    """Whole-history folds (`timeline.fold`) and history reads (`store._read`)."""

    def __init__(self) -> None:
        self.folds = self.reads = 0
        fold, read = timeline.fold, store._read

        def counted_fold(*args: Any, **kwargs: Any) -> Any:
            self.folds += 1
            return fold(*args, **kwargs)

        def counted_read(*args: Any, **kwargs: Any) -> Any:
            self.reads += 1
            return read(*args, **kwargs)

        timeline.fold = counted_fold  # type: ignore[assignment]
        store._read = counted_read  # type: ignore[assignment]

    def since(self, mark: tuple[int, int]) -> str:
        return f"{self.folds - mark[0]:4d} folds {self.reads - mark[1]:3d} reads"

    def mark(self) -> tuple[int, int]:
        return self.folds, self.reads


def remind(service: Service, n: int) -> tuple[int, float]:
    """The scheduler's R10 notices for TODAY, appended as it appends them (a fresh key
    after the first gap: the real job appends each notice once, then grants, calls and
    reviews bring others). Returns (notices, ms)."""
    with service.engine.connect() as conn:
        requests = reminders.reminder_requests(conn, TODAY)
    requests = [r for r in requests if '"R10"' in _rule(r)]
    if n:
        requests = [replace(r, idempotency_key=f"{r.idempotency_key}:bench{n}") for r in requests]
    start = time.perf_counter()
    with service.store.write() as session:
        append = getattr(pipeline, "append_events", None)
        if append is not None:
            append(session, requests, TODAY)
        else:  # before the pipeline knew of them
            session.append_many(requests)
    return len(requests), (time.perf_counter() - start) * 1000


def _rule(request: Any) -> str:
    return f'"{request.events[0].data["rule"]}"'


def bench(service: Service, batches: int, size: int, future: bool) -> None:
    coop = run(service, None, "coops", COOP).id  # incorporated 2019: R10 due in 2024
    other = run(service, None, "coops", {**COOP, "name": "Voisine"}).id
    ahead = (TODAY + timedelta(days=300)).isoformat()
    if future:
        body = {"name": "Plus tard", "kind": "person", "category": "usagers"}
        run(service, coop, "members", {**body, "admitted_on": ahead})
    run(service, other, "members", {"name": "V0", "kind": "person", "category": "usagers"})
    folds = Folds()
    print(
        f"{service.engine.dialect.name}: {batches} batches of {size} admissions dated "
        f"{TODAY}, {'one member admitted ' + ahead if future else 'no member ahead'}"
    )
    for b in range(batches):
        if b:
            notices, ms = remind(service, b - 1)
            print(f"  scheduler: {notices} R10 notice(s) dated in the past, {ms:7.1f} ms")
        mark, start = folds.mark(), time.perf_counter()
        with service.store.write() as session, _deferred(session):
            for i in range(size):
                body = {"name": f"B{b}-{i}", "kind": "person", "category": "usagers"}
                one(session, coop, "members", {**body, "admitted_on": TODAY.isoformat()})
        held = (time.perf_counter() - start) * 1000
        in_coop = service.store.head()
        print(
            f"batch {b + 1}: lock held {held:8.1f} ms ({held / size:6.2f} ms/admission), "
            f"{folds.since(mark)}; {in_coop} events in the ledger"
        )
        mark, start = folds.mark(), time.perf_counter()
        body = {"name": f"V{b + 1}", "kind": "person", "category": "usagers"}
        run(service, other, "members", {**body, "admitted_on": TODAY.isoformat()})
        ms = (time.perf_counter() - start) * 1000
        print(f"  another cooperative's admission after it: {ms:6.1f} ms, {folds.since(mark)}")
        mark, start = folds.mark(), time.perf_counter()
        body = {"name": f"C{b + 1}", "kind": "person", "category": "usagers"}
        run(service, coop, "members", {**body, "admitted_on": TODAY.isoformat()})
        ms = (time.perf_counter() - start) * 1000
        print(f"  one more admission of the same cooperative: {ms:6.1f} ms, {folds.since(mark)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--no-future", action="store_true")
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
            bench(service, args.batches, args.size, not args.no_future)
        finally:
            service.close()
            if args.db == "postgresql":
                _drop_pg(url)


if __name__ == "__main__":
    main()
