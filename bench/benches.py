"""The benchmarks. Each returns figures; none asserts on time."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench import workload
from ledger import AppendRequest, EventStore
from ledger import schema as ledger_schema
from ledger.db import create_engine

WARMUP = 20  # untimed appends before each timed loop (pool, statement caches)


@dataclass
class Result:
    backend: str
    name: str
    n: int | None = None
    seconds: float | None = None
    rate: float | None = None  # events (or requests) per second
    unit: str = "events/s"
    extra: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


# -- ledger appends --------------------------------------------------------------------


def single_append(backend: Any, n: int) -> Result:
    """EventStore.append: one event per call, hence per transaction."""
    engine = create_engine(backend.fresh("single"))
    try:
        store = EventStore(engine, workload.make_registry())
        for i in range(WARMUP):
            _append_one(store, i)
        events = [workload.new_event(WARMUP + i) for i in range(n)]

        def run() -> None:
            for stream, event in events:
                store.append(stream, [event])

        seconds, _ = _timed(run)
        assert _count(engine) == n + WARMUP
        return Result(
            backend.name,
            "single-append",
            n,
            seconds,
            n / seconds,
            "req/s",
            {"events_per_transaction": 1},
        )
    finally:
        engine.dispose()


def _append_one(store: EventStore, i: int) -> None:
    stream, event = workload.new_event(i)
    store.append(stream, [event])


def batch_append(backend: Any, n: int, size: int = 100, one_stream: bool = False) -> Result:
    """EventStore.append_batch (WriteSession.append_many): `size` events per transaction,
    as `size` one-event requests on different streams, or (`one_stream`) as one request
    of `size` events on one stream."""
    name = "batch-append-stream" if one_stream else f"batch-append-{size}"
    engine = create_engine(backend.fresh(name))
    try:
        store = EventStore(engine, workload.make_registry())
        batches = _requests(n + WARMUP * size, size, one_stream)
        for batch in batches[:WARMUP]:
            store.append_batch(batch)
        timed = batches[WARMUP:]

        def run() -> None:
            for batch in timed:
                store.append_batch(batch)

        seconds, _ = _timed(run)
        done = sum(len(r.events) for batch in timed for r in batch)
        assert _count(engine) == done + WARMUP * size
        return Result(
            backend.name,
            name,
            done,
            seconds,
            done / seconds,
            "events/s",
            {"events_per_transaction": size, "requests_per_transaction": 1 if one_stream else size},
        )
    finally:
        engine.dispose()


def _requests(n: int, size: int, one_stream: bool) -> list[list[AppendRequest]]:
    batches: list[list[AppendRequest]] = []
    for start in range(0, n, size):
        pairs = [workload.new_event(i) for i in range(start, min(start + size, n))]
        if one_stream:
            stream = pairs[0][0]
            batches.append([AppendRequest(stream, [event for _, event in pairs])])
        else:
            batches.append([AppendRequest(stream, [event]) for stream, event in pairs])
    return batches


# -- raw driver baseline ---------------------------------------------------------------

_COLUMNS = [c.name for c in ledger_schema.events.columns]


def raw_insert(backend: Any, n: int, size: int = 100) -> Result:
    """The same rows (hash chain included, computed before timing) inserted with the raw
    driver, `size` rows per transaction, into the same migrated table (indexes,
    constraints, triggers): the physical limit of the database here."""
    name = "raw-insert" if size > 1 else "raw-insert-single"
    url = backend.fresh(name)
    rows = workload.ledger_rows(n, batch=size)
    if backend.name == "sqlite":
        seconds = _raw_sqlite(backend.path(url), rows, size)
    else:
        seconds = _raw_postgres(url, rows, size)
    unit = "events/s" if size > 1 else "req/s"
    return Result(
        backend.name,
        name,
        n,
        seconds,
        n / seconds,
        unit,
        {"events_per_transaction": size, "driver": _driver(backend.name, size)},
    )


def _driver(backend: str, size: int) -> str:
    if backend == "sqlite":
        return "sqlite3, BEGIN IMMEDIATE + " + ("execute" if size == 1 else "executemany")
    return "psycopg, " + ("execute" if size == 1 else "executemany (pipeline)")


def _raw_sqlite(path: str, rows: list[dict[str, Any]], size: int) -> float:
    params = [
        tuple(
            json.dumps(r["data"])
            if c == "data"
            else r[c].isoformat()
            if c == "effective_date"
            else r[c].replace(tzinfo=None).isoformat(" ")
            if c == "recorded_at"
            else r[c]
            for c in _COLUMNS
        )
        for r in rows
    ]
    sql = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
    conn = sqlite3.connect(path, isolation_level=None, timeout=60)
    try:
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        start = time.perf_counter()
        for i in range(0, len(params), size):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(sql, params[i : i + size])
            conn.execute("COMMIT")
        seconds = time.perf_counter() - start
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(rows)
        return seconds
    finally:
        conn.close()


def _raw_postgres(url: str, rows: list[dict[str, Any]], size: int) -> float:
    import psycopg

    from bench.backends import psycopg_conninfo

    params = [
        tuple(
            json.dumps(r["data"])
            if c == "data"
            else r[c].replace(tzinfo=None)
            if c == "recorded_at"
            else r[c]
            for c in _COLUMNS
        )
        for r in rows
    ]
    placeholders = ", ".join("%s::jsonb" if c == "data" else "%s" for c in _COLUMNS)
    sql = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({placeholders})"
    with psycopg.connect(psycopg_conninfo(url)) as conn:
        start = time.perf_counter()
        for i in range(0, len(params), size):
            with conn.transaction(), conn.cursor() as cur:
                if size == 1:
                    cur.execute(sql, params[i])
                else:
                    cur.executemany(sql, params[i : i + size])
        seconds = time.perf_counter() - start
        count = conn.execute("SELECT count(*) FROM events").fetchone()
        assert count is not None and count[0] == len(rows)
    return seconds


# -- eventsourcing baseline ------------------------------------------------------------


def eventsourcing(backend: Any, n: int, size: int) -> Result:
    """The `eventsourcing` library doing the same work: aggregates `acct-0000`…
    (created before timing), one Deposited event per aggregate; `size` == 1 saves one
    aggregate per call, else saves `size` aggregates (one event each) per call, i.e. one
    transaction of `size` events."""
    name = "eventsourcing-single" if size == 1 else f"eventsourcing-batch-{size}"
    try:
        from bench.es_baseline import run_eventsourcing
    except ImportError as exc:
        return Result(
            backend.name,
            name,
            error=f"eventsourcing not installed "
            f"(pip install 'eventsourcing[postgres]>=9.3'): {exc}",
        )
    try:
        env = backend.eventsourcing_env(name)
    except Exception as exc:
        return Result(backend.name, name, error=f"could not set up a database: {exc}")
    try:
        seconds, done = run_eventsourcing(env, n, size, warmup=WARMUP)
    except Exception as exc:
        cause = exc.__cause__ or exc.__context__
        why = f"{type(exc).__name__}: {exc}"
        if isinstance(cause, ImportError):
            why += f" ({cause}; pip install 'eventsourcing[postgres]>=9.3')"
        return Result(backend.name, name, error=why)
    unit = "req/s" if size == 1 else "events/s"
    return Result(
        backend.name,
        name,
        done,
        seconds,
        done / seconds,
        unit,
        {"events_per_transaction": size, "persistence_module": env["PERSISTENCE_MODULE"]},
    )


# -- import and rebuild (child processes) ----------------------------------------------


def write_jsonl(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for start in range(0, n, 10_000):
            handle.write(
                "".join(workload.jsonl_line(i) + "\n" for i in range(start, min(start + 10_000, n)))
            )


def run_child(args: list[str]) -> tuple[dict[str, Any], int]:
    """Run `python -m bench.import_child ARGS`; returns its JSON report and ru_maxrss (KiB)
    of exactly that child, from wait4 (what getrusage(RUSAGE_CHILDREN) would fold into a
    maximum over all children)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.import_child", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    # Drain both pipes without waiting for the exit status: wait4 must reap the child.
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read())),  # type: ignore[union-attr]
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read())),  # type: ignore[union-attr]
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = "".join(err_chunks).strip().splitlines()[-5:]
        raise RuntimeError(f"child exited {proc.returncode}: " + " | ".join(tail))
    return json.loads("".join(out_chunks).strip().splitlines()[-1]), usage.ru_maxrss


def _memory(report: dict[str, Any], ru_maxrss: int) -> dict[str, Any]:
    """Peak RSS of the child. Linux's ru_maxrss (RUSAGE_CHILDREN, wait4) starts from the
    parent's RSS at spawn time (exec keeps the old image's high-water mark), so the figure
    shown is the child's own VmHWM; ru_maxrss is kept for the record."""
    mib = lambda kib: None if kib is None else round(kib / 1024, 1)  # noqa: E731
    return {
        "peak_rss_mib": mib(report.get("hwm_kib")) or mib(ru_maxrss),
        "rss_before_mib": mib(report.get("hwm_before_kib")),
        "ru_maxrss_mib": mib(ru_maxrss),
    }


def import_and_rebuild(
    backend: Any,
    n: int,
    workdir: Path,
    batch_size: int = 2_000,
    do_import: bool = True,
    do_rebuild: bool = True,
) -> list[Result]:
    path = workdir / f"events-{n}.jsonl"
    if not path.exists():
        write_jsonl(path, n)
    url = backend.fresh("import")
    results: list[Result] = []
    report, rss = run_child(["import", url, str(path), "--batch-size", str(batch_size)])
    if do_import:
        results.append(
            Result(
                backend.name,
                "import",
                report["appended"],
                report["seconds"],
                report["appended"] / report["seconds"],
                "events/s",
                {
                    **_memory(report, rss),
                    "batch_size": batch_size,
                    "file_mib": round(path.stat().st_size / 2**20, 1),
                    "extrapolated_1m_seconds": round(
                        1e6 * report["seconds"] / report["appended"], 1
                    ),
                },
            )
        )
    if do_rebuild:
        report, rss = run_child(["rebuild", url])
        results.append(
            Result(
                backend.name,
                "rebuild",
                report["events"],
                report["seconds"],
                report["events"] / report["seconds"],
                "events/s",
                {
                    **_memory(report, rss),
                    "projector": "bench_balances (upsert per page)",
                    "projection_ok": report["projection_ok"],
                    "extrapolated_1m_seconds": round(1e6 * report["seconds"] / report["events"], 1),
                },
            )
        )
    return results


# -- concurrency -----------------------------------------------------------------------


def concurrent_writers(
    backend: Any, threads: int = 8, per_thread: int = 250, hot_streams: int = 16
) -> Result:
    """`threads` threads each append `per_thread` single events (any expected version) on
    a few shared streams, with the projector updated in each append's transaction; then
    count what landed, check positions, stream versions, projection and hash chain."""
    engine = create_engine(backend.fresh("concurrent"))
    try:
        store = EventStore(engine, workload.make_registry(), [workload.BalanceProjector()])
        _append_one(store, 0)  # creates the projector checkpoint before the race
        errors: list[str] = []
        barrier = threading.Barrier(threads + 1)

        def worker(t: int) -> None:
            barrier.wait()
            for i in range(per_thread):
                k = 1 + t * per_thread + i
                stream, event = workload.new_event(k, streams=hot_streams)
                try:
                    store.append(stream, [event])
                except Exception as exc:  # counted, reported
                    errors.append(f"{type(exc).__name__}: {exc}")

        pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
        for thread in pool:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in pool:
            thread.join()
        seconds = time.perf_counter() - start

        expected = threads * per_thread + 1
        expected_cents = sum(workload.amount(k) for k in range(expected))
        with engine.connect() as conn:
            count, low, high = conn.execute(
                sa.text("SELECT count(*), min(position), max(position) FROM events")
            ).one()
            broken_streams = conn.execute(
                sa.text(
                    "SELECT count(*) FROM (SELECT stream_id FROM events GROUP BY stream_id "
                    "HAVING count(*) <> max(stream_version) OR min(stream_version) <> 1) s"
                )
            ).scalar_one()
            movements, cents = conn.execute(
                sa.select(
                    sa.func.coalesce(sa.func.sum(workload.balances.c.movements), 0),
                    sa.func.coalesce(sa.func.sum(workload.balances.c.balance_cents), 0),
                )
            ).one()
        chain = store.verify()
        lost = expected - count
        return Result(
            backend.name,
            "concurrent-writers",
            threads * per_thread,
            seconds,
            threads * per_thread / seconds,
            "events/s",
            {
                "threads": threads,
                "per_thread": per_thread,
                "lost_updates": lost,
                "errors": len(errors),
                "first_error": errors[0] if errors else None,
                "gapless_positions": bool(low == 1 and high == count),
                "stream_versions_ok": broken_streams == 0,
                "projection_lost_updates": expected - int(movements),
                "projection_sum_ok": int(cents) == expected_cents,
                "hash_chain_ok": chain.ok,
            },
        )
    finally:
        engine.dispose()
