"""Knobs of events out, per service (tests shorten the delays, allow loopback receivers)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventsOut:
    """Attributes:
    allow_loopback_targets: accept webhook URLs on this machine (127.0.0.1, localhost);
      refused by default, as they let a client make the server call itself (SSRF).
    stream_poll: seconds between two looks at the ledger for an SSE client with nothing new.
    stream_keepalive: seconds of silence after which the stream sends a comment line.
    stream_timeout: seconds a stream stays open; clients reconnect with Last-Event-ID.
    """

    allow_loopback_targets: bool = False
    stream_poll: float = 0.5
    stream_keepalive: float = 15.0
    stream_timeout: float = 300.0
