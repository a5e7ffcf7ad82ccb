"""Import and rebuild with the product's store (real registry, real projectors), in a
process of their own so that the peak RSS is theirs: `python -m bench.child import URL
FILE` or `python -m bench.child rebuild URL`; prints one JSON line."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from ledger.bulk import import_jsonl
from scic.service import open_service


def peak_rss_mib() -> float:
    """Peak RSS of this process image since exec (Linux VmHWM; unlike ru_maxrss it does
    not start from the parent's RSS at spawn time)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str]) -> dict[str, Any]:
    service = open_service(argv[1])
    try:
        start = time.perf_counter()
        if argv[0] == "import":
            report = import_jsonl(service.store, argv[2], batch_size=2_000)
            done: dict[str, Any] = {"appended": report.appended, "lines": report.lines}
        else:
            done = {"events": service.store.rebuild()}
        done["seconds"] = time.perf_counter() - start
    finally:
        service.close()
    return {**done, "peak_rss_mib": peak_rss_mib()}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
