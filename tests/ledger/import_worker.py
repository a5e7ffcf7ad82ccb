"""Runs ledger.bulk.import_jsonl in its own process, so a test can kill it mid-import.

    python -m tests.ledger.import_worker URL FILE BATCH_SIZE

Uses the test vocabulary of tests/ledger/conftest.py and no projector. Prints the import
report as JSON when the import completes.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

from ledger import EventStore
from ledger.bulk import import_jsonl
from ledger.db import create_engine
from tests.ledger.conftest import make_registry


def main(argv: list[str]) -> int:
    url, path, batch_size = argv
    engine = create_engine(url)
    try:
        store = EventStore(engine, make_registry())
        report = import_jsonl(store, path, int(batch_size))
    finally:
        engine.dispose()
    print(json.dumps(asdict(report)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
