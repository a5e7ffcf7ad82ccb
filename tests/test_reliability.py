"""The ledger's promises through a real server process: concurrent writers with a reader
following the feed, and a server killed with SIGKILL in the middle of batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from scic import database
from scic.api.app import create_app
from scic.service import open_service
from tests.api.conftest import admit, bearer, create_coop, issue_token
from tests.live import running_server
from tests.test_cli import scic

WRITERS, BATCHES, PER_BATCH = 8, 5, 10


@dataclass(frozen=True)
class Seeded:
    coop: str
    members: list[str]
    token: str


@pytest.fixture
def seeded(database_url: str) -> Iterator[Seeded]:
    database.upgrade(database_url)
    service = open_service(database_url)
    token = issue_token(service, "admin").secret
    with TestClient(create_app(service), headers=bearer(token)) as client:
        coop = create_coop(client)
        members = [admit(client, coop, f"Membre {i}", "usagers") for i in range(WRITERS)]
    service.close()
    yield Seeded(coop, members, token)


def batch_of(member: str) -> dict[str, Any]:
    body = {"member_id": member, "shares": 1, "paid": "50.00", "effective_date": "2024-06-01"}
    return {"commands": [{"type": "subscriptions", "body": body}] * PER_BATCH}


def feed(base: str, seeded: Seeded, after: int = 0) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    with httpx.Client(base_url=base, headers=bearer(seeded.token), timeout=30) as http:
        while True:
            page = http.get(f"/v1/coops/{seeded.coop}/events", params={"after": after}).json()
            events += page["events"]
            if not page["events"]:
                return events
            after = page["next_after"]


def test_eight_writers_and_a_follower_lose_and_duplicate_nothing(
    database_url: str, tmp_path: Path, seeded: Seeded
) -> None:
    written: list[str] = []
    followed: list[dict[str, Any]] = []
    writers_done = threading.Event()
    with running_server(tmp_path, database_url) as (port, _):
        base = f"http://127.0.0.1:{port}"

        def write(member: str) -> None:
            with httpx.Client(base_url=base, headers=bearer(seeded.token), timeout=60) as http:
                for _ in range(BATCHES):
                    response = http.post(f"/v1/coops/{seeded.coop}/batch", json=batch_of(member))
                    assert response.status_code == 201, response.text
                    for result in response.json()["results"]:
                        written.extend(result["event_ids"])

        def follow() -> None:
            after = 0
            with httpx.Client(base_url=base, headers=bearer(seeded.token), timeout=60) as http:
                while True:
                    last_round = writers_done.is_set()
                    page = http.get(
                        f"/v1/coops/{seeded.coop}/events", params={"after": after}
                    ).json()
                    followed.extend(page["events"])
                    after = page["next_after"]
                    if last_round and not page["events"]:
                        return

        follower = threading.Thread(target=follow)
        follower.start()
        writers = [threading.Thread(target=write, args=(m,)) for m in seeded.members]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join()
        writers_done.set()
        follower.join()
        table = httpx.get(
            f"{base}/v1/coops/{seeded.coop}/capital-table?group_by=member",
            headers=bearer(seeded.token),
        ).json()

    positions = [e["position"] for e in followed]
    assert positions == list(range(positions[0], positions[0] + len(positions))), "gapless"
    assert len(written) == WRITERS * BATCHES * PER_BATCH == len(set(written))
    assert set(written) <= {e["event_id"] for e in followed}, "the follower saw every write"
    assert table["totals"]["shares"] == WRITERS * BATCHES * PER_BATCH

    rebuilt = scic("rebuild", url=database_url)
    assert rebuilt.returncode == 0, rebuilt.stderr
    with running_server(tmp_path, database_url) as (port, _):
        again = httpx.get(
            f"http://127.0.0.1:{port}/v1/coops/{seeded.coop}/capital-table?group_by=member",
            headers=bearer(seeded.token),
        ).json()
    assert again == table, "the projections are what the events say"
    verified = scic("verify", url=database_url)
    assert verified.returncode == 0, verified.stdout


def test_a_server_killed_mid_batch_keeps_each_batch_whole_and_retries_land_once(
    database_url: str, tmp_path: Path, seeded: Seeded
) -> None:
    keys = [(m, f"batch-{i}-{b}") for i, m in enumerate(seeded.members) for b in range(BATCHES)]
    sent = threading.Semaphore(0)

    def post(base: str, member: str, key: str) -> int:
        response = httpx.post(
            f"{base}/v1/coops/{seeded.coop}/batch",
            json=batch_of(member),
            headers={**bearer(seeded.token), "Idempotency-Key": key},
            timeout=60,
        )
        return response.status_code

    with running_server(tmp_path, database_url, graceful=False) as (port, server):
        base = f"http://127.0.0.1:{port}"

        def write(chunk: list[tuple[str, str]]) -> None:
            for member, key in chunk:
                try:
                    post(base, member, key)
                except httpx.TransportError:
                    return  # the server is gone
                sent.release()

        threads = [threading.Thread(target=write, args=(keys[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(6):  # some batches have landed, others are on their way
            sent.acquire(timeout=60)
        server.kill()
        for thread in threads:
            thread.join()

    with running_server(tmp_path, database_url) as (port, _):
        base = f"http://127.0.0.1:{port}"
        first = [post(base, member, key) for member, key in keys]
        assert set(first) <= {200, 201} and 200 in first and 201 in first, first
        assert {post(base, member, key) for member, key in keys} == {200}, "all replayed"
        subscribed = [e for e in feed(base, seeded) if e["type"] == "SharesSubscribed"]
    assert len(subscribed) == len(keys) * PER_BATCH, "each batch landed whole, and once"
    verified = scic("verify", url=database_url)
    assert verified.returncode == 0, verified.stdout


ADMIN_ROUNDS = 12


def test_admin_writes_beside_appends_never_answer_5xx(
    database_url: str, tmp_path: Path, seeded: Seeded
) -> None:
    """Tokens, webhook subscriptions, secret rotations and deletions written while
    batches are appended: each waits its turn for the write lock (SQLite: BEGIN
    IMMEDIATE for every write transaction, not only appends) and none fails."""
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def note(what: str, response: httpx.Response) -> httpx.Response:
        with lock:
            statuses.append((what, response.status_code))
        return response

    with running_server(tmp_path, database_url) as (port, _):
        base = f"http://127.0.0.1:{port}"

        def client() -> httpx.Client:
            return httpx.Client(base_url=base, headers=bearer(seeded.token), timeout=120)

        def append(member: str) -> None:
            with client() as http:
                for _ in range(ADMIN_ROUNDS // 2):
                    note(
                        "batch", http.post(f"/v1/coops/{seeded.coop}/batch", json=batch_of(member))
                    )

        def tokens() -> None:
            with client() as http:
                for n in range(ADMIN_ROUNDS):
                    body = {"role": "manager", "coop_id": seeded.coop, "label": f"t{n}"}
                    made = note("token", http.post("/v1/tokens", json=body))
                    if made.status_code == 201:
                        token_id = made.json()["id"]
                        note("revoke", http.delete(f"/v1/tokens/{token_id}"))

        def hooks() -> None:
            path = f"/v1/coops/{seeded.coop}/webhooks"
            with client() as http:
                for n in range(ADMIN_ROUNDS):
                    body = {"url": f"https://hooks.example.org/{n}", "event_types": ["*"]}
                    made = note("webhook", http.post(path, json=body))
                    if made.status_code == 201:
                        hook = made.json()["id"]
                        note("rotate", http.post(f"{path}/{hook}/secret-rotation", json={}))
                        note("delete", http.delete(f"{path}/{hook}"))

        threads = [threading.Thread(target=append, args=(m,)) for m in seeded.members[:4]]
        threads += [threading.Thread(target=tokens) for _ in range(3)]
        threads += [threading.Thread(target=hooks) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    failed = [(what, status) for what, status in statuses if status >= 300]
    assert failed == [], failed
    kinds = {what for what, _ in statuses}
    assert kinds == {"batch", "token", "revoke", "webhook", "rotate", "delete"}


def test_sessions_the_server_ended_answer_no_request_500(
    database_url: str, seeded: Seeded, backend: str
) -> None:
    """PostgreSQL: every pooled session terminated (pg_terminate_backend, as an
    administrator or a failover does): the requests after it get live connections and
    none answers 500 (a dead pooled session used to fail the request that met it)."""
    if backend != "postgresql":
        pytest.skip("sessions ended by the server: PostgreSQL")
    service = open_service(database_url)
    try:
        held = [service.engine.connect() for _ in range(4)]  # four pooled sessions
        for conn in held:
            conn.exec_driver_sql("SELECT 1")
            conn.close()
        with service.engine.connect() as conn:
            ended = conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar_one()
        assert ended >= 3
        time.sleep(0.3)  # the terminations reach the sockets
        app = create_app(service)
        with TestClient(app, headers=bearer(seeded.token), raise_server_exceptions=False) as c:
            answered = [
                c.get(f"/v1/coops/{seeded.coop}").status_code
                if i % 2
                else c.post(
                    f"/v1/coops/{seeded.coop}/members",
                    json={"name": f"Après coupure {i}", "kind": "person", "category": "usagers"},
                ).status_code
                for i in range(12)
            ]
        assert answered == [201, 200] * 6
    finally:
        service.close()


def test_a_session_ended_under_a_request_answers_503_to_retry(
    database_url: str, seeded: Seeded, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: the request's own session terminated while it runs (what a restart
    or a failover does to statements in flight) is a 503 problem with Retry-After, not
    a 500; the next request is answered."""
    if backend != "postgresql":
        pytest.skip("sessions ended by the server: PostgreSQL")
    from scic.api.routes import views as routes

    coop_of = routes.views.coop

    def ended_under(conn: Any, *args: Any) -> Any:
        conn.exec_driver_sql("SELECT pg_terminate_backend(pg_backend_pid())")
        return coop_of(conn, *args)

    service = open_service(database_url)
    try:
        with TestClient(
            create_app(service), headers=bearer(seeded.token), raise_server_exceptions=False
        ) as c:
            monkeypatch.setattr(routes.views, "coop", ended_under)
            lost = c.get(f"/v1/coops/{seeded.coop}")
            monkeypatch.setattr(routes.views, "coop", coop_of)
            assert lost.status_code == 503, lost.text
            assert lost.headers["retry-after"] == "1"
            assert lost.json()["type"] == "/errors/database-unavailable"
            assert c.get(f"/v1/coops/{seeded.coop}").status_code == 200
    finally:
        service.close()
