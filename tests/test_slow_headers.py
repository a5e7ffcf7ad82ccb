"""A client trickling a request's headers is cut by `scic serve` itself: the request line
and headers are due within SCIC_HEADER_TIMEOUT (here 1 s) of the connection, or of the
previous response on a kept-alive connection; then 408 and the connection closes
(scic.api.connections). A raw socket against a real `scic serve` process."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

from tests.live import running_server

TRICKLE_FOR = 60  # seconds of one byte every 0.2 s: far beyond the deadline


def _trickle_until_closed(raw: socket.socket) -> bytes:
    """Send one header byte every 0.2 s (never ending the headers) until the server
    answers and closes; returns what it answered. Fails if it never does."""
    answered = b""
    stop = time.monotonic() + TRICKLE_FOR
    while time.monotonic() < stop:
        readable, _, _ = select.select([raw], [], [], 0.2)
        if readable:
            chunk = raw.recv(4096)
            if not chunk:
                return answered  # closed by the server
            answered += chunk
            continue
        try:
            raw.sendall(b"a")
        except (BrokenPipeError, ConnectionResetError):
            return answered + _rest(raw)
    raise AssertionError(f"the connection stayed open {TRICKLE_FOR} s; answered {answered!r}")


def _rest(raw: socket.socket) -> bytes:
    out = b""
    try:
        while chunk := raw.recv(4096):
            out += chunk
    except (ConnectionResetError, OSError):
        pass
    return out


def test_trickled_headers_are_answered_408_and_closed(tmp_path: Path, database_url: str) -> None:
    with (
        running_server(tmp_path, database_url, SCIC_HEADER_TIMEOUT="1") as (port, _),
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
    ):
        raw.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        answered = _trickle_until_closed(raw)
    assert answered.startswith(b"HTTP/1.1 408 "), answered
    assert b"the request headers did not arrive in time" in answered


def test_a_kept_alive_connection_has_the_same_deadline_for_its_next_request(
    tmp_path: Path, database_url: str
) -> None:
    with (
        running_server(tmp_path, database_url, SCIC_HEADER_TIMEOUT="1") as (port, _),
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
    ):
        raw.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while b'{"status":"ok"}' not in first:
            chunk = raw.recv(4096)
            assert chunk, first
            first += chunk
        assert first.startswith(b"HTTP/1.1 200 "), first
        raw.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        answered = _trickle_until_closed(raw)
    assert answered.startswith(b"HTTP/1.1 408 "), answered
