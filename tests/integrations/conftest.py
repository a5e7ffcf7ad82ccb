"""A real webhook receiver (uvicorn on 127.0.0.1, in a thread) whose answers the tests
script, and API clients whose service accepts loopback webhook URLs."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import anyio
import anyio.to_thread
import pytest
import uvicorn
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from scic.integrations.config import EventsOut
from scic.service import Service

# The tests' API clients live in tests/api/conftest.py: reuse its fixtures here.
from tests.api.conftest import (  # noqa: F401
    admit,
    app,
    client,
    client_for,
    clock,
    create_coop,
    service,
    subscribe,
)


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """`hold`: answer only once the test sets it; `stream`: a body of that many bytes,
    sent in 64 KiB chunks; `trickle`: one byte every that many seconds, without end."""

    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    text: str = "ok"
    hold: threading.Event | None = None
    stream: int = 0
    trickle: float = 0.0


class Receiver:
    """Answers each POST with the next scripted Answer (then `default`), recording every
    request it answered 2xx in `delivered` and every request at all in `requests`."""

    def __init__(self) -> None:
        self.script: deque[Answer] = deque()
        self.default = Answer()
        self.requests: list[Received] = []
        self.delivered: list[Received] = []
        self.holding = 0  # requests waiting on their Answer.hold
        self.streamed = 0  # body bytes a streamed answer handed to the server
        self.stream_ended = 0  # streamed answers ended (finished or cut by the client)
        self._lock = threading.Lock()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        hooks = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        config = uvicorn.Config(hooks, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]})
        self.thread.daemon = True
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.01)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def then(self, *answers: Answer) -> None:
        self.script.extend(answers)

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            answer = self.script.popleft() if self.script else self.default
            received = Received(dict(request.headers), body)
            self.requests.append(received)
        if answer.delay:
            await anyio.sleep(answer.delay)
        if answer.hold is not None:
            with self._lock:
                self.holding += 1
            await anyio.to_thread.run_sync(answer.hold.wait)
            with self._lock:
                self.holding -= 1
        if 200 <= answer.status < 300:
            with self._lock:
                self.delivered.append(received)
        if answer.stream or answer.trickle:
            return StreamingResponse(
                self._body(answer), status_code=answer.status, headers=answer.headers
            )
        return Response(answer.text, status_code=answer.status, headers=answer.headers)

    async def _body(self, answer: Answer) -> AsyncIterator[bytes]:
        try:
            sent = 0
            while answer.trickle or sent < answer.stream:
                if answer.trickle:
                    await anyio.sleep(answer.trickle)
                    yield b"x"
                    continue
                chunk = min(65536, answer.stream - sent)
                sent += chunk
                self.streamed += chunk
                yield b"x" * chunk
        finally:
            self.stream_ended += 1

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.delivered) < count:
            assert time.monotonic() < deadline, f"{len(self.delivered)} of {count} delivered"
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    yield found
    found.stop()


@pytest.fixture
def loopback(service: Service) -> Service:  # noqa: F811
    """The service, accepting webhook URLs on 127.0.0.1 (where the receiver listens)."""
    service.events_out = EventsOut(
        allow_loopback_targets=True, stream_poll=0.02, stream_keepalive=0.1, stream_timeout=5
    )
    return service


@pytest.fixture
def coop(client: TestClient, loopback: Service) -> str:  # noqa: F811
    return create_coop(client)


def record_members(client: TestClient, coop: str, count: int) -> list[str]:  # noqa: F811
    """`count` members admitted, each subscribing: two events per member."""
    found = []
    for n in range(count):
        member = admit(client, coop, f"Membre {n}", "usagers")
        subscribe(client, coop, member, 2, "100.00")
        found.append(member)
    return found


def feed(client: TestClient, coop: str) -> list[dict[str, Any]]:  # noqa: F811
    events: list[dict[str, Any]] = []
    after = 0
    while True:
        page = client.get(f"/v1/coops/{coop}/events", params={"after": after}).json()
        events.extend(page["events"])
        if not page["events"]:
            return events
        after = page["next_after"]
