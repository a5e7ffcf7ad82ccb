"""Streaming JSON Lines import: content, idempotent re-runs, refusals, resume after kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from ledger import EventStore, InvalidEvent, LedgerError, UnknownEventType
from ledger.bulk import import_jsonl
from ledger.schema import events as events_table
from ledger.schema import idempotency_keys
from tests.ledger.conftest import balances, count_events, make_registry

REPO_ROOT = Path(__file__).resolve().parents[2]


def record(i: int) -> dict[str, Any]:
    """Line i of a generated file: a mix of every test event type and envelope field."""
    account = f"acc-{i % 7}"
    base: dict[str, Any] = {"stream_id": f"stream-{i % 5}", "effective_date": "2026-02-01"}
    if i % 10 == 0:
        base.update(
            type="Opened", data={"account": account, "owner_ref": f"p-{i}"}, tenant_id="coop-1"
        )
    elif i % 10 == 5:
        base.update(
            type="Noted", data={"text": f"note {i}", "lang": "fr"}, effective_date="2026-02-15"
        )
    else:
        kind = "Withdrawn" if i % 3 == 0 else "Deposited"
        base.update(
            type=kind,
            data={"account": account, "amount_cents": 100 + i},
            subject_id=account,
            amount_cents=100 + i,
        )
    if i % 11 == 4:
        base["actor"] = f"clerk-{i}"
    if i % 13 == 6:
        base["idempotency_key"] = f"external-{i}"
    if i % 17 == 2 and base["type"] in ("Deposited", "Withdrawn"):
        base["reverses"] = f"00000000-0000-0000-0000-{i:012d}"
    return base


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def generated_file(path: Path, count: int) -> tuple[Path, list[dict[str, Any]]]:
    records = [record(i) for i in range(count)]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    lines.insert(count // 2, "")  # blank lines are skipped, not counted
    lines.insert(count // 3, "   ")
    return write_lines(path, lines), records


def expected_balances(records: list[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for r in records:
        sign = {"Deposited": 1, "Withdrawn": -1}.get(r["type"])
        if sign is None:
            continue
        if r.get("reverses"):
            sign = -sign
        account = r["data"]["account"]
        totals[account] = totals.get(account, 0) + sign * r["data"]["amount_cents"]
    return totals


def stored_balances(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(balances.c.account, balances.c.balance_cents)).all())


def key_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(idempotency_keys)).scalar_one()


def test_import_appends_every_line_with_its_envelope(store: EventStore, engine, tmp_path) -> None:
    path, records = generated_file(tmp_path / "events.jsonl", 1_000)
    consumed: list[int] = []
    report = import_jsonl(store, path, batch_size=64, progress=consumed.append, actor="importer")

    assert (report.lines, report.appended, report.skipped) == (1_000, 1_000, 0)
    assert sum(consumed) == path.stat().st_size
    assert len(consumed) == -(-1_000 // 64)
    assert count_events(engine) == 1_000 and store.head() == 1_000

    stored = store.read_all()
    assert [e.position for e in stored] == list(range(1, 1_001))
    versions: Counter[str] = Counter()
    for event, r in zip(stored, records, strict=True):
        versions[r["stream_id"]] += 1
        assert event.stream_id == r["stream_id"]
        assert event.stream_version == versions[r["stream_id"]]
        assert event.type == r["type"]
        assert event.schema_version == (2 if r["type"] == "Noted" else 1)
        assert event.data == r["data"]
        assert event.effective_date == date.fromisoformat(r["effective_date"])
        assert event.tenant_id == r.get("tenant_id")
        assert event.subject_id == r.get("subject_id")
        assert event.amount_cents == r.get("amount_cents")
        assert event.reverses == r.get("reverses")
        assert event.actor == r.get("actor", "importer")
        assert event.idempotency_key == r.get("idempotency_key")

    # One key per line that names one, and one per batch: the proof of the prefix landed.
    given = sum("idempotency_key" in r for r in records)
    assert key_count(engine) == given + -(-1_000 // 64)
    verified = store.verify()
    assert verified.ok and verified.checked == 1_000
    assert stored_balances(engine) == expected_balances(records)


@pytest.mark.parametrize("second_batch_size", [64, 7, 5_000])
def test_rerunning_the_same_file_appends_nothing(
    store: EventStore, engine, tmp_path, second_batch_size
) -> None:
    path, records = generated_file(tmp_path / "events.jsonl", 300)
    first = import_jsonl(store, path, batch_size=64)
    assert first.appended == 300
    before = store.read_all()
    balances_before = stored_balances(engine)

    again = import_jsonl(store, path, batch_size=second_batch_size)

    assert (again.lines, again.appended, again.skipped) == (300, 0, 300)
    assert store.read_all() == before
    assert stored_balances(engine) == balances_before == expected_balances(records)
    assert key_count(engine) == sum("idempotency_key" in r for r in records) + -(-300 // 64)
    assert store.verify().ok


def test_rerun_on_a_later_day_skips_lines_without_an_effective_date(
    store: EventStore, engine, tmp_path, clock
) -> None:
    """A line without effective_date takes the clock's date; resuming after midnight must
    still recognise the lines that landed rather than refuse them as a key reuse."""
    lines = [
        json.dumps(
            {"stream_id": "s", "type": "Deposited", "data": {"account": "a", "amount_cents": n}}
        )
        for n in range(1, 21)
    ]
    path = write_lines(tmp_path / "undated.jsonl", lines)
    assert import_jsonl(store, path, batch_size=8).appended == 20
    clock.advance(days=1)
    again = import_jsonl(store, path, batch_size=8)
    assert (again.appended, again.skipped) == (0, 20)
    assert count_events(engine) == 20
    assert {e.effective_date for e in store.read_all()} == {date(2026, 1, 1)}


BAD_LINES = {
    "not-json": ('{"stream_id": "s", "type": "Deposited", "data": {', InvalidEvent, "not JSON"),
    "no-stream": (
        '{"type": "Deposited", "data": {"account": "a", "amount_cents": 1}}',
        InvalidEvent,
        "stream_id",
    ),
    "unknown-type": (
        '{"stream_id": "s", "type": "Teleported", "data": {"account": "a"}}',
        UnknownEventType,
        "Teleported",
    ),
    "invalid-payload": (
        '{"stream_id": "s", "type": "Deposited", "data": {"account": "a", "amount_cents": -3}}',
        InvalidEvent,
        "greater than 0",
    ),
    "bad-date": (
        '{"stream_id": "s", "type": "Deposited", "effective_date": "31/01/2026", '
        '"data": {"account": "a", "amount_cents": 3}}',
        InvalidEvent,
        "not a date",
    ),
}


@pytest.mark.parametrize("bad", list(BAD_LINES), ids=list(BAD_LINES))
def test_a_malformed_line_stops_the_import_before_its_batch(
    store: EventStore, engine, tmp_path, bad
) -> None:
    bad_line, error, words = BAD_LINES[bad]
    records = [record(i) for i in range(25)]
    lines = [json.dumps(r) for r in records]
    lines[16] = bad_line  # line 17: in the second batch of 10
    path = write_lines(tmp_path / "bad.jsonl", lines)

    with pytest.raises(error, match=words) as refused:
        import_jsonl(store, path, batch_size=10)

    assert isinstance(refused.value, LedgerError)
    if bad in ("not-json", "no-stream"):
        assert refused.value.context["line"] == 17
    assert count_events(engine) == 10  # the first batch landed, nothing of the second
    assert [e.data for e in store.read_all()] == [r["data"] for r in records[:10]]
    assert stored_balances(engine) == expected_balances(records[:10])
    assert store.verify().ok

    # Once the line is fixed, a re-run skips what landed and appends the rest.
    lines[16] = json.dumps(records[16])
    write_lines(path, lines)
    report = import_jsonl(store, path, batch_size=10)
    assert (report.lines, report.appended, report.skipped) == (25, 15, 10)
    assert [e.data for e in store.read_all()] == [r["data"] for r in records]
    assert store.verify().ok


# -- resume after the importing process is killed ---------------------------------------

KILL_LINES = 60_000
KILL_BATCH = 500


def kill_record(i: int) -> dict[str, Any]:
    return {
        "stream_id": f"acct-{i % 4}",
        "type": "Deposited",
        "effective_date": "2026-03-01",
        "data": {"account": f"a{i % 4}", "amount_cents": i + 1},
        "amount_cents": i + 1,
    }


def start_worker(url: str, path: Path, batch: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.ledger.import_worker", url, str(path), str(batch)],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def landed(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.max(events_table.c.position))).scalar() or 0


@pytest.mark.slow
def test_import_resumes_after_the_process_is_killed(database_url, engine, tmp_path) -> None:
    records = [kill_record(i) for i in range(KILL_LINES)]
    path = write_lines(tmp_path / "big.jsonl", [json.dumps(r) for r in records])

    worker = start_worker(database_url, path, KILL_BATCH, tmp_path / "killed.log")
    try:
        deadline = time.monotonic() + 120
        while landed(engine) < 3 * KILL_BATCH:
            assert worker.poll() is None, (tmp_path / "killed.log").read_text()
            assert time.monotonic() < deadline, "the import never got going"
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            worker.kill()
        worker.wait(timeout=60)
    assert worker.returncode == -signal.SIGKILL

    # Taking the append lock waits for the dead writer's transaction to be rolled back.
    with EventStore(engine, make_registry()).write() as session:
        partial = session.head
    assert 3 * KILL_BATCH <= partial < KILL_LINES
    assert partial % KILL_BATCH == 0  # whole batches landed, never part of one
    assert count_events(engine) == partial

    log = tmp_path / "resumed.log"
    resumed = start_worker(database_url, path, KILL_BATCH, log)
    assert resumed.wait(timeout=600) == 0, log.read_text()
    report = json.loads(log.read_text().strip().splitlines()[-1])
    assert report == {"lines": KILL_LINES, "appended": KILL_LINES - partial, "skipped": partial}

    store = EventStore(engine, make_registry())
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                events_table.c.position,
                events_table.c.stream_id,
                events_table.c.stream_version,
                events_table.c.data,
            ).order_by(events_table.c.position)
        ).all()
    assert [row.position for row in rows] == list(range(1, KILL_LINES + 1))
    assert key_count(engine) == KILL_LINES // KILL_BATCH  # one per batch, none per line
    found = Counter((row.stream_id, json.dumps(row.data, sort_keys=True)) for row in rows)
    wanted = Counter((r["stream_id"], json.dumps(r["data"], sort_keys=True)) for r in records)
    assert found == wanted and max(found.values()) == 1
    per_stream: dict[str, list[int]] = {}
    for row in rows:
        per_stream.setdefault(row.stream_id, []).append(row.stream_version)
    assert all(v == list(range(1, len(v) + 1)) for v in per_stream.values())
    verified = store.verify()
    assert verified.ok and verified.checked == KILL_LINES


def test_a_grown_file_appends_only_its_new_lines(store: EventStore, engine, tmp_path) -> None:
    records = [record(i) for i in range(130)]
    lines = [json.dumps(r) for r in records]
    path = write_lines(tmp_path / "grows.jsonl", lines[:100])
    assert import_jsonl(store, path, batch_size=30).appended == 100

    write_lines(path, lines)
    again = import_jsonl(store, path, batch_size=40)

    assert (again.lines, again.appended, again.skipped) == (130, 30, 100)
    assert [e.data for e in store.read_all()] == [r["data"] for r in records]
    assert stored_balances(engine) == expected_balances(records)
    assert store.verify().ok


def test_a_file_edited_inside_what_landed_is_refused(store: EventStore, engine, tmp_path) -> None:
    """Re-importing it would append the unchanged lines after the edit a second time."""
    records = [record(i) for i in range(50)]
    lines = [json.dumps(r) for r in records]
    path = write_lines(tmp_path / "edited.jsonl", lines)
    assert import_jsonl(store, path, batch_size=20).appended == 50
    before = store.read_all()

    edited = {**records[25], "data": {**records[25]["data"], "amount_cents": 1}}
    lines[25] = json.dumps(edited)
    write_lines(path, lines)
    with pytest.raises(
        InvalidEvent, match=r"landed its lines 1-50, .* before line 51 \(it matches up to line 20\)"
    ) as refused:
        import_jsonl(store, path, batch_size=20)

    assert refused.value.context["line"] == 21
    assert store.read_all() == before
    assert stored_balances(engine) == expected_balances(records)


def test_a_file_saved_again_with_other_line_endings_is_the_same_file(
    store: EventStore, engine, tmp_path
) -> None:
    records = [record(i) for i in range(40)]
    lines = [json.dumps(r) for r in records]
    path = write_lines(tmp_path / "unix.jsonl", lines[:30])
    assert import_jsonl(store, path, batch_size=10).appended == 30

    # CRLF endings, a blank line more, no final newline, and ten lines added
    path.write_bytes(("\r\n".join(lines[:5] + [""] + lines[5:])).encode())
    again = import_jsonl(store, path, batch_size=15)

    assert (again.appended, again.skipped) == (10, 30)
    assert [e.data for e in store.read_all()] == [r["data"] for r in records]


def test_a_file_imported_one_key_per_line_by_an_earlier_version_resumes(
    store: EventStore, engine, tmp_path
) -> None:
    """Earlier versions kept `import:<sha256 of "number:line">` per line."""
    import hashlib

    from ledger import NewEvent
    from ledger.store import AppendRequest

    records = [kill_record(i) for i in range(30)]
    lines = [json.dumps(r) for r in records]
    path = write_lines(tmp_path / "old.jsonl", lines)
    with store.write() as session:
        for n, (r, line) in enumerate(zip(records[:20], lines[:20], strict=True), start=1):
            digest = hashlib.sha256(f"{n}:{line}".encode()).hexdigest()
            event = NewEvent(r["type"], r["data"], r["effective_date"], amount_cents=n)
            session.append(
                AppendRequest(r["stream_id"], [event], idempotency_key=f"import:{digest}")
            )

    report = import_jsonl(store, path, batch_size=8)

    assert (report.appended, report.skipped) == (10, 20)
    assert [e.data for e in store.read_all()] == [r["data"] for r in records]
    assert store.verify().ok
