"""The webhook dispatcher: delivers outbox events to subscriptions, in position order per
subscription, at least once, with retries on a fixed schedule.

Each subscription has a cursor (last position delivered). Its next event is delivered
until the receiver answers 2xx; a failing event holds the later events of that
subscription only. A dispatcher takes a short lease on a subscription before delivering,
so several dispatchers (or `scic serve` processes) never deliver to one subscription at
once; a dispatcher that dies loses its lease when it expires, and the next one resumes
at the cursor: the event in flight is delivered again (receivers deduplicate on
`webhook-id`, the event id).

Retries: after the n-th failed attempt the next one waits BACKOFF[n-1] (times a random
factor in [1, 1 + JITTER)), or what the receiver's `Retry-After` asks (at most a day).
After the last retry fails, or when the receiver answers 410 Gone, the subscription is
disabled with its reason; `POST …/replay` re-enables it.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import sqlalchemy as sa

from ledger import RecordedEvent
from ledger.chain import format_timestamp
from ledger.outbox import next_positions
from ledger.store import Clock
from scic import anchoring
from scic.integrations import webhooks
from scic.integrations.feed import event_body
from scic.integrations.tables import webhook_deliveries, webhook_subscriptions
from scic.service import Service

log = logging.getLogger("scic.dispatcher")

BACKOFF: tuple[timedelta, ...] = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=24),
)
JITTER = 0.2
MAX_RETRY_AFTER = timedelta(hours=24)
EXCERPT = 500


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt: `status_code` None when no answer came (timeout, refused)."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    excerpt: str | None = None
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    http: httpx.Client, url: str, body: bytes, headers: dict[str, str], now: datetime
) -> Attempt:
    started = time.perf_counter()
    try:
        response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        elapsed = int((time.perf_counter() - started) * 1000)
        return Attempt(None, elapsed, f"{type(exc).__name__}: {exc}"[:EXCERPT])
    elapsed = int((time.perf_counter() - started) * 1000)
    return Attempt(
        response.status_code,
        elapsed,
        None if response.is_success else f"HTTP {response.status_code}",
        response.text[:EXCERPT] or None,
        retry_after(response.headers.get("retry-after"), now),
    )


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        wait = timedelta(seconds=int(value))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


class Dispatcher:
    def __init__(
        self,
        service: Service,
        *,
        http: httpx.Client | None = None,
        timeout: float = 10.0,
        lease: timedelta = timedelta(seconds=60),
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
        workers: int = 4,
        batch: int = 100,
    ) -> None:
        self.service = service
        self.http = http or httpx.Client(timeout=timeout, follow_redirects=False)
        self.lease = lease
        self.clock = clock or service.store.clock
        self.jitter = jitter
        self.workers = workers
        self.batch = batch

    def close(self) -> None:
        self.http.close()

    # -- the loop --------------------------------------------------------------------------

    def run(self, stop: threading.Event, idle: float = 0.5) -> None:
        """Deliver until `stop` is set, looking again every `idle` seconds when idle."""
        while not stop.is_set():
            if self.run_once() == 0:
                stop.wait(idle)

    def run_once(self) -> int:
        """One pass over the subscriptions due: returns the attempts made. A pass that
        delivered something ends with a signed receipt of the newest event delivered."""
        due = self._due()
        if not due:
            return 0
        if self.workers <= 1 or len(due) == 1:
            passes = [self._work(s) for s in due]
        else:
            with ThreadPoolExecutor(min(self.workers, len(due))) as pool:
                passes = list(pool.map(self._work, due))
        self._anchor([last for _, last in passes if last is not None])
        return sum(attempts for attempts, _ in passes)

    def _anchor(self, delivered: list[RecordedEvent]) -> None:
        """Receivers now hold the events up to the newest one delivered: a receipt of its
        position and hash lets `verify` hold the chain to what left the database. None
        when a stored receipt already pins that position or a later one (it covers this
        one too, through the chain)."""
        if not delivered:
            return
        newest = max(delivered, key=lambda e: e.position)
        try:
            with self.service.engine.begin() as conn:
                if anchoring.newest_position(conn) >= newest.position:
                    return
                anchoring.record(
                    conn,
                    newest.position,
                    newest.hash,
                    self.clock(),
                    f"webhooks-delivered:{newest.position}",
                    warn_once=True,
                )
        except sa.exc.DBAPIError:
            # The deliveries stand; a later pass (or the daily job) signs a newer head.
            # Letting this out would end the dispatcher thread of `scic serve`.
            log.exception("head receipt after webhook deliveries not recorded")

    def _due(self) -> list[str]:
        w = webhook_subscriptions.c
        now = self.clock()
        with self.service.engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(w.subscription_id)
                    .where(w.status == "active")
                    .where(sa.or_(w.next_attempt_at.is_(None), w.next_attempt_at <= now))
                    .where(sa.or_(w.lease_until.is_(None), w.lease_until < now))
                    .order_by(w.subscription_id)
                ).scalars()
            )

    # -- one subscription ------------------------------------------------------------------

    def _work(self, subscription_id: str) -> tuple[int, RecordedEvent | None]:
        """Deliver the subscription's next events: (attempts, the last event delivered)."""
        if not self._claim(subscription_id):
            return 0, None
        attempts = 0
        last: RecordedEvent | None = None
        try:
            while attempts < self.batch:
                row = self._row(subscription_id)
                if row is None or row["status"] != "active":
                    break
                position = self._next_position(row)
                if position is None:
                    break
                attempts += 1
                delivered = self._deliver(row, position)
                if delivered is None:
                    break
                last = delivered
                self._renew(subscription_id)
        finally:
            self._release(subscription_id)
        return attempts, last

    def _claim(self, subscription_id: str) -> bool:
        w = webhook_subscriptions.c
        now = self.clock()
        with self.service.engine.begin() as conn:
            claimed = conn.execute(
                webhook_subscriptions.update()
                .where(w.subscription_id == subscription_id, w.status == "active")
                .where(sa.or_(w.lease_until.is_(None), w.lease_until < now))
                .values(lease_until=now + self.lease)
            )
            return claimed.rowcount == 1

    def _renew(self, subscription_id: str) -> None:
        self._set(subscription_id, lease_until=self.clock() + self.lease)

    def _release(self, subscription_id: str) -> None:
        self._set(subscription_id, lease_until=None)

    def _set(self, subscription_id: str, **values: Any) -> None:
        with self.service.engine.begin() as conn:
            conn.execute(
                webhook_subscriptions.update()
                .where(webhook_subscriptions.c.subscription_id == subscription_id)
                .values(**values)
            )

    def _row(self, subscription_id: str) -> Any:
        w = webhook_subscriptions.c
        with self.service.engine.connect() as conn:
            return (
                conn.execute(
                    sa.select(webhook_subscriptions).where(w.subscription_id == subscription_id)
                )
                .mappings()
                .first()
            )

    def _next_position(self, row: Any) -> int | None:
        types = None if webhooks.ALL_TYPES in row["event_types"] else row["event_types"]
        with self.service.engine.connect() as conn:
            found = next_positions(conn, row["coop_id"], row["cursor"], types)
        return found[0] if found else None

    def _deliver(self, row: Any, position: int) -> RecordedEvent | None:
        """Attempt the event at `position`; the event when delivered."""
        event = self.service.store.read_all(position - 1, 1)[0]
        now = self.clock()
        body = event_body(event)
        headers = webhooks.signed_headers(
            webhooks.signing_secrets(row, now), event.event_id, int(now.timestamp()), body
        )
        attempt = post(self.http, row["url"], body, headers, now)
        number = row["failures"] + 1
        after = self.clock()
        w = webhook_subscriptions.c
        same = sa.and_(w.subscription_id == row["subscription_id"], w.cursor == row["cursor"])
        log: dict[str, Any] = {
            "subscription_id": row["subscription_id"],
            "position": position,
            "event_id": event.event_id,
            "attempt": number,
            "attempted_at": now,
            "status_code": attempt.status_code,
            "latency_ms": attempt.latency_ms,
            "error": attempt.error,
            "response_excerpt": attempt.excerpt,
        }
        with self.service.engine.begin() as conn:
            # `same`: a replay that moved the cursor meanwhile wins over this outcome.
            if attempt.ok:
                changes: dict[str, Any] = {
                    "cursor": position,
                    "failures": 0,
                    "next_attempt_at": None,
                }
                log["outcome"] = "delivered"
            elif attempt.status_code == 410:
                changes = _disabled(after, "the receiver answered 410 Gone")
                log["outcome"] = "gone"
            elif number > len(BACKOFF):
                changes = _disabled(
                    after,
                    f"{number} attempts at position {position} failed; last: {attempt.error}",
                )
                log["outcome"] = "failed"
            else:
                wait = attempt.retry_after
                if wait is None:
                    wait = BACKOFF[number - 1] * (1 + JITTER * self.jitter())
                changes = {"failures": number, "next_attempt_at": after + wait}
                log["outcome"] = "failed"
                log["next_attempt_at"] = changes["next_attempt_at"]
            conn.execute(webhook_subscriptions.update().where(same).values(**changes))
            conn.execute(webhook_deliveries.insert().values(**log))
        return event if attempt.ok else None


def _disabled(now: datetime, reason: str) -> dict[str, Any]:
    return {
        "status": "disabled",
        "disabled_reason": reason[:500],
        "disabled_at": now,
        "next_attempt_at": None,
    }


def send_test(
    service: Service, row: Any, http: httpx.Client | None = None, timeout: float = 10.0
) -> tuple[Attempt, str]:
    """Deliver a `webhook.test` message now, signed like any delivery, and log it."""
    now = service.store.clock()
    msg_id = f"msg_test_{int(now.timestamp() * 1000)}"
    body = json.dumps(
        {
            "type": "webhook.test",
            "subscription_id": row["subscription_id"],
            "sent_at": format_timestamp(now),
        },
        separators=(",", ":"),
    ).encode()
    headers = webhooks.signed_headers(
        webhooks.signing_secrets(row, now), msg_id, int(now.timestamp()), body
    )
    client = http or httpx.Client(timeout=timeout, follow_redirects=False)
    try:
        attempt = post(client, row["url"], body, headers, now)
    finally:
        if http is None:
            client.close()
    with service.engine.begin() as conn:
        conn.execute(
            webhook_deliveries.insert().values(
                subscription_id=row["subscription_id"],
                position=None,
                event_id=msg_id,
                attempt=1,
                attempted_at=now,
                outcome="test",
                status_code=attempt.status_code,
                latency_ms=attempt.latency_ms,
                error=attempt.error,
                response_excerpt=attempt.excerpt,
            )
        )
    return attempt, msg_id
