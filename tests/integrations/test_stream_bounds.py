"""Streams that end when they should: a revoked token's stream closes, a token holds a
few streams at most, streams hold no worker thread, and a client that never reads is cut
at the stream's timeout."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from scic import database
from scic.api.streaming import SLOTS
from scic.service import Service, open_service
from tests.api.conftest import bearer, create_coop, issue_token
from tests.integrations.conftest import record_members
from tests.live import running_server


def test_a_revoked_tokens_stream_closes_at_its_next_event(
    client: TestClient, coop: str, loopback: Service
) -> None:
    manager = issue_token(loopback, "manager", coop)
    lines: list[str] = []
    with client.stream(
        "GET",
        f"/v1/coops/{coop}/events/stream",
        params={"timeout": 60},
        headers=bearer(manager.secret),
    ) as response:
        assert response.status_code == 200
        revoked = client.delete(f"/v1/tokens/{manager.token_id}")
        assert revoked.status_code == 200, revoked.text
        record_members(client, coop, 1)
        for line in response.iter_lines():
            lines.append(line)
    assert "event: revoked" in lines
    assert not any(line.startswith("data: {") for line in lines)
    assert SLOTS.held(manager.token_id) == 0


def test_a_token_holds_a_few_streams_at_most(
    client: TestClient, coop: str, loopback: Service
) -> None:
    limit = loopback.events_out.streams_per_token
    token = issue_token(loopback, "manager", coop)
    for _ in range(limit):
        SLOTS.take(token.token_id, limit)
    try:
        response = client.get(
            f"/v1/coops/{coop}/events/stream", params={"timeout": 0}, headers=bearer(token.secret)
        )
        assert response.status_code == 429, response.text
        assert response.json()["type"] == "/errors/too-many-streams"
    finally:
        for _ in range(limit):
            SLOTS.give_back(token.token_id)
    response = client.get(
        f"/v1/coops/{coop}/events/stream", params={"timeout": 0}, headers=bearer(token.secret)
    )
    assert response.status_code == 200


def test_fifty_idle_streams_hold_no_worker_and_a_silent_reader_is_cut(
    tmp_path: Path, database_url: str
) -> None:
    database.upgrade(database_url)
    service = open_service(database_url)
    admin = issue_token(service, "admin")
    with TestClient(
        __import__("scic.api.app", fromlist=["create_app"]).create_app(service),
        headers=bearer(admin.secret),
    ) as setup:
        coop = create_coop(setup)
    secrets = [issue_token(service, "manager", coop).secret for _ in range(10)]
    service.close()
    with running_server(tmp_path, database_url) as (port, _):
        base = f"http://127.0.0.1:{port}"
        stop = threading.Event()
        opened: list[int] = []

        def hold(secret: str) -> None:
            with (
                httpx.Client(base_url=base, headers=bearer(secret), timeout=60) as http,
                http.stream(
                    "GET", f"/v1/coops/{coop}/events/stream", params={"timeout": 30}
                ) as response,
            ):
                opened.append(response.status_code)
                for _ in response.iter_bytes():
                    if stop.is_set():
                        return

        holders = [threading.Thread(target=hold, args=(secrets[n // 5],)) for n in range(50)]
        for thread in holders:
            thread.start()
        while len(opened) < 50:
            time.sleep(0.05)
        assert opened == [200] * 50
        health = httpx.get(f"{base}/health", timeout=5)  # 40 workers, 50 streams
        assert health.status_code == 200
        stop.set()
        for thread in holders:
            thread.join(timeout=60)

        # A client that asks for a 1 s stream and never reads is cut all the same.
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            raw.sendall(
                f"GET /v1/coops/{coop}/events/stream?timeout=1 HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: Bearer {secrets[0]}\r\n\r\n".encode()
            )
            time.sleep(8)  # past the timeout and its grace, reading nothing
            received = b""
            while chunk := raw.recv(65536):
                received += chunk
        assert received.startswith(b"HTTP/1.1 200")


def test_a_body_trickled_in_is_answered_408() -> None:
    import anyio

    from scic.api.limits import BodyLimit

    async def never_called(scope: object, receive: object, send: object) -> None:
        raise AssertionError("the app saw a body that never arrived whole")

    sent: list[dict[str, object]] = []

    async def trickle() -> dict[str, object]:
        await anyio.sleep(0.2)
        return {"type": "http.request", "body": b"x", "more_body": True}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/v1/coops", "headers": []}
    limit = BodyLimit(never_called, max_bytes=1_000_000, read_seconds=1.0)
    anyio.run(limit, scope, trickle, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 408
    assert b"/errors/request-timeout" in sent[1]["body"]  # type: ignore[operator]
