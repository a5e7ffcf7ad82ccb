"""API benches, over real HTTP: the FastAPI app (`scic.api.app.create_app`) served by
uvicorn in a background thread of this process on 127.0.0.1 (a free port), driven by one
keep-alive `httpx.Client`, on a fresh migrated database per bench. Every request carries a
manager token of the cooperative (`Authorization: Bearer …`), so authentication and the
access rule run as they do in production; uvicorn's access log is off.

Client and server share this process (and its GIL): each figure includes the client's own
cost of sending a request and reading the answer, and the client and the server's event
loop and worker thread take turns on the CPU. Request bodies are serialised before the
timed loop. Writes check every answer's status and the stored events afterwards.

Data that only sets the stage (cooperatives, members, subscriptions, grants) is seeded
through the command layer (`scic.commands.execute`) in write sessions of 500 commands,
not over HTTP, and is not timed."""

from __future__ import annotations

import cProfile
import io
import json
import math
import pstats
import random
import socket
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import sqlalchemy as sa
import uvicorn

from bench.benches import Result
from ledger.schema import events as events_table
from scic.access import tokens
from scic.api.app import create_app
from scic.commands import COMMANDS, Context, Outcome, execute
from scic.service import Service, open_service
from tests.api.conftest import TIERS_LIEU

WARMUP = 20  # untimed requests before each timed loop
CHUNK = 500  # seeding: commands per write session

# The cooperative of the API tests (a tiers-lieu with four categories).
STATUTES: dict[str, Any] = TIERS_LIEU
PRIVATE_CATEGORIES = ("salaries", "usagers", "soutiens")
SEED_DAY = date(2019, 3, 1)  # admissions and subscriptions
READ_DAY = date(2021, 1, 1)  # first as_of of the reads: every seeded event is before it


# -- server and client -----------------------------------------------------------------


class LiveServer:
    """The app served by uvicorn in a daemon thread, on a socket bound to a free port."""

    def __init__(self, service: Service) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(service), log_level="warning", access_log=False, lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run,
            kwargs={"sockets": [self.sock]},
            name="bench-uvicorn",
            daemon=True,
        )

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()

    def describe(self) -> dict[str, Any]:
        config = self.server.config
        factory = config.get_loop_factory()
        return {
            "server": f"uvicorn {uvicorn.__version__} (in-process thread)",
            "loop": getattr(factory, "__module__", None) or "asyncio",
            "http": getattr(config, "http_protocol_class", type(None)).__name__,
        }


@contextmanager
def serving(service: Service, secret: str) -> Iterator[tuple[LiveServer, httpx.Client]]:
    with (
        LiveServer(service) as server,
        httpx.Client(
            base_url=server.url,
            timeout=60.0,
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        ) as client,
    ):
        yield server, client


def open_bench_service(backend: Any, label: str) -> Service:
    return open_service(backend.fresh(label))


def manager_token(service: Service, coop: str) -> str:
    """A manager token of the cooperative (records events, reads every view)."""
    with service.engine.begin() as conn:
        return tokens.issue(
            conn,
            role="manager",
            now=service.store.clock(),
            coop_id=coop,
            label="bench",
            created_by="bench",
        ).secret


# -- seeding through the command layer -------------------------------------------------


def run_commands(
    service: Service, coop: str | None, items: list[tuple[str, dict[str, Any]]]
) -> list[Outcome]:
    """Execute commands in write sessions of CHUNK each (not over HTTP)."""
    ctx = Context(coop, "bench", service.today())
    outcomes: list[Outcome] = []
    for start in range(0, len(items), CHUNK):
        with service.store.write() as session:
            for name, body in items[start : start + CHUNK]:
                outcomes.append(
                    execute(session, ctx, name, COMMANDS[name].model.model_validate(body))
                )
    return outcomes


def create_coop(service: Service) -> str:
    return run_commands(service, None, [("coops", STATUTES)])[0].id


def admit_members(
    service: Service, coop: str, count: int, prefix: str = "Membre", public_every: int = 0
) -> list[str]:
    """`count` members; every `public_every`-th one (if > 0) a public body."""
    items = []
    for i in range(count):
        public = public_every and i % public_every == public_every - 1
        items.append(
            (
                "members",
                {
                    "name": f"{prefix} {i:06d}",
                    "kind": "organisation" if public else "person",
                    "category": "collectivites" if public else PRIVATE_CATEGORIES[i % 3],
                    "admitted_on": (SEED_DAY + timedelta(days=i % 500)).isoformat(),
                },
            )
        )
    return [o.id for o in run_commands(service, coop, items)]


def count_events(service: Service, event_type: str) -> int:
    with service.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count())
            .select_from(events_table)
            .where(events_table.c.type == event_type)
        ).scalar_one()


# -- timing helpers --------------------------------------------------------------------


def percentile(sorted_ms: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def latency(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(percentile(ordered, 99), 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "max_ms": round(ordered[-1], 3),
    }


def timed_requests(
    client: httpx.Client,
    requests: Sequence[tuple[str, str, bytes | None]],
    expect: int,
    budget: float | None = None,
    at_least: int = 10,
) -> tuple[float, list[float], int]:
    """Send requests one after the other; (total seconds, per-request ms, bytes read).
    With a `budget` (seconds), stop once it is spent and `at_least` requests are done.
    Any answer other than `expect` aborts the bench."""
    samples: list[float] = []
    received = 0
    clock = time.perf_counter
    start = clock()
    for method, url, body in requests:
        if budget is not None and len(samples) >= at_least and clock() - start >= budget:
            break
        t0 = clock()
        response = client.request(method, url, content=body)
        samples.append((clock() - t0) * 1000)
        if response.status_code != expect:
            raise RuntimeError(f"{method} {url}: HTTP {response.status_code} {response.text[:300]}")
        received += len(response.content)
    return clock() - start, samples, received


def _dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


# -- writes ----------------------------------------------------------------------------


def single_post(
    backend: Any, n: int, budget: float | None = None, subscriptions: int = 10
) -> Result:
    """POST /v1/coops/{coop}/payments, one command per request: each loads the
    cooperative, the subscription and the member, decides, appends one SharesPaid and
    updates the projections, in its own transaction. At most `n` requests, fewer if the
    `budget` (seconds) runs out first."""
    service = open_bench_service(backend, "api-single")
    try:
        coop = create_coop(service)
        members = admit_members(service, coop, subscriptions)
        subs = [
            o.id
            for o in run_commands(
                service,
                coop,
                [
                    (
                        "subscriptions",
                        {
                            "member_id": m,
                            "shares": 100_000,
                            "paid": "1250000.00",
                            "effective_date": "2020-01-01",
                        },
                    )
                    for m in members
                ],
            )
        ]
        secret = manager_token(service, coop)
        path = f"/v1/coops/{coop}/payments"
        bodies = [
            _dumps(
                {
                    "subscription_id": subs[i % len(subs)],
                    "amount": "1.00",
                    "effective_date": "2024-01-15",
                }
            )
            for i in range(WARMUP + n)
        ]
        with serving(service, secret) as (server, client):
            timed_requests(client, [("POST", path, b) for b in bodies[:WARMUP]], 201)
            seconds, samples, _ = timed_requests(
                client, [("POST", path, b) for b in bodies[WARMUP:]], 201, budget
            )
            info = server.describe()
        done = len(samples)
        stored = count_events(service, "SharesPaid")
        if stored != WARMUP + done:
            raise RuntimeError(f"{stored} SharesPaid stored, {WARMUP + done} posted")
        return Result(
            backend.name,
            "api-single-post",
            done,
            seconds,
            done / seconds,
            "req/s",
            {
                "command": "payments",
                "events_per_request": 1,
                "planned": n,
                "budget_s": budget,
                **latency(samples),
                **info,
            },
        )
    finally:
        service.close()


def batch_post(backend: Any, n: int, budget: float | None = None, size: int = 100) -> Result:
    """POST /v1/coops/{coop}/batch, `size` member admissions per request (one
    transaction each: per command, load the cooperative, decide, insert the party,
    append one MemberAdmitted, update the projections). At most `n` events, fewer if
    the `budget` (seconds) runs out first."""
    service = open_bench_service(backend, "api-batch")
    try:
        coop = create_coop(service)
        secret = manager_token(service, coop)
        path = f"/v1/coops/{coop}/batch"
        warm, timed = 3, max(1, n // size)
        bodies = [
            _dumps(
                {
                    "commands": [
                        {
                            "type": "members",
                            "body": {
                                "name": f"Membre {r:05d}-{i:03d}",
                                "kind": "person",
                                "category": PRIVATE_CATEGORIES[i % 3],
                                "admitted_on": "2020-01-01",
                            },
                        }
                        for i in range(size)
                    ]
                }
            )
            for r in range(warm + timed)
        ]
        with serving(service, secret) as (server, client):
            timed_requests(client, [("POST", path, b) for b in bodies[:warm]], 201)
            seconds, samples, _ = timed_requests(
                client, [("POST", path, b) for b in bodies[warm:]], 201, budget, at_least=5
            )
            info = server.describe()
        done = len(samples) * size
        stored = count_events(service, "MemberAdmitted")
        if stored != warm * size + done:
            raise RuntimeError(f"{stored} MemberAdmitted stored, {warm * size + done} posted")
        return Result(
            backend.name,
            "api-batch-post",
            done,
            seconds,
            done / seconds,
            "events/s",
            {
                "command": "members",
                "events_per_request": size,
                "requests": len(samples),
                "planned": timed * size,
                "budget_s": budget,
                **latency(samples),
                **info,
            },
        )
    finally:
        service.close()


# -- reads -----------------------------------------------------------------------------

READ_BENCHES = ("api-capital-table", "api-funding-mix", "api-member-lookup")


def seed_reads(service: Service, members: int) -> tuple[str, list[str], float]:
    """A cooperative with `members` members, one subscription each (every 50th member a
    public body), and a few grants with instalments; (coop, member ids, seconds)."""
    start = time.perf_counter()
    coop = create_coop(service)
    ids = admit_members(service, coop, members, public_every=50)
    run_commands(
        service,
        coop,
        [
            (
                "subscriptions",
                {
                    "member_id": m,
                    "shares": 2 if i % 50 == 49 else 1 + i % 10,
                    "paid": f"{(2 if i % 50 == 49 else 1 + i % 10) * 50}.00",
                    "effective_date": (SEED_DAY + timedelta(days=i % 500)).isoformat(),
                },
            )
            for i, m in enumerate(ids)
        ],
    )
    grants = run_commands(
        service,
        coop,
        [
            (
                "grants",
                {
                    "funder": {"name": "Région Normandie", "type": "region"},
                    "purpose": "operating",
                    "amount": "20000.00",
                    "awarded_on": "2020-02-01",
                    "justify_by": "2021-06-30",
                },
            ),
            (
                "grants",
                {
                    "funder": {"name": "Région Normandie", "type": "region"},
                    "purpose": "investment",
                    "amount": "15000.00",
                    "awarded_on": "2020-03-01",
                    "period_start": "2020-03-01",
                    "period_end": "2022-12-31",
                },
            ),
            (
                "grants",
                {
                    "funder": {"name": "Ville de Caen", "type": "municipality"},
                    "purpose": "operating",
                    "amount": "8000.00",
                    "awarded_on": "2020-04-01",
                },
            ),
            (
                "grants",
                {
                    "funder": {"name": "Fondation de France", "type": "foundation"},
                    "purpose": "operating",
                    "amount": "30000.00",
                    "awarded_on": "2020-05-01",
                },
            ),
            (
                "grants",
                {
                    "funder": {"name": "État", "type": "state"},
                    "purpose": "investment",
                    "amount": "12000.00",
                    "awarded_on": "2020-06-01",
                },
            ),
        ],
    )
    run_commands(
        service,
        coop,
        [
            ("grant-instalments", {"grant_id": g.id, "amount": amount, "effective_date": on})
            for g in grants
            for amount, on in (("4000.00", "2020-07-01"), ("3000.00", "2020-10-01"))
        ],
    )
    return coop, ids, time.perf_counter() - start


def reads(backend: Any, members: int, n: dict[str, int], chosen: list[str]) -> list[Result]:
    """The read benches on one seeded cooperative: capital table (uncached: a new as_of
    each request; cached: the same URL), funding mix (cached, uncached), member lookup
    (random members), and GET /health as the floor of the harness itself. One Result per
    figure; latency in extra (p50_ms, p99_ms…)."""
    service = open_bench_service(backend, "api-reads")
    try:
        coop, ids, seed_seconds = seed_reads(service, members)
        secret = manager_token(service, coop)
        base = f"/v1/coops/{coop}"
        results: list[Result] = []
        common = {"members": members, "seed_seconds": round(seed_seconds, 1)}

        def result(
            name: str, seconds: float, samples: list[float], received: int, **extra: Any
        ) -> Result:
            count = len(samples)
            return Result(
                backend.name,
                name,
                count,
                seconds,
                count / seconds,
                "req/s",
                {**latency(samples), "bytes_per_response": received // count, **common, **extra},
            )

        def days(path: str, count: int, skip: int = 0) -> list[tuple[str, str, None]]:
            """`count` URLs, each with a new as_of: every one a cache miss."""
            sep = "&" if "?" in path else "?"
            return [
                ("GET", f"{path}{sep}as_of={READ_DAY + timedelta(days=skip + i)}", None)
                for i in range(count)
            ]

        with serving(service, secret) as (_, client):
            # the floor of this harness: client, uvicorn, FastAPI routing; no token, no DB
            health = [("GET", "/health", None)]
            timed_requests(client, health * WARMUP, 200)
            s, lat, got = timed_requests(client, health * n["cached"], 200)
            results.append(result("api-http-floor", s, lat, got))
            if "api-capital-table" in chosen:
                path = f"{base}/capital-table?group_by=member"
                # sanity: every member appears (a row each) once all is seeded
                rows = client.get(f"{path}&as_of={READ_DAY}").json()["rows"]
                if len(rows) != members:
                    raise RuntimeError(f"capital table has {len(rows)} rows, {members} members")
                timed_requests(client, days(path, 3, skip=1), 200)  # warm-up
                s, lat, got = timed_requests(client, days(path, n["table_uncached"], 10), 200)
                results.append(result("api-capital-table-uncached", s, lat, got))
                cached = [("GET", f"{path}&as_of=2020-12-31", None)]
                timed_requests(client, cached * WARMUP, 200)  # first one builds the entry
                s, lat, got = timed_requests(client, cached * n["cached"], 200)
                results.append(result("api-capital-table-cached", s, lat, got))
            if "api-funding-mix" in chosen:
                path = f"{base}/funding-mix"
                cached = [("GET", f"{path}?as_of=2020-12-31", None)]
                timed_requests(client, cached * WARMUP, 200)
                s, lat, got = timed_requests(client, cached * n["cached"], 200)
                results.append(result("api-funding-mix-cached", s, lat, got))
                timed_requests(client, days(path, 3, skip=1), 200)
                s, lat, got = timed_requests(client, days(path, n["mix_uncached"], 10), 200)
                results.append(result("api-funding-mix-uncached", s, lat, got))
            if "api-member-lookup" in chosen:
                pick = random.Random(7)
                lookups = [
                    ("GET", f"{base}/members/{pick.choice(ids)}", None)
                    for _ in range(WARMUP + n["lookups"])
                ]
                timed_requests(client, lookups[:WARMUP], 200)
                s, lat, got = timed_requests(client, lookups[WARMUP:], 200)
                results.append(result("api-member-lookup", s, lat, got))
        return results
    finally:
        service.close()


# -- profiling: `python -m bench.api --db sqlite --what single-post` -------------------


class ThreadProfiles:
    """cProfile in every thread started while it is on: uvicorn's event loop thread and
    the worker threads that run sync endpoints (the server side, not the client)."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()

    def _hook(self, frame: Any, event: str, arg: Any) -> None:
        profile = cProfile.Profile()
        with self._lock:
            self.profiles.append(profile)
        profile.enable()  # replaces this hook in this thread

    def __enter__(self) -> ThreadProfiles:
        threading.setprofile(self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]

    def clear(self) -> None:
        """Forget what was recorded so far (start-up, warm-up)."""
        with self._lock:
            for profile in self.profiles:
                profile.clear()

    def stats(self) -> pstats.Stats:
        merged: pstats.Stats | None = None
        for profile in self.profiles:
            profile.disable()
            profile.create_stats()
            if not profile.stats:  # type: ignore[attr-defined]
                continue
            if merged is None:
                merged = pstats.Stats(profile)
            else:
                merged.add(profile)
        if merged is None:
            raise RuntimeError("nothing was profiled")
        return merged


def profile_requests(
    backend: Any, what: str, count: int, members: int, top: int
) -> tuple[str, pstats.Stats]:
    """Server-side cProfile over `count` requests of `what` (single-post: POST payments;
    capital-table: uncached GET capital-table?group_by=member, a new as_of each;
    member-lookup: GET members/{id} of random members)."""
    service = open_bench_service(backend, f"profile-{what}")
    try:
        if what == "single-post":
            coop = create_coop(service)
            member = admit_members(service, coop, 1)[0]
            sub = run_commands(
                service,
                coop,
                [
                    (
                        "subscriptions",
                        {
                            "member_id": member,
                            "shares": 100_000,
                            "paid": "1250000.00",
                            "effective_date": "2020-01-01",
                        },
                    )
                ],
            )[0].id
            body = _dumps(
                {"subscription_id": sub, "amount": "1.00", "effective_date": "2024-01-15"}
            )
            requests: list[tuple[str, str, bytes | None]]
            requests = [("POST", f"/v1/coops/{coop}/payments", body)] * (WARMUP + count)
            warm, expect = WARMUP, 201
        elif what == "member-lookup":
            coop, ids, _ = seed_reads(service, members)
            pick = random.Random(7)
            requests = [
                ("GET", f"/v1/coops/{coop}/members/{pick.choice(ids)}", None)
                for _ in range(WARMUP + count)
            ]
            warm, expect = WARMUP, 200
        else:
            coop, _, _ = seed_reads(service, members)
            path = f"/v1/coops/{coop}/capital-table?group_by=member"
            requests = [
                ("GET", f"{path}&as_of={READ_DAY + timedelta(days=i)}", None)
                for i in range(3 + count)
            ]
            warm, expect = 3, 200
        secret = manager_token(service, coop)
        with ThreadProfiles() as profiles, serving(service, secret) as (_, client):
            timed_requests(client, requests[:warm], expect)
            profiles.clear()
            seconds, samples, _ = timed_requests(client, requests[warm:], expect)
        stats = profiles.stats()
    finally:
        service.close()
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    print(
        f"{backend.name} {what}: {count} requests in {seconds:.2f} s under cProfile "
        f"({latency(samples)}); server threads only",
        file=out,
    )
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(
        r"scic|ledger|fastapi|starlette|pydantic|"
        r"sqlalchemy|uvicorn|json",
        top,
    )
    return out.getvalue(), stats


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile
    from pathlib import Path

    from bench.backends import DEFAULT_PG_URL, PostgresBackend, SQLiteBackend

    parser = argparse.ArgumentParser(
        prog="python -m bench.api",
        description=(
            "Server-side cProfile of API requests over real HTTP; prints the top functions "
            "by own and cumulative time, writes bench/out/profile-api-<what>-<db>.pstats."
        ),
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--what", choices=("single-post", "capital-table", "member-lookup"), default="single-post"
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        help="profiled requests (default 200; 1 capital table)",
    )
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    count = args.requests or (1 if args.what == "capital-table" else 200)
    with tempfile.TemporaryDirectory(prefix="scic-profile-") as tmp:
        backend = (
            SQLiteBackend(Path(tmp) / "db") if args.db == "sqlite" else PostgresBackend(args.pg_url)
        )
        try:
            text, stats = profile_requests(backend, args.what, count, args.members, args.top)
        finally:
            backend.close()
    print(text)
    out_dir = Path(__file__).resolve().parent / "out"
    out_dir.mkdir(exist_ok=True)
    target = out_dir / f"profile-api-{args.what}-{args.db}.pstats"
    stats.dump_stats(str(target))
    print(f"pstats: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
