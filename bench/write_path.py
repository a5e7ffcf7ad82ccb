"""The write path against its floors, measured in one run on one database:

    python -m bench.write_path --db sqlite
    python -m bench.write_path --db postgresql --members 5000

- batch: POST …/batch of 100 mixed commands (subscriptions, payments, transfers) to the
  real app under uvicorn in its own process; floor: the raw driver inserting the same
  rows (events, share movements, outbox) one transaction per 100 events, plus a bare
  FastAPI endpoint on the same server stack taking the same body;
- single: POST …/subscriptions from 8 client threads; floor: the bare FastAPI POST;
- rebuild: `EventStore.rebuild` of every projection; floor: raw read of the events and
  raw insert of the projection rows it produced;
- import: `scic import` of the ledger exported as JSON Lines, in a child process (its
  peak RSS); floor: the raw driver inserting the events rows (COPY on PostgreSQL).

Ratio = floor time / product time (1.0: as fast as the floor). Not a test: it prints
figures and asserts nothing about time."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from bench.write_model import Counter, _deferred, _drop_pg, _fresh_pg
from scic import database
from scic.access import tokens
from scic.service import Service, open_service
from scic.write.commands import COMMANDS
from scic.write.pipeline import Context, execute

COOP: dict[str, Any] = {
    "name": "Bench",
    "legal_form": "SAS",
    "share_nominal": "50.00",
    "statutory_floor": "0.00",
    "incorporated_on": "2019-01-01",
    "categories": [
        {"code": "salaries", "name": "Salariés", "role": "employees"},
        {"code": "usagers", "name": "Usagers", "role": "beneficiaries"},
        {"code": "collectivites", "name": "Collectivités", "public_body": True},
    ],
}
DAY = "2026-01-05"
CLIENTS = 8
# what one timed batch writes, besides `events` (copied by the floor)
WRITTEN = ("share_movements", "outbox")


# -- servers (child processes) ---------------------------------------------------------


def serve(kind: str, url: str, port: int) -> None:
    import uvicorn
    from fastapi import FastAPI

    if kind == "app":
        from scic.api.app import create_app

        app = create_app(open_service(url))
    else:
        app = FastAPI()

        @app.post("/v1/coops/{coop_id}/batch", status_code=201)
        def bare_batch(coop_id: str, body: dict[str, Any]) -> dict[str, Any]:
            return {"results": [{"id": "x", "event_ids": []} for _ in body["commands"]]}

        @app.post("/v1/coops/{coop_id}/subscriptions", status_code=201)
        def bare_single(coop_id: str, body: dict[str, Any]) -> dict[str, Any]:
            return {"id": "x", "event_ids": []}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


@contextmanager
def server(kind: str, url: str) -> Any:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.write_path",
            "--serve",
            kind,
            "--url",
            url,
            "--port",
            str(port),
        ]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/v1/health", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        child.terminate()
        child.wait(30)


# -- seeding (command layer, untimed) --------------------------------------------------


def run(service: Service, coop: str | None, items: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    ctx = Context(coop, "bench", date(2026, 11, 23))
    out = []
    for start in range(0, len(items), 500):
        with service.store.write() as session, _deferred(session):
            for name, body in items[start : start + 500]:
                model = COMMANDS[name].model.model_validate(body)
                out.append(execute(session, ctx, COMMANDS[name], model))
    return out


def seed(service: Service, members: int) -> tuple[str, list[str], list[str]]:
    """Members each holding 2 fully paid shares and a 4-share subscription paid 25 %."""
    coop = run(service, None, [("coops", COOP)])[0].id
    admit = [
        (
            "members",
            {
                "name": f"M{i}",
                "kind": "person",
                "category": ("salaries", "usagers", "collectivites")[
                    i % 3 if i % 10 == 0 else i % 2
                ],
                "admitted_on": "2019-01-01",
            },
        )
        for i in range(members)
    ]
    ids = [o.id for o in run(service, coop, admit)]
    run(service, coop, [("subscriptions", _sub(m, 2, "100.00", "2019-06-01")) for m in ids])
    partial = run(
        service, coop, [("subscriptions", _sub(m, 4, "50.00", "2019-06-02")) for m in ids]
    )
    return coop, ids, [o.id for o in partial]


def _sub(member: str, shares: int, paid: str, on: str = DAY) -> dict[str, Any]:
    return {"member_id": member, "shares": shares, "paid": paid, "effective_date": on}


def mixed_batches(ids: list[str], subs: list[str], count: int) -> list[bytes]:
    """`count` batches of 100: a third subscriptions, payments, transfers."""
    bodies, n = [], len(ids)
    pays = iter([s for _ in range(3) for s in subs])
    for b in range(count):
        commands: list[dict[str, Any]] = []
        for i in range(100):
            k = b * 100 + i
            if i % 3 == 0:
                commands.append({"type": "subscriptions", "body": _sub(ids[k % n], 1, "50.00")})
            elif i % 3 == 1:
                pay = {"subscription_id": next(pays), "amount": "50.00", "effective_date": DAY}
                commands.append({"type": "payments", "body": pay})
            else:
                giver, taker = ids[k % n], ids[(k + 1) % n]
                body: dict[str, Any] = {"from_member_id": giver, "to_member_id": taker, "shares": 1}
                commands.append({"type": "transfers", "body": {**body, "effective_date": DAY}})
        bodies.append(json.dumps({"commands": commands}).encode())
    return bodies


# -- floors ----------------------------------------------------------------------------


def raw_connection(url: str) -> Any:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        conn = sqlite3.connect(str(parsed.database), isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn
    import psycopg

    return psycopg.connect(parsed.set(drivername="postgresql").render_as_string(False))


def raw_insert(
    url: str, tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]], per: int
) -> float:
    """Seconds for the raw driver to insert `tables`' rows into empty copies, committing
    every `per` rows of the first table (the events) with the others' rows in proportion.
    PostgreSQL: COPY."""
    from psycopg.types.json import Jsonb

    conn = raw_connection(url)
    sqlite = not hasattr(conn, "pgconn")
    cur = conn.cursor()
    for name in tables:
        cur.execute(f"DROP TABLE IF EXISTS floor_{name}")
        cur.execute(f"CREATE TABLE floor_{name} AS SELECT * FROM {name} WHERE 1 = 0")
    if not sqlite:
        conn.commit()
    first = len(next(iter(tables.values()))[1])
    chunks = max(first // per, 1)
    start = time.perf_counter()
    for c in range(chunks):
        if sqlite:
            cur.execute("BEGIN")
        for name, (columns, rows) in tables.items():
            part = rows[len(rows) * c // chunks : len(rows) * (c + 1) // chunks]
            if not part:
                continue
            cols = ", ".join(columns)
            if sqlite:
                marks = ", ".join("?" * len(columns))
                cur.executemany(f"INSERT INTO floor_{name} ({cols}) VALUES ({marks})", part)
            else:
                with cur.copy(f"COPY floor_{name} ({cols}) FROM STDIN") as copy:
                    for row in part:
                        copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row])
        conn.commit()
    seconds = time.perf_counter() - start
    for name in tables:
        cur.execute(f"DROP TABLE floor_{name}")
    conn.commit()
    conn.close()
    return seconds


def rows_of(url: str, table: str, where: str = "") -> tuple[list[str], list[tuple[Any, ...]]]:
    conn = raw_connection(url)
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM {table} {where}")
    columns = [d[0] for d in cur.description]
    rows = [tuple(r) for r in cur.fetchall()]
    conn.close()
    return columns, rows


def raw_read_events(url: str) -> float:
    conn = raw_connection(url)
    cur = conn.cursor()
    start = time.perf_counter()
    cur.execute("SELECT * FROM events ORDER BY position")
    while cur.fetchmany(10_000):
        pass
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


# -- the benches -----------------------------------------------------------------------


def post_all(base: str, token: str, path: str, bodies: list[bytes], clients: int) -> float:
    """Seconds to POST every body, `clients` threads each with its own keep-alive client."""
    errors: list[str] = []

    def worker(part: list[bytes]) -> None:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
            for body in part:
                answer = client.post(path, content=body)
                if answer.status_code != 201:
                    errors.append(f"{answer.status_code} {answer.text[:300]}")

    threads = [threading.Thread(target=worker, args=(bodies[i::clients],)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(errors[0])
    return time.perf_counter() - start


def figure(label: str, count: int, unit: str, seconds: float, floor: float) -> dict[str, Any]:
    rate, floor_rate, ratio = count / seconds, count / floor, floor / seconds
    print(f"{label:<34} {rate:10,.0f} {unit}   floor {floor_rate:10,.0f}   ratio {ratio:5.2f}")
    return {"what": label, "rate": rate, "floor": floor_rate, "ratio": ratio}


def bench(url: str, members: int, batches: int, singles: int) -> list[dict[str, Any]]:
    service = open_service(url)
    counter = Counter(service.engine)
    coop, ids, subs = seed(service, members)
    with service.engine.begin() as conn:
        token = tokens.issue(
            conn, role="manager", now=service.store.clock(), coop_id=coop, label="b", created_by="b"
        ).secret
    service.close()
    print(f"{sa.engine.make_url(url).get_backend_name()}: {members} members seeded")
    results = []
    bodies = mixed_batches(ids, subs, batches + 2)
    singles_bodies = [
        json.dumps(_sub(ids[i % members], 1, "50.00")).encode() for i in range(singles)
    ]
    path = f"/v1/coops/{coop}"
    with server("bare", url) as bare:
        post_all(bare, token, f"{path}/batch", bodies[:2], 1)
        bare_batch = post_all(bare, token, f"{path}/batch", bodies[2:], 1)
        bare_single = post_all(bare, token, f"{path}/subscriptions", singles_bodies, CLIENTS)
    with server("app", url) as app:
        post_all(app, token, f"{path}/batch", bodies[:2], 1)  # warm the fold cache
        before = _head(url)
        product_batch = post_all(app, token, f"{path}/batch", bodies[2:], 1)
        after = _head(url)
        product_single = post_all(app, token, f"{path}/subscriptions", singles_bodies, CLIENTS)
    events = after - before
    where = f"WHERE position > {before} AND position <= {after}"
    written = {"events": rows_of(url, "events", where)}
    moved_ids = {r[1] for r in written["events"][1]}
    for name in WRITTEN:
        columns, rows = rows_of(url, name)
        key = columns.index("event_id")
        written[name] = (columns, [r for r in rows if r[key] in moved_ids])
    raw = raw_insert(url, written, 100)
    results.append(
        figure("batch of 100 mixed via HTTP", events, "ev/s", product_batch, raw + bare_batch)
    )
    results.append(figure("single POST, 8 clients", singles, "req/s", product_single, bare_single))
    # statements per event of the batch path, at the command layer (same code as the route)
    service = open_service(url)
    counter = Counter(service.engine)
    extra = mixed_batches(ids, subs[len(subs) // 2 :], 1)[0]
    commands = json.loads(extra)["commands"]
    ctx = Context(coop, "bench", date(2026, 11, 23))
    with service.store.write() as session, _deferred(session):
        counter.count = 0
        for item in commands:
            model = COMMANDS[item["type"]].model.model_validate(item["body"])
            execute(session, ctx, COMMANDS[item["type"]], model)
        statements = counter.count
    print(f"{'statements per batch event':<34} {statements / len(commands):10.2f}")
    # rebuild
    head = _head(url)
    start = time.perf_counter()
    service.store.rebuild()
    rebuilt = time.perf_counter() - start
    service.close()
    projection = {
        t: rows_of(url, t)
        for t in ("members", "subscriptions", "share_movements", "member_categories", "outbox")
    }
    floor = raw_read_events(url) + raw_insert(url, projection, 10**9)
    results.append(figure("rebuild, every projection", head, "ev/s", rebuilt, floor))
    # import into a fresh database
    results.append(import_figure(url, head))
    return results


def _head(url: str) -> int:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT max(position) FROM events").scalar() or 0
    engine.dispose()
    return int(value)


def import_figure(url: str, events: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp())
    export = tmp / "ledger.jsonl"
    columns, rows = rows_of(url, "events", "ORDER BY position")
    with export.open("w") as out:
        for row in rows:
            r = dict(zip(columns, row, strict=True))
            data = r["data"] if isinstance(r["data"], dict) else json.loads(r["data"])
            line = {
                "stream_id": r["stream_id"],
                "type": r["type"],
                "data": data,
                "effective_date": str(r["effective_date"]),
                "tenant_id": r["tenant_id"],
                "subject_id": r["subject_id"],
                "amount_cents": r["amount_cents"],
                "actor": r["actor"],
            }
            out.write(json.dumps(line) + "\n")
    target = (
        f"sqlite:///{tmp}/import.db"
        if url.startswith("sqlite")
        else _fresh_pg(sa.engine.make_url(url).set(database="test").render_as_string(False))
    )
    database.upgrade(target)
    child = subprocess.run(
        [sys.executable, "-m", "bench.write_path", "--import-into", target, "--file", str(export)],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(child.stdout.strip().splitlines()[-1])
    floor = raw_insert(target, {"events": (columns, rows)}, 2_000)
    if not target.startswith("sqlite"):
        _drop_pg(target)
    print(f"{'import peak RSS':<34} {report['rss_mib']:10.1f} MiB")
    return figure("import (JSONL, all projections)", events, "ev/s", report["seconds"], floor)


def import_child(url: str, file: str) -> None:
    from ledger.bulk import import_jsonl

    service = open_service(url)
    start = time.perf_counter()
    report = import_jsonl(service.store, file)
    seconds = time.perf_counter() - start
    rss = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                rss = int(line.split()[1])
    print(json.dumps({"seconds": seconds, "appended": report.appended, "rss_mib": rss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--singles", type=int, default=800)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--serve", choices=["app", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--import-into", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.url, args.port)
    if args.import_into:
        return import_child(args.import_into, args.file)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db" if args.db == "sqlite" else _fresh_pg(args.pg_url)
        database.upgrade(url)
        try:
            bench(url, args.members, args.batches, args.singles)
        finally:
            if args.db == "postgresql":
                _drop_pg(url)


if __name__ == "__main__":
    main()
