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
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
from scic.integrations import targets, webhooks
from scic.integrations.feed import event_body
from scic.integrations.tables import webhook_deliveries, webhook_subscriptions
from scic.integrations.targets import READ_LIMIT
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
MAX_PAUSE = 30.0
"""Longest pause of the loop after a failing pass (the database away), in seconds."""
DELIVERY_MARGIN = 2.0
"""Seconds added to a delivery's deadline for the in-flight mark rotation waits behind."""


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt: `status_code` None when no answer came (timeout, refused).
    `excerpt` is kept only when `post` was asked to echo (targets an operator allowed)."""

    status_code: int | None
    latency_ms: int
    error: str | None = None
    excerpt: str | None = None
    retry_after: timedelta | None = None
    received_bytes: int | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    http: httpx.Client,
    url: str,
    body: bytes,
    headers: dict[str, str],
    now: datetime,
    *,
    deadline: float,
    echo: bool = False,
) -> Attempt:
    """POST within one total `deadline` (seconds), reading at most READ_LIMIT bytes of
    the answer. Whatever the receiver does, this returns an Attempt (never raises)."""
    started = time.perf_counter()
    received = bytearray()
    try:
        with (
            targets.deadline(deadline),
            http.stream("POST", url, content=body, headers=headers) as response,
        ):
            for chunk in response.iter_raw():
                received += chunk[: READ_LIMIT - len(received)]
                if len(received) >= READ_LIMIT:
                    break
            status = response.status_code
            wait = retry_after(response.headers.get("retry-after"), now)
    except Exception as exc:  # any receiver, any answer: a failed attempt, logged
        seconds = time.perf_counter() - started
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, httpx.TimeoutException) and seconds >= deadline:
            error = f"no complete answer within the {deadline:g} s deadline ({error})"
        return Attempt(None, int(seconds * 1000), error[:EXCERPT])
    elapsed = int((time.perf_counter() - started) * 1000)
    excerpt = bytes(received).decode("utf-8", "replace")[:EXCERPT] if echo else None
    return Attempt(
        status,
        elapsed,
        None if 200 <= status < 300 else f"HTTP {status}",
        excerpt or None,
        wait,
        len(received),
    )


def retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as seconds or an HTTP date, at most MAX_RETRY_AFTER; None when
    absent or unreadable (ASCII digits only: `²` is a digit to Python, not to HTTP)."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"[0-9]+", value):
        seconds = int(value[:12]) if len(value) <= 12 else MAX_RETRY_AFTER.total_seconds()
        wait = timedelta(seconds=min(seconds, MAX_RETRY_AFTER.total_seconds()))
    else:
        try:
            wait = parsedate_to_datetime(value) - now
        except (TypeError, ValueError, OverflowError, IndexError):
            return None
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


class Dispatcher:
    """Delivers due subscriptions on a pool of `workers` threads. In `run`, a pass starts
    the due subscriptions that are not already being delivered and does not wait for
    them: one slow receiver holds one worker, never the others' deliveries."""

    def __init__(
        self,
        service: Service,
        *,
        http: httpx.Client | None = None,
        timeout: float | None = None,
        lease: timedelta = timedelta(seconds=60),
        clock: Clock | None = None,
        jitter: Callable[[], float] = random.random,
        workers: int = 4,
        batch: int = 100,
    ) -> None:
        self.service = service
        self.lease = lease
        # A delivery cannot outlive the lease it runs under (renewed before each one).
        self.timeout = min(
            timeout if timeout is not None else service.events_out.delivery_timeout,
            lease.total_seconds() / 3,
        )
        self.policy = service.events_out.target_policy()
        self.http = http or targets.client(self.policy, self.timeout)
        self.clock = clock or service.store.clock
        self.jitter = jitter
        self.workers = workers
        self.batch = batch
        self._pool: ThreadPoolExecutor | None = None
        self._running: dict[str, Future[tuple[int, RecordedEvent | None]]] = {}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.http.close()

    # -- the loop --------------------------------------------------------------------------

    def run(self, stop: threading.Event, idle: float = 0.5) -> None:
        """Deliver until `stop` is set, looking again every `idle` seconds when idle. A
        failing pass (the database away, anything unexpected) is logged and retried
        after a growing pause (at most MAX_PAUSE): the loop never ends on an error."""
        pause = idle
        while not stop.is_set():
            try:
                started = self._tick()
                pause = idle
            except Exception:
                log.exception("webhook dispatcher pass failed; next try in %.1f s", pause)
                stop.wait(pause)
                pause = min(pause * 2, MAX_PAUSE)
                continue
            if started == 0:
                stop.wait(idle)
        for future in list(self._running.values()):
            future.result()
        self._collect()

    def _tick(self) -> int:
        """Anchor what finished, start the due subscriptions no worker holds."""
        self._collect()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="webhook")
        free = self.workers - len(self._running)
        due = [s for s in self._due() if s not in self._running][: max(free, 0)]
        for subscription_id in due:
            self._running[subscription_id] = self._pool.submit(self._work_safely, subscription_id)
        return len(due)

    def _collect(self) -> None:
        done = [s for s, f in self._running.items() if f.done()]
        self._anchor([last for s in done if (last := self._running.pop(s).result()[1])])

    def run_once(self) -> int:
        """One pass over the subscriptions due, waiting for them: returns the attempts
        made. A pass that delivered something ends with a signed receipt of the newest
        event delivered."""
        due = self._due()
        if not due:
            return 0
        if self.workers <= 1 or len(due) == 1:
            passes = [self._work_safely(s) for s in due]
        else:
            with ThreadPoolExecutor(min(self.workers, len(due))) as pool:
                passes = list(pool.map(self._work_safely, due))
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

    def _work_safely(self, subscription_id: str) -> tuple[int, RecordedEvent | None]:
        """`_work`, an error logged instead of raised (the lease then simply expires)."""
        try:
            return self._work(subscription_id)
        except Exception:
            log.exception(
                "webhook delivery to %s failed; retried at the next pass", subscription_id
            )
            return 0, None

    def _work(self, subscription_id: str) -> tuple[int, RecordedEvent | None]:
        """Deliver the subscription's next events: (attempts, the last event delivered)."""
        lease = self._claim(subscription_id)
        if lease is None:
            return 0, None
        attempts = 0
        last: RecordedEvent | None = None
        try:
            while attempts < self.batch and lease is not None:
                row = self._start(subscription_id, lease)
                if row is None:
                    break
                lease = row["lease_until"]
                position = self._next_position(row)
                if position is None:
                    self._finish(subscription_id, lease)
                    break
                attempts += 1
                delivered = self._deliver(row, position)
                if delivered is None:
                    break
                last = delivered
        finally:
            if lease is not None:
                self._release(subscription_id, lease)
        return attempts, last

    def _claim(self, subscription_id: str) -> datetime | None:
        """Take the subscription's lease: its end (our token), or None when held."""
        w = webhook_subscriptions.c
        now = self.clock()
        until = now + self.lease
        with self.service.engine.begin() as conn:
            claimed = conn.execute(
                webhook_subscriptions.update()
                .where(w.subscription_id == subscription_id, w.status == "active")
                .where(sa.or_(w.lease_until.is_(None), w.lease_until < now))
                .values(lease_until=until)
            )
            return until if claimed.rowcount == 1 else None

    def _start(self, subscription_id: str, lease: datetime) -> Any:
        """Renew the lease and mark a delivery in flight until its deadline, in one
        statement: the row it returns (secrets, cursor) is the one a rotation or a
        deletion waits behind. None when the lease was lost or the subscription is no
        longer active (deleted, disabled)."""
        w = webhook_subscriptions.c
        now = self.clock()
        renewed = now + self.lease
        with self.service.engine.begin() as conn:
            started = conn.execute(
                webhook_subscriptions.update()
                .where(w.subscription_id == subscription_id, w.lease_until == lease)
                .where(w.status == "active")
                .values(
                    lease_until=renewed,
                    delivering_until=now + timedelta(seconds=self.timeout + DELIVERY_MARGIN),
                )
            )
            if started.rowcount != 1:
                return None
            return (
                conn.execute(
                    sa.select(webhook_subscriptions).where(w.subscription_id == subscription_id)
                )
                .mappings()
                .first()
            )

    def _finish(self, subscription_id: str, lease: datetime) -> None:
        self._set(subscription_id, lease, delivering_until=None)

    def _release(self, subscription_id: str, lease: datetime) -> None:
        self._set(subscription_id, lease, lease_until=None, delivering_until=None)

    def _set(self, subscription_id: str, lease: datetime, **values: Any) -> None:
        w = webhook_subscriptions.c
        with self.service.engine.begin() as conn:
            conn.execute(
                webhook_subscriptions.update()
                .where(w.subscription_id == subscription_id, w.lease_until == lease)
                .values(**values)
            )

    def _next_position(self, row: Any) -> int | None:
        types = None if webhooks.ALL_TYPES in row["event_types"] else row["event_types"]
        with self.service.engine.connect() as conn:
            found = next_positions(conn, row["coop_id"], row["cursor"], types)
        return found[0] if found else None

    def _deliver(self, row: Any, position: int) -> RecordedEvent | None:
        """Attempt the event at `position`; the event when delivered. The outcome is
        recorded only while the lease is still ours (and the cursor unmoved)."""
        event = self.service.store.read_all(position - 1, 1)[0]
        now = self.clock()
        body = event_body(event)
        headers = webhooks.signed_headers(
            webhooks.signing_secrets(row, now), event.event_id, int(now.timestamp()), body
        )
        attempt = post(
            self.http,
            row["url"],
            body,
            headers,
            now,
            deadline=self.timeout,
            echo=self.service.events_out.echo_responses,
        )
        number = row["failures"] + 1
        after = self.clock()
        w = webhook_subscriptions.c
        same = sa.and_(
            w.subscription_id == row["subscription_id"],
            w.cursor == row["cursor"],
            w.delivering_until == row["delivering_until"],
        )
        entry: dict[str, Any] = {
            "subscription_id": row["subscription_id"],
            "position": position,
            "event_id": event.event_id,
            "attempt": number,
            "attempted_at": now,
            "status_code": attempt.status_code,
            "latency_ms": attempt.latency_ms,
            "error": attempt.error,
            "response_excerpt": attempt.excerpt,
            "response_bytes": attempt.received_bytes,
        }
        if attempt.ok:
            changes: dict[str, Any] = {"cursor": position, "failures": 0, "next_attempt_at": None}
            entry["outcome"] = "delivered"
        elif attempt.status_code == 410:
            changes = _disabled(after, "the receiver answered 410 Gone")
            entry["outcome"] = "gone"
        elif number > len(BACKOFF):
            changes = _disabled(
                after, f"{number} attempts at position {position} failed; last: {attempt.error}"
            )
            entry["outcome"] = "failed"
        else:
            wait = attempt.retry_after
            if wait is None:
                wait = BACKOFF[number - 1] * (1 + JITTER * self.jitter())
            changes = {"failures": number, "next_attempt_at": after + wait}
            entry["outcome"] = "failed"
            entry["next_attempt_at"] = changes["next_attempt_at"]
        with self.service.engine.begin() as conn:
            # `same`: a replay that moved the cursor, or another dispatcher that took an
            # expired mark, wins over this outcome (and a deleted subscription logs nothing).
            moved = conn.execute(
                webhook_subscriptions.update().where(same).values(delivering_until=None, **changes)
            )
            if moved.rowcount == 1:
                conn.execute(webhook_deliveries.insert().values(**entry))
        return event if attempt.ok and moved.rowcount == 1 else None


def _disabled(now: datetime, reason: str) -> dict[str, Any]:
    return {
        "status": "disabled",
        "disabled_reason": reason[:500],
        "disabled_at": now,
        "next_attempt_at": None,
    }


def send_test(service: Service, row: Any, http: httpx.Client | None = None) -> tuple[Attempt, str]:
    """Deliver a `webhook.test` message now, signed like any delivery (and to the same
    judged addresses, within the same total deadline), and log it."""
    settings = service.events_out
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
    policy = settings.target_policy()
    client = http or targets.client(policy, settings.delivery_timeout)
    try:
        attempt = post(
            client,
            row["url"],
            body,
            headers,
            now,
            deadline=settings.delivery_timeout,
            echo=settings.echo_responses,
        )
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
                response_bytes=attempt.received_bytes,
            )
        )
    return attempt, msg_id
