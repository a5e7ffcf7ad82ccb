"""Knobs of events out, per service (tests shorten the delays, allow loopback receivers)."""

from __future__ import annotations

from dataclasses import dataclass

from scic.integrations.targets import Network, TargetPolicy


@dataclass(frozen=True)
class EventsOut:
    """Attributes:
    allow_loopback_targets: accept webhook URLs on this machine (127.0.0.1, localhost);
      refused by default, as they let a client make the server call itself (SSRF).
    allowed_networks: non-public networks webhook receivers may sit in (an operator's
      own private network); every other private, link-local or reserved address is refused.
    echo_responses: keep the start of a receiver's answer in the delivery log; off, the
      log and the test endpoint show its status and length only (a receiver's text is
      none of the API client's business, and would echo what an internal service says).
    delivery_timeout: seconds one delivery may take in all (connect, send, answer).
    stream_poll: seconds between two looks at the ledger for an SSE client with nothing new.
    stream_keepalive: seconds of silence after which the stream sends a comment line.
    stream_timeout: seconds a stream stays open; clients reconnect with Last-Event-ID.
    streams_per_token: open streams one token may hold at once (429 beyond).
    """

    allow_loopback_targets: bool = False
    allowed_networks: tuple[Network, ...] = ()
    echo_responses: bool = False
    delivery_timeout: float = 10.0
    stream_poll: float = 0.5
    stream_keepalive: float = 15.0
    stream_timeout: float = 300.0
    streams_per_token: int = 5

    def target_policy(self, own_netlocs: frozenset[str] = frozenset()) -> TargetPolicy:
        return TargetPolicy(
            allow_loopback=self.allow_loopback_targets,
            allowed_networks=self.allowed_networks,
            own_netlocs=own_netlocs,
        )
