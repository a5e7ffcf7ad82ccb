"""Child process for the import and rebuild benches, so their peak RSS is their own.

  python -m bench.import_child import URL FILE [--batch-size N]
  python -m bench.import_child rebuild URL

Prints one JSON line (timings measured here, around the call only)."""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time

import sqlalchemy as sa

from bench import workload
from ledger import EventStore
from ledger import schema as ledger_schema
from ledger.bulk import import_jsonl
from ledger.db import create_engine


def vm_hwm_kib() -> int | None:
    """Peak RSS of this process image since exec (Linux VmHWM). Unlike ru_maxrss, it does
    not inherit the parent's RSS at spawn time."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _import(args: argparse.Namespace) -> dict:
    engine = create_engine(args.url)
    store = EventStore(engine, workload.make_registry())  # the generic store, no projector
    hwm_before = vm_hwm_kib()
    start = time.perf_counter()
    report = import_jsonl(store, args.file, batch_size=args.batch_size)
    seconds = time.perf_counter() - start
    engine.dispose()
    return {
        "seconds": seconds,
        "lines": report.lines,
        "appended": report.appended,
        "skipped": report.skipped,
        "hwm_before_kib": hwm_before,
        "hwm_kib": vm_hwm_kib(),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def _rebuild(args: argparse.Namespace) -> dict:
    engine = create_engine(args.url)
    projector = workload.BalanceProjector()
    store = EventStore(engine, workload.make_registry(), [projector])
    # The import ran without the projector. Record it as caught up at head, as it would be
    # had it run during the import; otherwise rebuild()'s write() would first catch the
    # never-run projector up (a whole extra replay) before emptying and replaying.
    with engine.begin() as conn:
        head = conn.execute(sa.select(sa.func.max(ledger_schema.events.c.position))).scalar()
        conn.execute(
            ledger_schema.projection_checkpoints.insert().values(
                name=projector.name, position=head or 0
            )
        )
    hwm_before = vm_hwm_kib()
    start = time.perf_counter()
    events = store.rebuild()
    seconds = time.perf_counter() - start
    with engine.connect() as conn:
        movements = conn.execute(sa.select(sa.func.sum(workload.balances.c.movements))).scalar()
    engine.dispose()
    return {
        "seconds": seconds,
        "events": events,
        "projection_ok": movements == events,
        "hwm_before_kib": hwm_before,
        "hwm_kib": vm_hwm_kib(),
        "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_child")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import")
    imp.add_argument("url")
    imp.add_argument("file")
    imp.add_argument("--batch-size", type=int, default=2_000)
    reb = commands.add_parser("rebuild")
    reb.add_argument("url")
    args = parser.parse_args()
    result = _import(args) if args.command == "import" else _rebuild(args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
