"""The one way a write is made: find the idempotent replay, decide (the command's
handler), check the horizon and the closed periods, append, tell the timeline cache, and
queue the mails the events call for.

Every writer goes through `execute` (or `record`, its own transaction around it): the
API's routes and its batch, the dashboard's forms, members' requests, bank
reconciliation, register imports, the demo and the command line. Decisions run inside
the write transaction, under the append lock, so the state they read is the state the
events land on: no lost update is possible, and a batch of commands sees the effect of
the earlier ones (read-your-writes)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from ledger import AppendRequest, RecordedEvent
from ledger.chain import canonical_json
from ledger.store import WriteSession
from scic.access.tokens import cooperative_of
from scic.accounting.fiscal_years import check_open, closed_until
from scic.errors import refuse
from scic.mail import triggers as mail_triggers
from scic.service import Service
from scic.write import store
from scic.write.store import Decided

# Future-dated commands: accepted up to this far after today (a decision voted for next
# year's start, a subscription agreed for next month), refused beyond: a date further on
# is almost always a typo (2199 for 2019), and it would weigh on every later decision.
FUTURE_HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class Context:
    coop_id: str | None
    actor: str
    today: date

    def cooperative(self) -> str:
        return cooperative_of(self.coop_id, "this command belongs to a cooperative")

    def on(self, body: BaseModel) -> date:
        """The command's date: its `effective_date`, or today."""
        return getattr(body, "effective_date", None) or self.today


Handler = Callable[[WriteSession, Context, Any], Decided]


@dataclass(frozen=True)
class Command:
    """A write: its name (the batch's `type`), its handler, the model the handler
    receives (a batch item's body), its path under the cooperative and, when the path
    carries some of the model's fields, the body the single-write route takes.

    `reads_tables`: the handler reads the events or the projections of the transaction
    (not only the folded timeline), so inside a batch (`WriteSession.deferred`) what
    waits is written before and after it. A handler that decides on the timeline alone
    says False, and its appends wait and land together with the batch's others."""

    name: str
    handler: Handler
    model: type[BaseModel]
    route: str = ""
    body_model: type[BaseModel] | None = None
    reads_tables: bool = True

    def __post_init__(self) -> None:
        if not self.route:
            object.__setattr__(self, "route", self.name)
        if self.body_model is None:
            object.__setattr__(self, "body_model", self.model)

    @property
    def path_fields(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.route))


@dataclass(frozen=True)
class Outcome:
    id: str
    event_ids: list[str]
    replayed: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"id": self.id, "event_ids": self.event_ids, **self.extra}


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


def stream_of(coop_id: str) -> str:
    return f"coop:{coop_id}"


def execute(
    session: WriteSession,
    ctx: Context,
    command: Command,
    body: BaseModel,
    idempotency_key: str | None = None,
    expected_version: int | None = None,
    fingerprint: str | None = None,
    mails: list[RecordedEvent] | None = None,
) -> Outcome:
    """`fingerprint`: what the idempotency key stands for (default: this command); a
    batch passes the whole request's, so a key replays only the same request, and
    `mails`, where the events that call for mail wait until the batch queues them."""
    session.causes.append(f"{command.name} {ctx.coop_id or 'new cooperative'}")
    if idempotency_key is not None:
        fingerprint = fingerprint or fingerprint_of(command.name, body)
        earlier = session.replay(idempotency_key, fingerprint)
        if earlier is not None:
            result = earlier.result or {}
            return Outcome(
                result["id"],
                [e.event_id for e in earlier.events],
                replayed=True,
                extra=result.get("extra", {}),
            )
    if command.reads_tables:
        session.flush()  # it reads the events or the projections: they must be written
    decided = command.handler(session, ctx, body)
    for event in decided.events:
        if isinstance(event.effective_date, date):
            check_horizon(event.effective_date, ctx.today)
    coop_id = ctx.coop_id or decided.id
    if _closed_until(session, coop_id, decided) is not None:
        check_open(session.conn, coop_id, decided.events, ctx.today)  # R16 closed-period
    recorded: list[RecordedEvent] = session.append(
        AppendRequest(
            stream_id=stream_of(coop_id),
            events=[replace(e, tenant_id=coop_id) for e in decided.events],
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            result={"id": decided.id, "extra": decided.extra},
            actor=ctx.actor,
            # The id the write returns: a correction may name it to reverse all of it.
            correlation_id=decided.id,
        )
    )
    if decided.timeline is not None:
        store.appended(decided.timeline, recorded[-1].position, recorded[-1].hash)
    else:
        store.noted(session, recorded)  # a closing, an erasure: decided off the timeline
    # the mails these events call for, in the same transaction (scic.mail.triggers);
    # a batch gathers its commands' events in `mails` and queues them at once
    if mails is None:
        queue_mails(session, recorded, ctx.today)
    else:
        mails.extend(recorded)
    if command.reads_tables:
        session.flush()  # and what comes after may read what it wrote
    return Outcome(decided.id, [e.event_id for e in recorded], extra=decided.extra)


def append_events(
    session: WriteSession, requests: Sequence[AppendRequest], today: date
) -> list[list[RecordedEvent]]:
    """Events no command decides (the scheduler's notices, the daily verification, the
    accounting rules' rates) take the same road from the append on: the cached timelines
    learn them (`store.noted`: no later command rereads or refolds a history for them)
    and the mails they call for are queued, in the same transaction."""
    session.causes.extend(f"{r.events[0].type} {r.stream_id}" for r in requests if r.events)
    appended = session.append_many(requests)
    recorded = [event for events in appended for event in events]
    store.noted(session, recorded)
    queue_mails(session, recorded, today)
    return appended


def queue_mails(session: WriteSession, recorded: Sequence[RecordedEvent], today: date) -> None:
    """Queue the mails these events call for, in the write's transaction."""
    mail_triggers.after_append(session.conn, recorded, today, session.store.clock())


def record(
    service: Service,
    ctx: Context,
    command: Command,
    body: BaseModel,
    key: str | None,
    expected_version: int | None,
) -> tuple[Outcome, int | None]:
    """Execute one command in its own write transaction: the single write path of the
    API's routes and of the dashboard's forms (scic/web/forms), so both refuse alike.
    Returns the outcome and the stream's version after it (the ETag)."""
    with service.store.write() as session:
        outcome = execute(
            session,
            ctx,
            command,
            body,
            scoped_key(ctx, command.name, key),
            expected_version=expected_version,
        )
        etag = session.stream_version(stream_of(ctx.coop_id or outcome.id))
    return outcome, etag


def command_of(command: Command, body: BaseModel, path: dict[str, str]) -> BaseModel:
    """The command a single-write route hands `record`: its body, with the fields its
    path carries (`grants/{grant_id}/…`) merged in."""
    if not path:
        return body
    merged = {**body.model_dump(mode="json", exclude_unset=True), **path}
    return command.model.model_validate(merged)


def check_horizon(on: date, today: date) -> None:
    if on > today + FUTURE_HORIZON:
        raise refuse(
            "date-beyond-horizon",
            f"{on} is more than {FUTURE_HORIZON.days} days after today ({today}); "
            "the ledger records future-dated facts only within that horizon",
        )


def _closed_until(session: WriteSession, coop_id: str, decided: Decided) -> date | None:
    """The end of the last closed fiscal year: the timeline the command was decided on
    knows it; else read once per batch (only a closing, which flushes, moves it)."""
    if decided.timeline is not None:
        return decided.timeline.closed_until
    key = ("closed-until", coop_id)
    if key not in session.memo:
        session.memo[key] = closed_until(session.conn, coop_id)
    until: date | None = session.memo[key]
    return until


def fingerprint_of(name: str, body: BaseModel) -> str:
    return _fingerprint({"command": name, "body": body.model_dump(mode="json")})


def batch_fingerprint(commands: list[tuple[str, BaseModel]]) -> str:
    """A batch is one request: its key means these commands, all of them, in this order."""
    return _fingerprint(
        {"batch": [{"command": n, "body": b.model_dump(mode="json")} for n, b in commands]}
    )


def _fingerprint(described: object) -> str:
    return hashlib.sha256(canonical_json(described).encode()).hexdigest()


def scoped_key(ctx: Context, name: str, key: str | None) -> str | None:
    """Idempotency keys are the client's; scope them so two cooperatives never collide."""
    return None if key is None else f"{ctx.coop_id or '-'}:{name}:{key}"[:200]
