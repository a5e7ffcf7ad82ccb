"""`python -m bench [--quick] [--db sqlite|postgresql|both] [--sizes 1k,10k]`: the
product's figures beside their floors, measured in the same run, and the cost of
back-dated writes against in-order ones as the history grows (bench.dated, at the
`--sizes` given: 1k, 10k and 100k events by default, 1k with --quick); the full run
writes bench/RESULTS.md, the growth plot bench/growth.png (bench.dated) and the batch
cost plot bench/batch-growth.png. Not tests: nothing here asserts on a timing."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from bench import dated, million, suite
from bench.backends import DEFAULT_PG_URL, PostgresBackend, SQLiteBackend

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Sizes:
    members: int  # the read benches' cooperative (also imported and rebuilt)
    events: int  # its history: the import and rebuild size
    growth: tuple[tuple[int, int], ...]  # (members, events) of each write-cost point
    batches: int  # timed batches of 100 commands per point
    singles: int  # timed single POSTs
    reads: int  # timed requests per uncached read figure
    es_events: int  # eventsourcing appends and replay
    dated: tuple[int, ...]  # events of history at each back-dated write point (bench.dated)
    dated_singles: int  # timed single writes of each kind per point
    dated_batches: int  # timed batches of each kind per point
    dated_budget: float  # seconds: a back-dated batch estimated longer is not run
    asof: tuple[int, ...] = ()  # more histories (events) for the as-of reads
    million: int = 0  # events imported and rebuilt, measured (bench.million); 0: not run


# 22,000 events give each of 10,000 members a holding (admission, subscription, a few
# payments and transfers); the growth points are (members, events already recorded).
FULL = Sizes(
    10_000,
    22_000,
    ((100, 1_000), (1_000, 5_000), (10_000, 22_000)),
    10,
    400,
    30,
    20_000,
    (1_000, 10_000, 100_000),
    9,
    3,
    dated.BATCH_BUDGET,
    (1_000, 100_000),
)
QUICK = Sizes(300, 800, ((300, 800),), 2, 40, 5, 1_000, (1_000,), 3, 1, 10.0)


def run_backend(
    backend: Any, sizes: Sizes, workdir: Path
) -> tuple[list[suite.Figure], list[dict[str, Any]], list[dated.Point]]:
    figures: list[suite.Figure] = []
    suite.log(f"{backend.name}: import {sizes.events:,} events, {sizes.members:,} members")
    main_url = backend.fresh("main")
    seeded = suite.seed(main_url, workdir, "m", sizes.members, sizes.events)
    figures += suite.import_figures(backend, main_url, seeded)
    suite.log(f"{backend.name}: rebuild")
    figures.append(suite.rebuild_figure(backend, main_url))
    suite.log(f"{backend.name}: reads")
    figures += suite.read_figures(backend, main_url, "m", sizes.members, sizes.events, sizes.reads)
    for events in sizes.asof:  # the as-of reads on more histories
        members, tag = suite.asof_members(events), f"a{events}"
        suite.log(f"{backend.name}: as-of reads on {events:,} events, {members:,} members")
        url = backend.fresh(tag)
        suite.seed(url, workdir, tag, members, events)
        figures += suite.asof_figures(backend, url, tag, members, events, sizes.reads)
    growth: list[dict[str, Any]] = []
    for members, events in sizes.growth:
        if (members, events) == (sizes.members, sizes.events):
            url, tag = main_url, "m"
        else:
            tag = f"g{members}"
            url = backend.fresh(tag)
            suite.seed(url, workdir, tag, members, events)
        suite.log(f"{backend.name}: batches on {members:,} members, {events:,} events")
        figure = suite.batch_figure(backend, url, tag, members, sizes.batches)
        growth.append(
            {
                "members": members,
                "events": events,
                "us_per_event": 1e6 / figure.value,
                "floor_us_per_event": 1e6 / figure.floor if figure.floor else None,
            }
        )
        if (members, events) == sizes.growth[len(sizes.growth) // 2]:
            figures.append(figure)
            suite.log(f"{backend.name}: single POSTs")
            figures.append(suite.single_figure(backend, url, tag, members, sizes.singles))
    suite.log(f"{backend.name}: eventsourcing")
    figures += suite.eventsourcing_figures(backend, sizes.es_events)
    if sizes.million:
        figures += million.figures(backend, workdir, sizes.million)
    for g in growth:
        g["backend"] = backend.name
    points = [
        dated.measure(
            backend,
            workdir,
            events,
            sizes.dated_singles,
            sizes.dated_batches,
            sizes.dated_budget,
        )
        for events in sizes.dated
    ]
    return figures, growth, points


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "ms" or value < 100:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def table(figures: list[suite.Figure]) -> str:
    lines = [
        "| db | figure | product | floor | ratio | goal | met |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in figures:
        met = "—" if f.met is None else ("met" if f.met else "missed")
        ratio = "—" if f.ratio is None else f"{f.ratio:.2f}×"
        lines.append(
            f"| {f.backend} | {f.name} | {fmt(f.value, f.unit)} {f.unit} | "
            f"{fmt(f.floor, f.unit)} | {ratio} | {f.goal} | {met} |"
        )
    return "\n".join(lines)


def notes(figures: list[suite.Figure]) -> str:
    return "\n".join(f"- {f.backend}, {f.name}: {f.notes}" for f in figures if f.notes)


def plot(growth: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for name in sorted({g["backend"] for g in growth}):
        points = [g for g in growth if g["backend"] == name]
        xs = [g["events"] for g in points]
        ax.plot(xs, [g["us_per_event"] for g in points], marker="o", label=f"{name}: product")
        ax.plot(
            xs,
            [g["floor_us_per_event"] for g in points],
            ls="--",
            marker=".",
            label=f"{name}: floor",
        )
        for g in points:
            ax.annotate(f"{g['members']:,} members", (g["events"], g["us_per_event"]), fontsize=7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("events already in the ledger")
    ax.set_ylabel("µs per event (batch of 100 commands via HTTP)")
    ax.set_title("Write cost per event as the ledger and the membership grow")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def environment() -> str:
    load = os.getloadavg()
    return (
        f"{platform.node()} — {platform.platform()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, under a minute")
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgresql", "both"),
        default=None,
        help="default: both; with --quick, sqlite (add --db both for both in ~2 min)",
    )
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_PG_URL))
    parser.add_argument("--out", type=Path, default=None, help="RESULTS.md path (full run)")
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        help="also save the run (figures, growth, back-dated points) as JSON, to render "
        "runs made side by side together",
    )
    parser.add_argument(
        "--sizes",
        type=dated.parse_sizes,
        default=None,
        help="events of history of the back-dated write points, e.g. 1k,10k "
        "(default: 1k,10k,100k; with --quick, 1k)",
    )
    parser.add_argument(
        "--million",
        type=int,
        nargs="?",
        const=million.MILLION,
        default=0,
        metavar="EVENTS",
        help="also import and rebuild 1M events (or EVENTS), measured, beside their floors "
        "(about 10 more minutes a database)",
    )
    parser.add_argument(
        "--from",
        dest="runs",
        type=Path,
        nargs="+",
        default=None,
        help="measure nothing: write RESULTS.md and the plots from these runs' --json "
        "(say, one database each, run side by side)",
    )
    args = parser.parse_args(argv)
    if args.runs:
        return render([json.loads(p.read_text(encoding="utf-8")) for p in args.runs], args.out)
    sizes = QUICK if args.quick else FULL
    if args.million:
        sizes = replace(sizes, million=args.million)
    if args.sizes is not None:
        sizes = replace(sizes, dated=args.sizes)
    if args.db is None:
        args.db = "sqlite" if args.quick else "both"
    started = time.monotonic()
    at_start = environment()
    print(at_start)
    figures: list[suite.Figure] = []
    growth: list[dict[str, Any]] = []
    points: list[dated.Point] = []
    names = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    with tempfile.TemporaryDirectory(prefix="scic-bench-") as tmp:
        for name in names:
            backend: Any = (
                SQLiteBackend(Path(tmp) / "sqlite")
                if name == "sqlite"
                else PostgresBackend(args.pg_url)
            )
            try:
                with suite.shared_servers():
                    found, grown, measured = run_backend(backend, sizes, Path(tmp))
            finally:
                backend.close()
            figures += found
            growth += grown
            points += measured
            print(table(found), flush=True)  # in the log too, should a later backend fail
    took = time.monotonic() - started
    print()
    print(table(figures))
    print()
    print(notes(figures))
    print()
    print(dated.goals_table(points))
    print()
    print(dated.measures_table(points))
    print(f"\n{took:.0f} s")
    run = {
        "figures": [asdict(f) for f in figures],
        "growth": growth,
        "million": args.million,
        "dated": dated.run_of(points, command(args), took, at_start, environment()),
    }
    if args.json:
        args.json.write_text(json.dumps(run, indent=1), encoding="utf-8")
    if not args.quick:
        render([run], args.out)
    return 0


def render(runs: list[dict[str, Any]], out: Path | None) -> int:
    """RESULTS.md and both plots from one run, or from runs made side by side."""
    out = out or HERE / "RESULTS.md"
    figures = [suite.Figure(**f) for run in runs for f in run["figures"]]
    growth = [g for run in runs for g in run["growth"]]
    points = [dated.Point(**p) for run in runs for p in run["dated"]["points"]]
    made = "\n".join(
        f"- Command: `{run['dated']['heading'].rsplit(': `', 1)[1].rstrip('`')}` "
        f"({run['dated']['minutes']} min)\n"
        f"- Machine at start: {run['dated']['at_start']}\n"
        f"- Machine at end: {run['dated']['at_end']}"
        for run in runs
    )
    if len(runs) > 1:
        made += (
            f"\n- The {len(runs)} commands ran side by side, one database each: every ratio "
            "is within one command's run."
        )
    million_events = max(run.get("million", 0) for run in runs)
    if not million_events and any(f.name.startswith("import 1,000,000") for f in figures):
        million_events = million.MILLION  # a run saved before "million" was
    plot(growth, out.parent / "batch-growth.png")
    dated.plot(points, out.parent / "growth.png")
    out.write_text(
        results(figures, growth, made, million_events)
        + "\n"
        + dated.section([run["dated"] for run in runs]),
        encoding="utf-8",
    )
    print(f"wrote {out}, {out.parent / 'growth.png'} and {out.parent / 'batch-growth.png'}")
    return 0


def results(
    figures: list[suite.Figure],
    growth: list[dict[str, Any]],
    made: str,
    million_events: int,
) -> str:
    points = "\n".join(
        f"| {g['backend']} | {g['members']:,} | {g['events']:,} | {g['us_per_event']:.0f} | "
        f"{fmt(g['floor_us_per_event'])} |"
        for g in growth
    )
    million_note = (
        f"Import and rebuild are measured twice: on the {FULL.events:,}-event history of the "
        "read benches, and on a history of their own of "
        f"{million_events:,} events (`--million`, bench/million.py)."
        if million_events
        else "Import and rebuild figures for 1M events are extrapolated linearly from the "
        "size run (`--million` measures them)."
    )
    return f"""# Bench results

- Date: {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
{made}
- The machine was shared and loaded during the run (other engineers' test suites): trust
  the ratios, measured in the same run, more than the absolute figures.

Ratios: product ÷ floor for rates, floor ÷ product for latencies (1.00× = the floor).
Floors: the raw driver (sqlite3 `executemany`; psycopg `COPY`) writing or reading the same
rows, and a bare FastAPI app on the same uvicorn stack for HTTP figures. {million_note}

{table(figures)}

## Notes

{notes(figures)}

## Cost growth

Per-event cost of batches of 100 mixed commands via HTTP, on ledgers of growing size and
membership (members and events grow together here).

| db | members | events before | µs / event | floor µs / event |
|---|---|---|---|---|
{points}

![growth](batch-growth.png)
"""


def command(args: argparse.Namespace) -> str:
    words = ["python -m bench"]
    if args.db != "both":
        words.append(f"--db {args.db}")
    if args.sizes is not None:
        words.append("--sizes " + ",".join(dated.label(n) for n in args.sizes))
    if args.million:
        custom = args.million != million.MILLION
        words.append(f"--million {args.million}" if custom else "--million")
    return " ".join(words)


if __name__ == "__main__":
    sys.exit(main())
