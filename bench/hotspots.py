"""Where batch append spends its time: `python -m bench.hotspots [--db sqlite|postgresql]
[--bench batch-append-100|batch-append-stream|single-append|import] [--events N]`.

Runs one bench's timed loop under cProfile (so its rate here is not a figure to quote),
prints the top functions by own time and the ledger/ functions by cumulative time, and
writes the raw stats to bench/out/profile-<bench>-<db>.pstats (open with `python -m
pstats` or snakeviz)."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time
from pathlib import Path

from bench import benches, workload
from bench.backends import DEFAULT_PG_URL, PostgresBackend, SQLiteBackend
from ledger import EventStore
from ledger.bulk import import_jsonl
from ledger.db import create_engine

OUT_DIR = Path(__file__).resolve().parent / "out"


def _workload(backend, bench: str, n: int, workdir: Path):  # type: ignore[no-untyped-def]
    engine = create_engine(backend.fresh(f"profile_{bench}"))
    store = EventStore(engine, workload.make_registry())
    if bench == "import":
        path = workdir / "profile.jsonl"
        benches.write_jsonl(path, n)
        return engine, lambda: import_jsonl(store, path)
    if bench == "single-append":
        events = [workload.new_event(i) for i in range(n)]
        return engine, lambda: [store.append(s, [e]) for s, e in events]
    batches = benches._requests(n, 100, one_stream=bench == "batch-append-stream")
    for batch in batches[:5]:  # warm-up
        store.append_batch(batch)
    return engine, lambda: [store.append_batch(b) for b in batches[5:]]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotspots", description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--bench",
        default="batch-append-100",
        choices=("batch-append-100", "batch-append-stream", "single-append", "import"),
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="scic-profile-") as tmp:
        backend = (
            SQLiteBackend(Path(tmp) / "db") if args.db == "sqlite" else PostgresBackend(args.pg_url)
        )
        try:
            engine, fn = _workload(backend, args.bench, args.events, Path(tmp))
            profiler = cProfile.Profile()
            start = time.perf_counter()
            profiler.runcall(fn)
            seconds = time.perf_counter() - start
            engine.dispose()
        finally:
            backend.close()

    OUT_DIR.mkdir(exist_ok=True)
    out = OUT_DIR / f"profile-{args.bench}-{args.db}.pstats"
    profiler.dump_stats(out)
    print(
        f"{args.bench} on {args.db}: {args.events:,} events in {seconds:.2f} s under cProfile "
        f"(profiler overhead included; not a benchmark figure)\n"
    )
    for title, sort, restrict in (
        ("top functions by own time", "tottime", args.top),
        ("ledger/ by cumulative time", "cumulative", "ledger/"),
    ):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats(sort)
        if restrict == "ledger/":
            stats.print_stats("/ledger/", args.top)
        else:
            stats.print_stats(restrict)
        text = buffer.getvalue()
        body = text[text.find("   ncalls") :] if "   ncalls" in text else text
        print(f"== {title} ==")
        print(_shorten(body))
    print(f"stats: {out}")
    return 0


def _shorten(text: str) -> str:
    import site
    import sys

    prefixes = sorted(
        {
            *site.getsitepackages(),
            sys.prefix + "/lib/python3.11",
            str(Path(__file__).resolve().parent.parent),
        },
        key=len,
        reverse=True,
    )
    for prefix in prefixes:
        text = text.replace(prefix + "/", "")
    return text


if __name__ == "__main__":
    raise SystemExit(main())
