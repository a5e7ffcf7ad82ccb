"""Import and rebuild measured on a million events, not extrapolated (issue 29: "1M
events … measured on 1M"): `python -m bench --million` adds them to the full run.

A history of `events` lines (bench/history.py, one member per 20 events) is imported by
`ledger.bulk.import_jsonl` in a process of its own (bench.child: events/s, seconds, peak
RSS from VmHWM), then every real projection is rebuilt from it (`EventStore.rebuild()`,
again in a process of its own). Floors, on the same rows in the same run:

- import: the raw driver inserting the imported `events` rows into an empty copy of the
  table (sqlite3 `executemany` / psycopg `COPY`), 2,000 per transaction, as the import;
- rebuild: the raw driver reading every `events` row, plus writing every row of every
  projection table that the rebuild wrote, 10,000 per transaction.

The rows are streamed from the database (never all in memory): only the reads of the
rebuild floor and the writes are timed, not the fetching of the rows to write."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.types.string import TextLoader
from sqlalchemy.engine import make_url

from bench import history, suite
from bench.backends import psycopg_conninfo

MILLION = 1_000_000
EVENTS_PER_MEMBER = 20
CHUNK = 10_000  # rows fetched per round trip when streaming


@contextmanager
def _source(url: str, table: str) -> Iterator[tuple[list[str], Iterator[list[tuple[Any, ...]]]]]:
    """Stream every row of `table`: (columns, chunks of rows)."""
    sql = f"SELECT * FROM {table}"
    if url.startswith("sqlite"):
        conn = sqlite3.connect(make_url(url).database or "")
        try:
            cursor = conn.execute(sql)
            columns = [d[0] for d in cursor.description]

            def chunks() -> Iterator[list[tuple[Any, ...]]]:
                while rows := cursor.fetchmany(CHUNK):
                    yield rows

            yield columns, chunks()
        finally:
            conn.close()
        return
    with psycopg.connect(psycopg_conninfo(url)) as pg:
        for json_type in ("json", "jsonb"):  # kept as text: COPY writes it back as is
            pg.adapters.register_loader(json_type, TextLoader)
        with pg.cursor(name=f"bench_{table}") as cur:  # server-side: streamed
            cur.itersize = CHUNK
            cur.execute(sql)
            first = cur.fetchmany(CHUNK)
            assert cur.description is not None
            columns = [d.name for d in cur.description]

            def pg_chunks() -> Iterator[list[tuple[Any, ...]]]:
                rows = first
                while rows:
                    yield rows
                    rows = cur.fetchmany(CHUNK)

            yield columns, pg_chunks()


def read_seconds(url: str, table: str) -> tuple[float, int]:
    """The raw driver reading every row of `table`, streamed: (seconds, rows)."""
    count = 0
    start = time.perf_counter()
    with _source(url, table) as (_, chunks):
        for rows in chunks:
            count += len(rows)
    return time.perf_counter() - start, count


def _rechunk(chunks: Iterator[list[tuple[Any, ...]]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    pending: list[tuple[Any, ...]] = []
    for rows in chunks:
        pending += rows
        while len(pending) >= size:
            yield pending[:size]
            pending = pending[size:]
    if pending:
        yield pending


def write_seconds(source: str, target: str, tables: Sequence[str], per_tx: int) -> float:
    """The raw driver inserting every row of `tables` (read from `source`) into empty
    copies `floor_<table>` in `target` (no index, no trigger), `per_tx` rows per
    transaction; only the inserts and commits are timed."""
    took = 0.0
    for table in tables:
        with _source(source, table) as (columns, chunks):
            if target.startswith("sqlite"):
                conn = sqlite3.connect(make_url(target).database or "", isolation_level=None)
                try:
                    conn.execute(f"DROP TABLE IF EXISTS floor_{table}")
                    # target is migrated (a copy of the template): its table gives the shape
                    conn.execute(f"CREATE TABLE floor_{table} AS SELECT * FROM {table} WHERE 0")
                    marks = ",".join("?" * len(columns))
                    insert = f"INSERT INTO floor_{table} VALUES ({marks})"
                    for rows in _rechunk(chunks, per_tx):
                        t0 = time.perf_counter()
                        conn.execute("BEGIN IMMEDIATE")
                        conn.executemany(insert, rows)
                        conn.execute("COMMIT")
                        took += time.perf_counter() - t0
                finally:
                    conn.close()
                continue
            with psycopg.connect(psycopg_conninfo(target), autocommit=True) as pg:
                pg.execute(f"DROP TABLE IF EXISTS floor_{table}")
                pg.execute(f"CREATE TABLE floor_{table} (LIKE {table})")
                copy_sql = f"COPY floor_{table} ({','.join(columns)}) FROM STDIN"
                for rows in _rechunk(chunks, per_tx):
                    t0 = time.perf_counter()
                    with pg.transaction(), pg.cursor() as cur, cur.copy(copy_sql) as copy:
                        for row in rows:
                            copy.write_row(row)
                    took += time.perf_counter() - t0
    return took


def figures(backend: Any, workdir: Path, events: int = MILLION) -> list[suite.Figure]:
    """Import `events` events into a database of their own, rebuild every projection,
    each beside its floor; the database is dropped after."""
    name = backend.name
    members = max(10, events // EVENTS_PER_MEMBER)
    tag = "M"
    size = f"{events:,} events"
    suite.log(f"{name}: write the {size} history ({members:,} members)")
    path = workdir / f"history-{tag}.jsonl"
    if not path.exists():  # the same file for both databases
        history.write(path, tag, members, events)
    url = backend.fresh("million")
    suite.log(f"{name}: import {size}")
    imported = suite.child("import", url, str(path))
    appended, seconds = imported["appended"], imported["seconds"]
    suite.log(f"{name}: import {appended:,} events in {seconds:.1f} s; raw insert floor")
    # the empty copy of the table lives in a database of its own, as the import's did
    floor_url = backend.fresh("million-floor")
    insert = write_seconds(url, floor_url, ["events"], 2_000)
    backend.drop(floor_url)
    suite.log(f"{name}: raw insert {insert:.1f} s; rebuild {size}")
    rebuilt = suite.child("rebuild", url)
    rebuild = rebuilt["seconds"]
    suite.log(f"{name}: rebuild {rebuild:.1f} s; raw read + write floor")
    read, rows = read_seconds(url, "events")
    write = write_seconds(url, url, suite.PROJECTION_TABLES, 10_000)
    projected = sum(read_seconds(url, t)[1] for t in suite.PROJECTION_TABLES)
    backend.drop(url)
    limit = 15 if name == "sqlite" else 20
    floor = read + write
    suite.log(f"{name}: raw read {read:.1f} s + write {write:.1f} s ({projected:,} rows)")
    return [
        suite.Figure(
            name,
            f"import {size} (events/s)",
            appended / seconds,
            "ev/s",
            appended / insert,
            "≥ 0.5× raw insert",
            appended / seconds >= 0.5 * appended / insert,
            f"measured on {appended:,} events, {members:,} members: {seconds:,.1f} s "
            f"(raw insert {insert:,.1f} s, 2,000 per transaction)",
        ),
        suite.Figure(
            name,
            f"import {size}: peak RSS",
            imported["peak_rss_mib"],
            "MiB",
            None,
            "< 300 MiB",
            imported["peak_rss_mib"] < 300,
            f"VmHWM of the importing process, {appended:,} events",
        ),
        suite.Figure(
            name,
            f"rebuild {size}, all real projectors (events/s)",
            rows / rebuild,
            "ev/s",
            rows / floor,
            "≥ 0.5× raw read + write",
            rebuild <= 2 * floor,
            f"measured on {rows:,} events: floor = raw read of every event ({read:,.1f} s) + "
            f"raw write of the {projected:,} projection rows ({write:,.1f} s); "
            f"peak RSS {rebuilt['peak_rss_mib']:.0f} MiB",
        ),
        suite.Figure(
            name,
            f"rebuild {size} (s)",
            rebuild,
            "s",
            floor,
            f"≤ {limit} s",
            rebuild <= limit,
            f"measured on {rows:,} events; floor = raw read + write ({floor:,.1f} s)",
        ),
    ]
