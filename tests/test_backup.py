"""`scic export` then `scic import` into an empty database, and imports of the feed as
served, all through the console script against real databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger import schema as ledger_schema
from ledger.db import create_engine
from scic.access import tokens
from scic.api.app import create_app
from scic.demo import COOP, seed_demo
from scic.projections import tables, views
from scic.service import open_service
from scic.write.commands import COMMANDS
from scic.write.cooperative import CreateCoop
from scic.write.pipeline import Context, execute, scoped_key
from tests.test_cli import scic

FAR = date(2100, 1, 1)


@pytest.fixture
def source(database_url: str) -> Iterator[tuple[str, str, str]]:
    """The demo cooperative, a second one, an erased party and an idempotent write."""
    service = open_service(database_url)
    seed_demo(service)
    with service.store.write() as session:
        demo = session.conn.execute(sa.select(tables.coops.c.coop_id)).scalar_one()
        party = session.conn.execute(
            sa.select(tables.parties.c.party_id)
            .where(tables.parties.c.kind == "person")
            .order_by(tables.parties.c.party_id)
            .limit(1)
        ).scalar_one()
        ctx = Context(demo, actor="test", today=service.today())
        erase = COMMANDS["erasures"].model.model_validate(
            {"party_id": party, "reason": "demande RGPD"}
        )
        execute(session, ctx, COMMANDS["erasures"], erase)
        body = CreateCoop.model_validate({**COOP, "name": "Le Fournil Partagé", "siren": None})
        other = execute(session, Context(None, "test", service.today()), COMMANDS["coops"], body).id
        ctx = Context(other, actor="test", today=service.today())
        admit = COMMANDS["members"].model.model_validate(
            {"name": "Aline Roux", "kind": "person", "category": "salaries"}
        )
        execute(session, ctx, COMMANDS["members"], admit, scoped_key(ctx, "members", "k-1"))
    service.close()
    yield database_url, demo, other


@pytest.fixture
def target(databases) -> Iterator[str]:
    """A database with no schema at all: the import migrates it."""
    url = databases.empty()
    yield url
    databases.drop(url)


def dump(url: str) -> dict[str, list[str]]:
    """Every row of the ledger's and the projections' tables, in a comparable form."""
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(repr(tuple(row)) for row in conn.execute(sa.select(table)))
                for table in [
                    *ledger_schema.metadata.sorted_tables,
                    *tables.metadata.sorted_tables,
                ]
            }
    finally:
        engine.dispose()


def capital(url: str, coop: str, group_by: views.GroupBy = "member") -> views.CapitalTable:
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return views.capital_table(conn, coop, FAR, None, group_by)
    finally:
        engine.dispose()


def count(url: str, table: sa.Table) -> int:
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    except sa.exc.OperationalError:
        return 0  # never migrated
    except sa.exc.ProgrammingError:
        return 0
    finally:
        engine.dispose()


def ok(*args: str, url: str) -> str:
    result = scic(*args, url=url)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def refused(*args: str, url: str) -> str:
    """Exit 1 and one line of explanation on stderr, never a traceback."""
    result = scic(*args, url=url)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    message = [line for line in result.stderr.splitlines() if line.startswith("scic ")]
    assert len(message) == 1, result.stderr
    return message[0]


def test_a_full_backup_restores_positions_hashes_and_views(source, target, tmp_path) -> None:
    url, demo, other = source
    backup = tmp_path / "backup.jsonl"
    out = ok("export", "--all", str(backup), url=url)
    assert "exported" in out and "in " in out
    lines = [json.loads(line) for line in backup.read_text().splitlines()]
    assert [r["position"] for r in lines] == list(range(1, len(lines) + 1))
    assert {"hash", "prev_hash", "recorded_at", "actor", "tenant_id"} <= lines[0].keys()
    assert sum("idempotency" in r for r in lines) == 1
    people = [json.loads(p) for p in (tmp_path / "backup.parties.jsonl").read_text().splitlines()]
    assert {p["coop_id"] for p in people} == {demo, other}
    assert any(p["erased_at"] and p["name"] is None for p in people)
    assert "Aline Roux" not in backup.read_text()  # personal data stays beside the events

    restored = ok("import", str(backup), url=target)
    assert f"restored {len(lines)} events" in restored
    assert f"{len(lines)} verbatim" in restored
    assert "hash chain intact" in ok("verify", url=target)
    assert dump(target) == dump(url)
    for group_by in ("member", "category", "college"):
        assert capital(target, demo, group_by) == capital(url, demo, group_by)

    again = ok("import", str(backup), url=target)  # a second run finds everything there
    assert f"{len(lines)} already there" in again
    assert dump(target) == dump(url)


def test_one_cooperative_restores_with_its_ids_and_figures(source, target, tmp_path) -> None:
    url, demo, other = source
    backup = tmp_path / "other.jsonl"
    ok("export", "--coop", other, str(backup), url=url)
    lines = [json.loads(line) for line in backup.read_text().splitlines()]
    assert {r["tenant_id"] for r in lines} == {other}

    restored = ok("import", str(backup), url=target)
    # Its events follow the demo's in the source: positions are renumbered, hashes new.
    assert f"{len(lines)} re-chained" in restored
    assert "hash chain intact" in ok("verify", url=target)
    engine = create_engine(target, poolclass=sa.pool.NullPool)
    e = ledger_schema.events.c
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(e.position, e.event_id, e.stream_version, e.recorded_at, e.actor).order_by(
                e.position
            )
        ).all()
        keys = conn.execute(sa.select(ledger_schema.idempotency_keys)).mappings().all()
    engine.dispose()
    assert [r.position for r in stored] == list(range(1, len(lines) + 1))
    assert [(r.event_id, r.stream_version, r.actor) for r in stored] == [
        (x["event_id"], x["stream_version"], x["actor"]) for x in lines
    ]
    assert [k["last_position"] for k in keys] == [len(lines)]
    assert capital(target, other) == capital(url, other)
    assert count(target, tables.parties) == 1


def test_a_feed_page_as_served_is_importable(source, target, tmp_path) -> None:
    url, demo, _ = source
    service = open_service(url)
    with service.engine.begin() as conn:
        admin = tokens.issue(conn, role="admin", now=service.store.clock(), created_by="test")
    with TestClient(create_app(service)) as client:
        page = client.get(
            f"/v1/coops/{demo}/events",
            params={"limit": 1000},
            headers={"Authorization": f"Bearer {admin.secret}"},
        )
    service.close()
    assert page.status_code == 200
    events = page.json()["events"]
    (tmp_path / "page.json").write_text(page.text)
    (tmp_path / "feed.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))

    restored = ok("import", str(tmp_path / "page.json"), url=target)
    assert f"restored {len(events)} events" in restored
    assert "hash chain intact" in ok("verify", url=target)
    for group_by in ("category", "college"):  # the feed carries no names
        assert capital(target, demo, group_by) == capital(url, demo, group_by)

    # The same events one per line are the same events: all already there.
    assert f"{len(events)} already there" in ok("import", str(tmp_path / "feed.jsonl"), url=target)


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _without_envelope(lines: list[str], type_: str) -> dict[str, Any]:
    found = next(json.loads(line) for line in lines if json.loads(line)["type"] == type_)
    return {k: found[k] for k in ("stream_id", "type", "data", "effective_date")}


def test_a_bad_event_file_is_one_line_and_writes_nothing(source, databases, tmp_path) -> None:
    url, _, _ = source
    backup = tmp_path / "backup.jsonl"
    ok("export", "--all", str(backup), url=url)
    lines = backup.read_text().splitlines()
    tampered = json.loads(lines[40])
    tampered["data"]["shares"] = tampered["data"].get("shares", 0) + 1
    edited = lines.copy()
    edited[40] = json.dumps(tampered)
    cases = {
        "tampered": (edited, "line 41: its hash does not match its content"),
        "missing": (lines[:30] + lines[31:], "line 31: stream"),
        "truncated": (lines[:10] + [lines[10][:50]], "line 11: not JSON"),
        "not-an-event": (lines[:5] + ['{"position": 6, "event_id": "x"}'], "line 6: not a"),
    }
    target = databases.fresh()
    for name, (content, words) in cases.items():
        message = refused("import", str(write(tmp_path / f"{name}.jsonl", content)), url=target)
        assert words in message, (name, message)
    feed_cases = {
        "page.json": ('{"events": [{"type": "MemberAdmitted"}]}', "events[0]: not a recorded"),
        "junk.json": ("<html>", "not JSON"),
        "object.json": ('{"members": []}', "not a feed page"),
        # Events to append that lack what the projections need: this was a traceback.
        "plain.jsonl": (json.dumps(_without_envelope(lines, "MemberAdmitted")), "lines 1-1"),
    }
    for name, (content, words) in feed_cases.items():
        message = refused("import", str(write(tmp_path / name, [content])), url=target)
        assert words in message, (name, message)
    assert refused("import", str(tmp_path / "nowhere.jsonl"), url=target).endswith("no such file")
    assert "no cooperative 'coop_nope'" in refused(
        "export", "--coop", "coop_nope", str(tmp_path / "x.jsonl"), url=url
    )
    assert count(target, ledger_schema.events) == 0
    assert count(target, tables.parties) == 0
    databases.drop(target)


def test_an_imported_file_exports_each_event_once(source, databases, tmp_path) -> None:
    """An import's batch key ends on the batch's last event, which may carry a key of its
    own: the export still writes that event once, with the line's own key."""
    url, _, _ = source
    backup = tmp_path / "backup.jsonl"
    ok("export", "--all", str(backup), url=url)
    envelope = ("stream_id", "type", "data", "effective_date", "tenant_id", "subject_id")
    plain = [
        {k: r[k] for k in envelope if r.get(k) is not None}
        for r in map(json.loads, backup.read_text().splitlines())
    ]
    plain[9]["idempotency_key"] = "line-ten"  # the last line of the first batch of 10
    imported = tmp_path / "plain.jsonl"
    write(imported, [json.dumps(r) for r in plain])
    target = databases.fresh()
    ok("import", str(imported), "--batch-size", "10", url=target)

    again = tmp_path / "again.jsonl"
    ok("export", "--all", str(again), url=target)
    records = [json.loads(line) for line in again.read_text().splitlines()]
    assert [r["position"] for r in records] == list(range(1, len(plain) + 1))
    assert records[9]["idempotency"]["key"] == "line-ten"
