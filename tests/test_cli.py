"""The installed `scic` console script, run as a separate process against a real database."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from ledger import EventStore, NewEvent
from ledger.db import create_engine
from ledger.schema import projection_checkpoints
from scic import database
from scic.service import projectors
from tests.ledger.conftest import make_registry
from tests.ledger.test_store import tamper
from tests.live import running_server, scic_script


def scic(
    *args: str, url: str | None, cwd: Path | None = None, **env_vars: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"} | env_vars
    if url is not None:
        env["SCIC_DATABASE_URL"] = url
    return subprocess.run(
        [scic_script(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url, poolclass=sa.pool.NullPool)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_url(databases) -> Iterator[str]:
    url = databases.empty()
    yield url
    databases.drop(url)


def append_deposits(engine: sa.Engine, count: int) -> EventStore:
    """Events of the generic test vocabulary, written straight through the ledger."""
    store = EventStore(engine, make_registry())
    for cents in range(1, count + 1):
        store.append(
            "s1",
            [
                NewEvent(
                    "Deposited",
                    {"account": "a", "amount_cents": cents},
                    effective_date="2026-01-10",
                    amount_cents=cents,
                )
            ],
        )
    return store


def table_names(url: str) -> set[str]:
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_and_downgrade(empty_url: str) -> None:
    up = scic("db", "upgrade", url=empty_url)
    assert up.returncode == 0, up.stderr
    assert {"events", "idempotency_keys", "projection_checkpoints"} <= table_names(empty_url)
    engine = create_engine(empty_url, poolclass=sa.pool.NullPool)
    try:
        assert database.current_revision(engine) is not None
    finally:
        engine.dispose()

    down = scic("db", "downgrade", "base", url=empty_url)
    assert down.returncode == 0, down.stderr
    assert table_names(empty_url) <= {"alembic_version"}


def test_verify_an_empty_ledger(database_url: str) -> None:
    result = scic("verify", url=database_url)
    assert result.returncode == 0, result.stderr
    assert "hash chain intact: 0 events" in result.stdout
    # It says plainly what no verify mode covers.
    assert "not verified: parties" in result.stdout and "api_tokens" in result.stdout


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE events SET amount_cents = 999 WHERE position = 3",
        "DELETE FROM events WHERE position = 3",
    ],
    ids=["edited", "deleted"],
)
def test_verify_names_the_first_broken_position(database_url: str, engine, sql) -> None:
    append_deposits(engine, 5)
    intact = scic("verify", url=database_url)
    assert intact.returncode == 0, intact.stderr
    assert "hash chain intact: 5 events" in intact.stdout

    tamper(engine, sql)
    broken = scic("verify", url=database_url)
    assert broken.returncode == 1, broken.stderr
    assert "hash chain broken at position 3" in broken.stdout
    assert "intact" not in broken.stdout


def test_rebuild_replays_every_event(database_url: str, engine) -> None:
    store = append_deposits(engine, 4)
    result = scic("rebuild", url=database_url)
    assert result.returncode == 0, result.stderr
    assert "rebuilt projections from 4 events" in result.stdout
    with engine.connect() as conn:
        saved = dict(
            conn.execute(
                sa.select(projection_checkpoints.c.name, projection_checkpoints.c.position)
            ).all()
        )
    assert saved == {p.name: 4 for p in projectors()}
    assert store.verify().ok


def test_serve_answers_health_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    data = str(tmp_path / "data")
    with running_server(tmp_path, None, cwd=tmp_path / "work", XDG_DATA_HOME=data) as (port, _):
        log = tmp_path / f"serve-{port}.log"
    # SCIC_DATABASE_URL unset: the one documented place, printed, not the working folder
    default = tmp_path / "data" / "scic" / "scic.db"
    assert f"database: sqlite:///{default}" in log.read_text()
    assert {"events", "alembic_version"} <= table_names(f"sqlite:///{default}")
    assert not list((tmp_path / "work").iterdir())


def test_rebuild_is_refused_while_a_server_runs(database_url: str, tmp_path: Path) -> None:
    """A rebuild holds the write lock for its whole replay: beside a running server, the
    server's writes would wait and then fail. It is refused at once, saying why."""
    database.upgrade(database_url)
    with running_server(tmp_path, database_url) as (port, _):
        refused = scic("rebuild", url=database_url)
        assert refused.returncode == 1, refused.stdout
        assert "a server is running" in refused.stderr
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    done = scic("rebuild", url=database_url)
    assert done.returncode == 0, done.stderr


RECEIPT_KEY = "a key that lives outside the database"


def test_head_and_receipts_catch_a_truncation_that_hides_itself(
    database_url: str, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    append_deposits(engine, 5)
    head = scic("head", url=database_url)
    assert head.returncode == 0, head.stderr
    position, _, head_hash = head.stdout.strip().partition(":")
    assert position == "5" and len(head_hash) == 64

    unsigned = scic("head", "--sign", "before the AG", url=database_url)
    assert unsigned.returncode == 2 and "SCIC_RECEIPT_KEY" in unsigned.stderr
    monkeypatch.setenv("SCIC_RECEIPT_KEY", RECEIPT_KEY)
    signed = scic("head", "--sign", "before the AG", url=database_url)
    assert signed.returncode == 0, signed.stderr
    receipts = tmp_path / "receipts.jsonl"
    receipts.write_text(signed.stdout)

    tamper(engine, "DELETE FROM events WHERE position > 3")
    with engine.begin() as conn:  # the checkpoints and stored receipts go too
        conn.execute(sa.text("UPDATE projection_checkpoints SET position = 3"))
        conn.execute(sa.text("DELETE FROM head_receipts"))
    assert scic("verify", url=database_url).returncode == 0, "alone, the chain looks fine"
    for given in (["--head", head.stdout.strip()], ["--receipts", str(receipts)]):
        broken = scic("verify", *given, url=database_url)
        assert broken.returncode == 1, broken.stdout
        assert "broken at position 4: truncated" in broken.stdout


def test_verify_projections_names_a_row_edited_by_hand(database_url: str, engine) -> None:
    from fastapi.testclient import TestClient

    from scic.api.app import create_app
    from scic.service import open_service
    from tests.api.conftest import admit, bearer, create_coop, issue_token, subscribe

    service = open_service(database_url)
    try:
        with TestClient(
            create_app(service), headers=bearer(issue_token(service, "admin").secret)
        ) as client:
            coop = create_coop(client)
            alice = admit(client, coop, "Alice Martin", "salaries")
            subscribe(client, coop, alice, 4, "200.00")
    finally:
        service.close()
    clean = scic("verify", "--projections", url=database_url)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "projections match" in clean.stdout
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE members SET shares = shares + 1000"))
    edited = scic("verify", "--projections", url=database_url)
    assert edited.returncode == 1
    assert f"projection members row ('{alice}',)" in edited.stdout


def test_token_create_names_its_database_and_warns_on_an_empty_one(tmp_path: Path) -> None:
    data = {"XDG_DATA_HOME": str(tmp_path / "data")}
    default = tmp_path / "data" / "scic" / "scic.db"
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    first = scic("token", "create", "--role", "admin", url=None, cwd=tmp_path / "a", **data)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-1].startswith("scic_")
    assert f"database: sqlite:///{default}" in first.stderr
    assert "warning:" in first.stderr and "is a new database" in first.stderr
    # from another folder: the same database (no longer new, still without cooperative)
    second = scic("token", "create", "--role", "admin", url=None, cwd=tmp_path / "b", **data)
    assert second.returncode == 0, second.stderr
    assert "new database" not in second.stderr and "holds no cooperative yet" in second.stderr
    listed = scic("token", "list", url=None, cwd=tmp_path / "b", **data)
    assert len(listed.stdout.splitlines()) == 2
    assert not list((tmp_path / "a").iterdir()) and not list((tmp_path / "b").iterdir())


def test_token_create_on_a_database_in_use_warns_of_nothing(database_url: str) -> None:
    from scic.demo import seed_demo
    from scic.service import open_service

    service = open_service(database_url)
    try:
        seed_demo(service)
    finally:
        service.close()
    made = scic("token", "create", "--role", "admin", url=database_url)
    assert made.returncode == 0, made.stderr
    assert "database: " in made.stderr and "warning" not in made.stderr


def test_long_commands_show_progress_on_stderr_and_end_with_a_summary(
    database_url: str, engine
) -> None:
    append_deposits(engine, 3)
    for command, summary in [
        (
            "verify",
            r"^hash chain intact: 3 events verified in \d+\.\d s, held against no receipt",
        ),
        ("rebuild", r"^rebuilt projections from 3 events in \d+\.\d s \([\d,]+ events/s\)$"),
    ]:
        result = scic(command, url=database_url)
        assert result.returncode == 0, result.stderr
        assert re.match(summary, result.stdout.strip()), result.stdout
        assert f"{command}: " in result.stderr and "/3 [" in result.stderr  # the tqdm bar
