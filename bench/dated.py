"""What a write costs when it is dated before the history, against one dated today, as
the history grows: `python -m bench.dated [--db sqlite|postgresql|both] [--sizes
1k,10k,100k]`. Prints the measures and the goals table of issue 29; `--plot` writes the
growth plot, `--results` replaces the section "Back-dated writes" of bench/RESULTS.md.

At each size a cooperative is imported with `ledger.bulk` (bench/history.py: admissions
from 2019-03-01 over 500 days, then subscriptions from 2024 on, payments, transfers; one
member per `EVENTS_PER_MEMBER` events, so a member's own history is as long at every
size and only the cooperative's grows). Then, through `scic.api.app` served by uvicorn
in a process of its own (bench/server.py):

- single writes: `POST …/subscriptions` of one share paid in full, dated today (in
  order: after every event) or dated `BACK`, in the first year of the cooperative, before
  almost all of its history (back-dated); the two alternate, the client times each
  request, the figure is the median;
- batches: `POST …/batch` of 100 such subscriptions, all dated today or all dated in the
  first year; µs per command, median of the repetitions.

A back-dated batch whose single write already costs more than `BATCH_BUDGET` seconds for
100 commands is not run: its line reads "not run" with that estimate. Single writes stop
repeating after `SINGLE_BUDGET` seconds (three of each at least); the tables say how
many. Not a test: nothing here asserts on a timing."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import history, suite
from bench.backends import DEFAULT_PG_URL, PostgresBackend, SQLiteBackend
from ledger.bulk import import_jsonl
from scic.service import open_service

HERE = Path(__file__).parent
EVENTS_PER_MEMBER = 20
BACK = date(2019, 9, 2)  # 185 days after the incorporation (history.START)
BATCH = 100
BATCH_BUDGET = 60.0  # seconds: a back-dated batch estimated longer is not run
SINGLE_BUDGET = 120.0  # seconds: past it, single writes stop repeating (3 of each at least)
SECTION = "## Back-dated writes"


@dataclass
class Point:
    backend: str
    size: int  # the history imported
    events: int  # events recorded before the first timed write
    members: int
    singles: list[float]  # ms, in order
    back_singles: list[float]  # ms, back-dated
    batches: list[float]  # µs per command, in order
    back_batches: list[float]  # µs per command, back-dated ([] when not run)

    @property
    def single(self) -> float:
        return statistics.median(self.singles)

    @property
    def back_single(self) -> float:
        return statistics.median(self.back_singles)

    @property
    def batch(self) -> float:
        return statistics.median(self.batches)

    @property
    def back_batch(self) -> float | None:
        return statistics.median(self.back_batches) if self.back_batches else None

    @property
    def back_batch_estimate(self) -> float:
        """µs per command the back-dated batch would cost at the single write's price."""
        return self.back_single * 1000


def parse_sizes(text: str) -> tuple[int, ...]:
    """`1k,10k,100k` → (1000, 10000, 100000)."""
    sizes = []
    for part in text.split(","):
        part = part.strip().lower()
        sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    return tuple(sizes)


def label(events: int) -> str:
    return f"{events // 1000}k" if events % 1000 == 0 else f"{events:,}"


def _subscription(tag: str, member: int, on: date | None) -> dict[str, Any]:
    body: dict[str, Any] = {"member_id": history.member_id(tag, member), "shares": 1}
    body["paid"] = f"{history.NOMINAL / 100:.2f}"
    if on is not None:
        body["effective_date"] = on.isoformat()
    return body


def seed(url: str, workdir: Path, tag: str, members: int, events: int) -> None:
    """`suite.seed` in this process: the import's own figures are not measured here, so
    no process of its own (one interpreter start less, most of a quick run's cost)."""
    path = workdir / f"history-{tag}.jsonl"
    history.write(path, tag, members, events)
    service = open_service(url)
    try:
        import_jsonl(service.store, str(path), batch_size=2_000)
        history.add_parties(service.engine, tag, members)
    finally:
        service.close()


def measure(
    backend: Any,
    workdir: Path,
    events: int,
    singles: int,
    batches: int,
    batch_budget: float = BATCH_BUDGET,
) -> Point:
    """One size: import, then timed single writes and batches, alternating in order and
    back-dated so that the load of the machine weighs on both alike."""
    members = max(10, events // EVENTS_PER_MEMBER)
    tag = f"d{label(events)}"
    url = backend.fresh(tag)
    suite.log(f"{backend.name}: import {events:,} events, {members:,} members")
    seed(url, workdir, tag, members, events)
    coop = history.coop_id(tag)
    secret = suite.manager_secret(url, coop)
    # members admitted on or before BACK (history.START + i % 500 days)
    early = [i for i in range(members) if i % 500 <= (BACK - history.START).days]

    def on_back(k: int) -> date:
        return BACK + timedelta(days=k % 60)

    single_path = f"/v1/coops/{coop}/subscriptions"
    batch_path = f"/v1/coops/{coop}/batch"
    point = Point(backend.name, events, suite.head(url), members, [], [], [], [])
    with (
        suite.server(url) as base,
        httpx.Client(base_url=base, timeout=3600, headers=suite._auth(secret)) as client,
    ):

        def single(k: int, back: bool) -> float:
            body = _subscription(tag, early[k % len(early)], on_back(k) if back else None)
            t0 = time.perf_counter()
            suite._check(client.post(single_path, json=body), 201)
            return (time.perf_counter() - t0) * 1000

        def batch(k: int, back: bool) -> float:
            commands = [
                {
                    "type": "subscriptions",
                    "body": _subscription(
                        tag, early[(k * BATCH + j) % len(early)], on_back(j) if back else None
                    ),
                }
                for j in range(BATCH)
            ]
            content = json.dumps({"commands": commands}).encode()
            t0 = time.perf_counter()
            suite._check(client.post(batch_path, content=content), 201)
            return (time.perf_counter() - t0) * 1e6 / BATCH

        suite.log(f"{backend.name}: {singles} + {singles} single writes on {events:,} events")
        single(0, False)  # warm-up: the server's first load of the timeline
        single(0, True)
        began = time.monotonic()
        for k in range(1, singles + 1):
            point.singles.append(single(k, False))
            point.back_singles.append(single(k, True))
            if k >= 3 and time.monotonic() - began > SINGLE_BUDGET:
                break
        run_back = point.back_batch_estimate * BATCH / 1e6 <= batch_budget
        suite.log(
            f"{backend.name}: {batches} + {batches if run_back else 0} batches of {BATCH} "
            f"on {events:,} events (single p50 {point.single:.1f} / {point.back_single:.1f} ms)"
        )
        for k in range(batches):
            point.batches.append(batch(k, False))
            if run_back:
                point.back_batches.append(batch(k, True))
    return point


def run(
    names: tuple[str, ...], sizes: tuple[int, ...], singles: int, batches: int, pg_url: str
) -> list[Point]:
    points: list[Point] = []
    with tempfile.TemporaryDirectory(prefix="scic-bench-dated-") as tmp:
        for name in names:
            backend: Any = (
                SQLiteBackend(Path(tmp) / "sqlite") if name == "sqlite" else PostgresBackend(pg_url)
            )
            try:
                for events in sizes:
                    points.append(measure(backend, Path(tmp), events, singles, batches))
            finally:
                backend.close()
    return points


# -- tables and plot -------------------------------------------------------------------


def _x(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}×"


def _verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "missed")


def measures_table(points: list[Point]) -> str:
    lines = [
        "| db | events before | members | single in order (p50 ms) | single back-dated "
        "(p50 ms) | back-dated ÷ in order | batch of 100 in order (µs/command) | batch of 100 "
        "back-dated (µs/command) | back-dated ÷ in order | timed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for p in points:
        if p.back_batch is None:
            back_batch = f"not run (≈ {p.back_batch_estimate:,.0f} at the single's price)"
            ratio = f"≈ {p.back_batch_estimate / p.batch:.0f}×"
        else:
            back_batch = f"{p.back_batch:,.0f}"
            ratio = _x(p.back_batch / p.batch)
        lines.append(
            f"| {p.backend} | {p.events:,} | {p.members:,} | {p.single:,.1f} | "
            f"{p.back_single:,.1f} | {_x(p.back_single / p.single)} | {p.batch:,.0f} | "
            f"{back_batch} | {ratio} | {len(p.singles)} + {len(p.back_singles)} singles, "
            f"{len(p.batches)} + {len(p.back_batches)} batches |"
        )
    return "\n".join(lines)


def goals_table(points: list[Point]) -> str:
    """Issue 29's goals for these measures, a column per database and size."""
    names = list(dict.fromkeys(p.backend for p in points))
    header = ["figure", "goal"]
    for name in names:
        header += [f"{name} {label(p.size)}" for p in points if p.backend == name]
        header.append(f"{name} met")
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]

    def row(figure: str, goal: str, cell: Any, ok: Any, span: Any) -> str:
        cells = [figure, goal]
        for name in names:
            mine = [p for p in points if p.backend == name]
            cells += [cell(p) for p in mine]
            cells.append(span(mine, ok))
        return "| " + " | ".join(cells) + " |"

    def every(mine: list[Point], ok: Any) -> str:
        verdicts = [ok(p) for p in mine]
        if any(v is None for v in verdicts):
            return "—"
        return _verdict(all(verdicts))

    def back_single(p: Point) -> str:
        return _x(p.back_single / p.single)

    def back_batch(p: Point) -> str:
        if p.back_batch is None:
            return f"≈ {p.back_batch_estimate / p.batch:.0f}× (not run)"
        return _x(p.back_batch / p.batch)

    def back_batch_ok(p: Point) -> bool:
        cost = p.back_batch if p.back_batch is not None else p.back_batch_estimate
        return cost <= 2 * p.batch

    def growth_cell(p: Point) -> str:
        first = min((q for q in points if q.backend == p.backend), key=lambda q: q.events)
        return _x(p.single / first.single)

    def growth_ok(mine: list[Point], _: Any) -> str:
        first, last = mine[0], mine[-1]
        if len(mine) < 2:
            return "—"
        return _verdict(last.single <= 1.5 * first.single)

    rows.append(
        row(
            "back-dated single write ÷ in-order single write",
            "≤ 2× at every size",
            back_single,
            lambda p: p.back_single <= 2 * p.single,
            every,
        )
    )
    rows.append(
        row(
            "in-order single write ÷ the same at the smallest size",
            "≤ 1.5× (1k → 100k)",
            growth_cell,
            None,
            growth_ok,
        )
    )
    rows.append(
        row(
            "batch of 100 back-dated ÷ batch of 100 in order (cost per command)",
            "≤ 2× (≥ 0.5× the in-order batch's rate)",
            back_batch,
            back_batch_ok,
            every,
        )
    )
    return "\n".join(rows)


def plot(points: list[Point], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in dict.fromkeys(p.backend for p in points):
        mine = [p for p in points if p.backend == name]
        xs = [p.events for p in mine]
        c = {"sqlite": "tab:blue", "postgresql": "tab:red"}.get(name)
        left.plot(xs, [p.single for p in mine], c=c, marker="o", label=f"{name}: dated today")
        back = [p.back_single for p in mine]
        left.plot(xs, back, c=c, marker="s", ls="--", label=f"{name}: back-dated")
        right.plot(xs, [p.batch for p in mine], c=c, marker="o", label=f"{name}: dated today")
        run = [p for p in mine if p.back_batch is not None]
        right.plot(
            [p.events for p in run],
            [p.back_batch for p in run],
            c=c,
            marker="s",
            ls="--",
            label=f"{name}: back-dated",
        )
        skipped = [p for p in mine if p.back_batch is None]
        if skipped:
            right.plot(
                [p.events for p in skipped],
                [p.back_batch_estimate for p in skipped],
                c=c,
                marker="x",
                ls="none",
                label=f"{name}: back-dated, not run (at the single write's price)",
            )
    left.set_title("One subscription via HTTP (p50)")
    left.set_ylabel("ms per request")
    right.set_title(f"A batch of {BATCH} subscriptions via HTTP (p50)")
    right.set_ylabel("µs per command")
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("events already in the ledger")
        ax.legend(fontsize=7)
    fig.suptitle(f"Writes dated today vs dated {BACK:%B %Y} (the cooperative's first year)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def heading(command: str) -> str:
    """Where and how a run was made: its date, the commit measured, its command."""
    return f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, at `{_commit()}`: `{command}`"


def run_of(
    points: list[Point], command: str, took: float, at_start: str, at_end: str
) -> dict[str, Any]:
    """A run as `--json` writes it and `--from` reads it back."""
    return {
        "heading": heading(command),
        "minutes": round(took / 60, 1),
        "at_start": at_start,
        "at_end": at_end,
        "points": [asdict(p) for p in points],
    }


def section(runs: list[dict[str, Any]], before: dict[str, Any] | None = None) -> str:
    """The section of RESULTS.md: the runs' points together (one per database when they
    ran side by side); `before`: an earlier run shown after them."""
    points = [Point(**p) for run in runs for p in run["points"]]
    made = "\n".join(
        f"- {run['heading']} ({run['minutes']} min)\n"
        f"- Machine at start: {run['at_start']}\n- Machine at end: {run['at_end']}"
        for run in runs
    )
    earlier = ""
    if before is not None:
        was = [Point(**p) for p in before["points"]]
        earlier = (
            f"\n### The same measure before: {before['heading']}\n\n"
            f"{goals_table(was)}\n\n{measures_table(was)}\n"
        )
    return f"""{SECTION}

{made}

One subscription of one share paid in full, through `scic.api.app` over HTTP, dated today
(after every event) or dated {BACK.isoformat()} + up to 59 days, in the cooperative's
first year: before every subscription, payment and transfer of the history and most of
its admissions. History imported with `ledger.bulk` (bench/history.py), one member per
{EVENTS_PER_MEMBER} events. Single writes alternate in order / back-dated, timed by the
client; batches are `POST …/batch` of {BATCH} such subscriptions. Medians.

{goals_table(points)}

{measures_table(points)}

![back-dated and in-order writes as the history grows](growth.png)
{earlier}"""


def _commit() -> str:
    """The last commit that changed the product (bench/ aside): the code measured."""
    import subprocess

    done = subprocess.run(
        ["git", "-C", str(HERE.parent), "log", "-1", "--format=%h %s", "--", ".", ":!bench"],
        capture_output=True,
        text=True,
        check=False,
    )
    found = done.stdout.strip()
    return found if len(found) <= 72 else found[:71] + "…"


def write_section(path: Path, text: str) -> None:
    """Replace the section (up to the next `## ` heading) or append it."""
    old = path.read_text(encoding="utf-8")
    start = old.find(SECTION)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(SECTION))
        new = old[:start] + text + (old[end + 1 :] if end >= 0 else "")
    path.write_text(new, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from bench.__main__ import environment

    parser = argparse.ArgumentParser(prog="python -m bench.dated", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sizes", type=parse_sizes, default=(1000, 10_000, 100_000))
    parser.add_argument("--singles", type=int, default=9, help="timed writes of each kind")
    parser.add_argument("--batches", type=int, default=3, help="timed batches of each kind")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG_URL))
    parser.add_argument("--plot", type=Path, default=None, help="growth plot (PNG)")
    parser.add_argument("--results", type=Path, default=None, help="RESULTS.md to update")
    parser.add_argument("--json", type=Path, default=None, help="every sample, as JSON")
    parser.add_argument(
        "--before", type=Path, default=None, help="an earlier run's --json, shown in --results"
    )
    parser.add_argument(
        "--from",
        dest="runs",
        type=Path,
        nargs="+",
        default=None,
        help="measure nothing: take the points of these runs' --json (say, one per database "
        "run side by side) for the tables, --plot and --results",
    )
    args = parser.parse_args(argv)
    command = " ".join(["python -m bench.dated", *(argv if argv is not None else sys.argv[1:])])
    if args.runs:
        runs = [json.loads(path.read_text(encoding="utf-8")) for path in args.runs]
    else:
        names = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
        at_start = environment()
        print(at_start)
        started = time.monotonic()
        measured = run(names, args.sizes, args.singles, args.batches, args.pg_url)
        took = time.monotonic() - started
        runs = [run_of(measured, command, took, at_start, environment())]
        print(f"\n{took:.0f} s")
    points = [Point(**p) for r in runs for p in r["points"]]
    print()
    print(goals_table(points))
    print()
    print(measures_table(points))
    if args.json:
        args.json.write_text(json.dumps(runs[0], indent=1), encoding="utf-8")
    if args.plot:
        plot(points, args.plot)
        print(f"wrote {args.plot}")
    if args.results:
        before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else None
        write_section(args.results, section(runs, before))
        print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
