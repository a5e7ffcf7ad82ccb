"""Requests a server must refuse cleanly: bodies too large (before authentication),
text no register should hold, JSON that does not parse."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.settings import get_settings
from tests.api.conftest import create_coop, event_count

LIMIT = get_settings().max_body_bytes


@pytest.fixture
def coop(client: TestClient) -> dict[str, str]:
    return {"coop": create_coop(client)}


def test_a_declared_body_over_the_limit_is_413_before_authentication(anonymous) -> None:
    response = anonymous.post(
        "/v1/coops/coop_x/members",
        content=b"{" + b" " * LIMIT + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/errors/payload-too-large"


def test_a_streamed_body_over_the_limit_is_413(anonymous) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(LIMIT // 65_536 + 2):
            yield b" " * 65_536

    response = anonymous.post(
        "/v1/coops/coop_x/members",
        content=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_body_under_the_limit_goes_on_to_authentication(anonymous) -> None:
    response = anonymous.post("/v1/coops/coop_x/members", json={"name": "x" * 1000})
    assert response.status_code == 401


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(5)


def test_a_50_mb_body_is_refused_without_being_sent(live_server: int) -> None:
    """Over a real socket: the 413 arrives while the client has sent only the headers."""
    with socket.create_connection(("127.0.0.1", live_server), timeout=5) as conn:
        conn.sendall(
            b"POST /v1/coops/coop_x/members HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n"
        )
        answer = conn.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


BAD_TEXT = {
    "lone surrogate": ("\udfff", "lone surrogates (invalid Unicode)"),
    "control": ("Alice\x07", "control characters"),
    "zero-width": ("Ali\u200bce", "zero-width characters"),
    "bidi override": ("\u202eecilA", "bidirectional controls"),
    "byte order mark": ("\ufeffAlice", "zero-width characters"),
    "soft hyphen": ("Ali\u00adce", "invisible or formatting characters"),
    "invisible times": ("Ali\u2062ce", "invisible or formatting characters"),
    "mongolian vowel separator": ("Ali\u180ece", "invisible or formatting characters"),
    "hangul filler": ("\u3164", "invisible or formatting characters"),
    "tag characters": ("Alice\U000e0041\U000e007f", "invisible or formatting characters"),
    "variation selector": ("Ali\ufe0fce", "invisible or formatting characters"),
    "line separator": ("Ali\u2028ce", "invisible or formatting characters"),
    "braille blank": ("\u2800", "invisible or formatting characters"),
}


def _raw(client: TestClient, path: str, body: Any) -> Any:
    """Send `body` with its escapes as Python's json writes them (surrogates included)."""
    import json

    return client.post(path, content=json.dumps(body), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize("case", list(BAD_TEXT), ids=list(BAD_TEXT))
@pytest.mark.parametrize(
    ("path", "make_body", "where"),
    [
        ("members", lambda t, c: {"name": t, "kind": "person", "category": "usagers"}, "name"),
        ("subscriptions", lambda t, c: {"member_id": t, "shares": 1, "paid": "50.00"}, "member_id"),
        ("payments", lambda t, c: {"subscription_id": t, "amount": "1.00"}, "subscription_id"),
        (
            "batch",
            lambda t, c: {"commands": [{"type": "members", "body": {"name": t, "kind": "person"}}]},
            "commands.0.body.name",
        ),
        (
            "votes/tally",
            lambda t, c: {"ballots": [{"member_id": t, "choice": "yes"}]},
            "ballots.0.member_id",
        ),
    ],
    ids=["name", "id", "payment", "batch-item", "ballot"],
)
def test_text_no_register_should_hold_is_422(
    client,
    service,
    coop,
    case,
    path,
    make_body,
    where,
) -> None:
    text, what = BAD_TEXT[case]
    before = event_count(service)
    response = _raw(client, f"/v1/coops/{coop['coop']}/{path}", make_body(text, coop))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "/errors/invalid-request"
    located = "commands[0]: " if path == "batch" else ""  # a batch names the command
    assert problem["detail"] == f"{located}{where}: text must not contain {what}"
    assert event_count(service) == before


@pytest.mark.parametrize("name", ["   ", "\u00a0\u3000", "\t"])
def test_a_name_of_only_spaces_is_422(client, service, coop, name) -> None:
    before = event_count(service)
    for path, body in (
        ("members", {"name": name, "kind": "person", "category": "usagers"}),
        (
            "grants",
            {
                "funder": {"name": name, "type": "region"},
                "purpose": "operating",
                "amount": "100.00",
                "justify_by": "2030-01-01",
                "de_minimis": False,
            },
        ),
    ):
        response = _raw(client, f"/v1/coops/{coop['coop']}/{path}", body)
        assert response.status_code == 422, response.text
        assert "visible character" in response.json()["detail"]
    assert event_count(service) == before


def test_a_name_with_accents_emoji_and_a_newline_in_a_reason_is_fine(client, coop) -> None:
    response = _raw(
        client,
        f"/v1/coops/{coop['coop']}/members",
        {"name": "Zoë Ñúñez 🌱", "kind": "person", "category": "usagers"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "Alice"',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ],
    ids=["malformed", "deep-list", "deep-object"],
)
def test_json_that_does_not_parse_is_422(client, service, coop, body) -> None:
    before = event_count(service)
    response = client.post(
        f"/v1/coops/{coop['coop']}/members",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/errors/invalid-request"
    assert event_count(service) == before
