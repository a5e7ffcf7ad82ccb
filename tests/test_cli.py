"""The installed `scic` console script, run as a separate process against a real database."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
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


def scic_script() -> str:
    beside = Path(sys.executable).with_name("scic")
    found = str(beside) if beside.exists() else shutil.which("scic")
    if found is None:
        pytest.fail("the `scic` console script is not installed (pip install -e .)")
    return found


def scic(*args: str, url: str | None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"}
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_health_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [scic_script(), "serve", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        response = None
        deadline = time.monotonic() + 30
        while response is None:
            assert server.poll() is None, f"scic serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer on /health:\n{log.read_text()}"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            except httpx.TransportError:
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    # uvicorn shuts down gracefully, then re-raises SIGTERM (or exits 0 on older versions)
    assert server.returncode in (0, -signal.SIGTERM), log.read_text()
    assert "Application shutdown complete" in log.read_text()
    assert {"events", "alembic_version"} <= table_names(f"sqlite:///{tmp_path / 'scic.db'}")


def test_long_commands_show_progress_on_stderr_and_end_with_a_summary(
    database_url: str, engine
) -> None:
    append_deposits(engine, 3)
    for command, summary in [
        ("verify", r"^hash chain intact: 3 events verified in \d+\.\d s$"),
        ("rebuild", r"^rebuilt projections from 3 events in \d+\.\d s$"),
    ]:
        result = scic(command, url=database_url)
        assert result.returncode == 0, result.stderr
        assert re.match(summary, result.stdout.strip()), result.stdout
        assert f"{command}: " in result.stderr and "/3 [" in result.stderr  # the tqdm bar
