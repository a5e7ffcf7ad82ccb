"""Events out across processes: a dispatcher killed with SIGKILL resumes without loss; two
scheduler processes on one database elect one leader, and when it is killed the other
takes over and fires the next reminder exactly once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.schema import events
from scic.service import Service
from tests.integrations.conftest import Answer, Receiver, feed, record_members
from tests.test_cli import scic_script


class Process:
    def __init__(self, args: list[str], url: str, log: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "SCIC_DATABASE_URL"}
        env["SCIC_DATABASE_URL"] = url
        env["SCIC_WEBHOOK_ALLOW_LOOPBACK"] = "true"  # the receiver listens on 127.0.0.1
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [scic_script(), *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text()

    def kill(self) -> None:
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def wait_until(check: Callable[[], bool], what: Callable[[], str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, what()
        time.sleep(0.05)


def test_a_killed_dispatcher_resumes_without_loss(
    client: TestClient,
    coop: str,
    receiver: Receiver,
    database_url: str,
    processes: list[Process],
    tmp_path: Path,
) -> None:
    client.post(f"/v1/coops/{coop}/webhooks", json={"url": receiver.url, "event_types": ["*"]})
    record_members(client, coop, 10)
    receiver.default = Answer(delay=0.03)
    args = ["dispatch", "--lease", "1", "--idle", "0.05", "--timeout", "5"]
    first = Process(args, database_url, tmp_path / "first.log")
    processes.append(first)
    wait_until(lambda: len(receiver.delivered) >= 6, first.output)
    first.kill()  # mid-stream: some delivered, maybe one in flight
    record_members(client, coop, 2)  # recorded while no dispatcher runs
    expected = [e for e in feed(client, coop) if e["type"] != "CoopRegistered"]
    second = Process(args, database_url, tmp_path / "second.log")
    processes.append(second)

    def seen() -> list[str]:
        unique: list[str] = []
        for got in receiver.delivered:
            if got.headers["webhook-id"] not in unique:  # receivers deduplicate on it
                unique.append(got.headers["webhook-id"])
        return unique

    wait_until(lambda: len(seen()) >= len(expected), second.output)
    assert seen() == [e["event_id"] for e in expected]  # all, in order
    assert len(receiver.delivered) <= len(expected) + 1  # at most the one in flight again
    positions = [json.loads(r.body)["position"] for r in receiver.delivered]
    assert positions == sorted(positions)


def grant_due_in(client: TestClient, coop: str, days: int) -> str:
    response = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Département", "type": "department"},
            "purpose": "operating",
            "amount": "9000.00",
            "awarded_on": "2024-02-01",
            "justify_by": (date.today() + timedelta(days=days)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def reminders_about(service: Service, subject: str) -> list[dict[str, Any]]:
    e = events.c
    with service.engine.connect() as conn:
        rows = conn.execute(
            sa.select(e.data).where(e.type == "ReminderDue", e.subject_id == subject)
        ).scalars()
        return list(rows)


def test_two_schedulers_run_one_and_the_survivor_fires_once(
    client: TestClient,
    coop: str,
    database_url: str,
    loopback: Service,
    processes: list[Process],
    tmp_path: Path,
) -> None:
    args = ["scheduler", "--every", "0.2"]
    one = Process(args, database_url, tmp_path / "one.log")
    two = Process(args, database_url, tmp_path / "two.log")
    processes.extend([one, two])

    def leaders() -> list[Process]:
        return [p for p in (one, two) if "leader" in p.output().split()]

    def both() -> str:
        return f"one:\n{one.output()}\ntwo:\n{two.output()}"

    wait_until(lambda: all("running" in p.output() for p in (one, two)), both)
    wait_until(lambda: len(leaders()) == 1, both)
    time.sleep(0.6)  # three more runs: the other never leads while the first lives
    assert len(leaders()) == 1, both()
    leader = leaders()[0]
    survivor = two if leader is one else one
    leader.kill()
    grant = grant_due_in(client, coop, 20)  # its 30-day notice is reached today
    wait_until(lambda: reminders_about(loopback, grant) != [], both)
    assert "leader" in survivor.output().split()
    time.sleep(0.6)  # the survivor runs again: nothing more for that grant
    fired = reminders_about(loopback, grant)
    assert [(r["job"], r["notice"]) for r in fired] == [("grant-justification", "30-days")]
