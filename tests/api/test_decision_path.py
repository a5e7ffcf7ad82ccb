"""The decision path of one `POST …/payments`, traced: the project files whose functions
run from the route's function to the events handed to the ledger. The ledger itself, the
projectors, the history index (what the fold held at each point, filed as it folds: it
decides nothing), the access checks and the money and date helpers are left aside: they
are the same for every write. A newcomer following a payment reads at most these files."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from types import CodeType, FrameType
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledger.store import WriteSession
from scic.access.policy import routes_of
from tests.api.conftest import admit, create_coop, subscribe

ROOT = Path(__file__).parent.parent.parent
PROJECT = str(ROOT / "scic")
ASIDE = (
    "ledger/",
    "scic/projections/",
    "scic/domain/history_index.py",
    "scic/access/",
    "scic/money.py",
    "scic/dates.py",
)
MOST_FILES = (
    9  # the fold (scic/domain/fold.py) has a module of its own since the history index reads it
)


def _endpoint(app: FastAPI, path: str) -> CodeType:
    for route in routes_of(app.routes):
        if getattr(route, "path", None) == path and "POST" in getattr(route, "methods", ()):
            code: CodeType = route.endpoint.__code__
            return code
    raise LookupError(path)


class DecisionPath:
    """A profiler for every thread: records the files of the functions called between
    entering `start` and entering `stop`."""

    def __init__(self, start: CodeType, stop: CodeType) -> None:
        self.start, self.stop = start, stop
        self.files: list[str] = []
        self.calls: dict[str, set[str]] = {}
        self.recording = False
        self.done = False

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or self.done:
            return
        code = frame.f_code
        if code is self.start:
            self.recording = True
        if not self.recording:
            return
        if code is self.stop:
            self.recording, self.done = False, True
            return
        name = code.co_filename
        if name.startswith(PROJECT):
            relative = Path(name).relative_to(ROOT).as_posix()
            if not relative.startswith(ASIDE):
                if relative not in self.files:
                    self.files.append(relative)
                self.calls.setdefault(relative, set()).add(code.co_name)


def test_a_payment_is_decided_in_at_most_nine_files(app: FastAPI, client: TestClient) -> None:
    coop = create_coop(client)
    member = admit(client, coop, "Alice", "salaries")
    sub = subscribe(client, coop, member, 10, "250.00")["id"]
    path = DecisionPath(
        _endpoint(app, "/v1/coops/{coop_id}/payments"), WriteSession.append.__code__
    )
    threading.setprofile(path)  # the route runs in a worker thread of a fresh client
    sys.setprofile(path)
    try:
        with TestClient(app, headers=dict(client.headers)) as traced:
            r = traced.post(
                f"/v1/coops/{coop}/payments", json={"subscription_id": sub, "amount": "100.00"}
            )
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
    assert r.status_code == 201, r.text
    assert path.done, "the trace never reached the ledger's append"
    print("\n".join(path.files))
    walk = [f"{file}: {', '.join(sorted(path.calls[file]))}" for file in path.files]
    assert len(path.files) <= MOST_FILES, "\n".join(walk)
