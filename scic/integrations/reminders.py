"""Reminders: the dated obligations of a cooperative (R7, R10-R14), and the events that
announce them. A reminder is a ledger event (`ReminderDue`), so it reaches the feed, the
SSE stream and webhooks like any other.

Each obligation has notices, each with the date it fires on. A notice is appended once
per (job, obligation, due date, notice) — that tuple is the event's idempotency key, so
any number of scheduler runs, processes or restarts record it once. When several notices
of an obligation have been reached (the scheduler was down, or the obligation was
recorded late), only the latest one fires: "7 days left" makes "30 days left" moot.

Obligations are read from the projections (they are what a manager sees), as at a date:
    grant-justification  R14  justify_by of an open grant not fully justified:
                              30-days, 7-days before, overdue the day after
    share-call           R7   a call whose subscription is not paid up to what was
                              called: due on its due date, overdue the day after
    share-payment        R7   unpaid capital of a subscription, due within 5 years:
                              30-days before, overdue the day after
    esus-expiry          R12  the last ESUS approval: 6-months before expiry, expired
    titles-remuneration  R11  each anniversary of an outstanding issue without the
                              previous fiscal year's remuneration recorded: due
    cooperative-review   R10  5 years after the last review (or incorporation): 90-days
                              before, due, overdue the day after; and a closed fiscal
                              year whose result calls for one (the third loss-making
                              year since the last review, a loss of half the highest
                              capital): due at the year's end, overdue six months
                              later, until a review is recorded
    ir-pme-holding       R13  31 December of the fifth year after a person's
                              subscription (the holding period ends): 30-days before,
                              ended (listed 30 days more)
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from ledger import AppendRequest, EventStore, IdempotencyConflict, NewEvent
from ledger.schema import idempotency_keys
from scic import anchoring
from scic.accounting import reads
from scic.dates import add_months, add_years
from scic.domain.reminders import LedgerVerified, ReminderDue
from scic.projections.tables import (
    calls,
    coops,
    esus_approvals,
    grants,
    members,
    subscriptions,
    title_issues,
    title_remunerations,
)
from scic.rules.dated import ir_pme_holding_ends
from scic.write.pipeline import append_events

ACTOR = "scheduler"
log = logging.getLogger("scic.scheduler")  # the job's alarms go to the scheduler's log
PAYMENT_WITHIN_YEARS = 5  # R7 — the unpaid part within 5 years


@dataclass(frozen=True)
class Obligation:
    """Attributes:
    job: what kind of obligation (the table in the module docstring).
    obligation_id: the grant, call, subscription, approval, issue or cooperative it is about.
    due_on: the deadline (or the date the period ends).
    notices: (name, date it fires on), in date order.
    """

    coop_id: str
    job: str
    rule: str
    obligation_id: str
    due_on: date
    notices: tuple[tuple[str, date], ...]
    detail: str

    def reached(self, on: date) -> tuple[str, date] | None:
        """The latest notice fired by `on`, None before the first."""
        found = None
        for notice in self.notices:
            if notice[1] <= on:
                found = notice
        return found

    def key(self, notice: str) -> str:
        return f"reminder:{self.coop_id}:{self.job}:{self.obligation_id}:{self.due_on}:{notice}"


def _days(n: int) -> timedelta:
    return timedelta(days=n)


def obligations(conn: sa.Connection, coop_id: str, on: date) -> list[Obligation]:
    """Obligations of a cooperative not fulfilled as at `on`, whose first notice is reached."""
    found = [
        *_grants(conn, coop_id),
        *_calls(conn, coop_id),
        *_payments(conn, coop_id),
        *_esus(conn, coop_id),
        *_titles(conn, coop_id, on),
        *_review(conn, coop_id, on),
        *_holdings(conn, coop_id, on),
    ]
    return sorted(
        (o for o in found if o.reached(on) is not None),
        key=lambda o: (o.due_on, o.job, o.obligation_id),
    )


def _grants(conn: sa.Connection, coop_id: str) -> Iterator[Obligation]:
    g = grants.c
    rows = conn.execute(
        sa.select(g.grant_id, g.awarded_cents, g.justified_cents, g.clawed_back_cents, g.doc)
        .where(g.coop_id == coop_id, g.status != "closed")
        .order_by(g.grant_id)
    )
    for row in rows:
        justify_by = row.doc.get("justify_by")
        if not justify_by or row.justified_cents >= row.awarded_cents - row.clawed_back_cents:
            continue
        due = date.fromisoformat(justify_by)
        yield Obligation(
            coop_id,
            "grant-justification",
            "R14",
            row.grant_id,
            due,
            (("30-days", due - _days(30)), ("7-days", due - _days(7)), ("overdue", due + _days(1))),
            f"grant {row.grant_id} is to be justified by {due}",
        )


def _calls(conn: sa.Connection, coop_id: str) -> Iterator[Obligation]:
    c, s = calls.c, subscriptions.c
    rows = conn.execute(
        sa.select(c.call_id, c.subscription_id, c.due_date, c.amount_cents)
        .join(subscriptions, s.subscription_id == c.subscription_id)
        .where(c.coop_id == coop_id, sa.not_(c.reversed), s.paid_cents < s.called_cents)
        .order_by(c.call_id)
    )
    for row in rows:
        yield Obligation(
            coop_id,
            "share-call",
            "R7",
            row.call_id,
            row.due_date,
            (("due", row.due_date), ("overdue", row.due_date + _days(1))),
            f"call {row.call_id} on subscription {row.subscription_id} is due {row.due_date}",
        )


def _payments(conn: sa.Connection, coop_id: str) -> Iterator[Obligation]:
    s = subscriptions.c
    rows = conn.execute(
        sa.select(s.subscription_id, s.subscribed_on)
        .where(s.coop_id == coop_id, s.paid_cents < s.subscribed_cents)
        .order_by(s.subscription_id)
    )
    for row in rows:
        due = add_years(row.subscribed_on, PAYMENT_WITHIN_YEARS)
        yield Obligation(
            coop_id,
            "share-payment",
            "R7",
            row.subscription_id,
            due,
            (("30-days", due - _days(30)), ("overdue", due + _days(1))),
            f"subscription {row.subscription_id} is to be paid up by {due}",
        )


def _esus(conn: sa.Connection, coop_id: str) -> Iterator[Obligation]:
    a = esus_approvals.c
    last = conn.execute(
        sa.select(a.approval_id, a.expires_on)
        .where(a.coop_id == coop_id)
        .order_by(a.expires_on.desc(), a.approval_id)
        .limit(1)
    ).first()
    if last is None:
        return
    warn = add_months(last.expires_on, -6)
    yield Obligation(
        coop_id,
        "esus-expiry",
        "R12",
        last.approval_id,
        last.expires_on,
        (("6-months", warn), ("expired", last.expires_on)),
        f"the ESUS approval {last.approval_id} expires on {last.expires_on}",
    )


def _titles(conn: sa.Connection, coop_id: str, on: date) -> Iterator[Obligation]:
    t, r = title_issues.c, title_remunerations.c
    issues = conn.execute(
        sa.select(t.issue_id, t.issued_on)
        .where(t.coop_id == coop_id, t.outstanding > 0)
        .order_by(t.issue_id)
    ).all()
    for issue in issues:
        paid = set(
            conn.execute(sa.select(r.fiscal_year).where(r.issue_id == issue.issue_id)).scalars()
        )
        years = 1
        while (due := add_years(issue.issued_on, years)) <= on:
            if due.year - 1 not in paid:
                yield Obligation(
                    coop_id,
                    "titles-remuneration",
                    "R11",
                    issue.issue_id,
                    due,
                    (("due", due),),
                    f"remuneration of titles {issue.issue_id} for {due.year - 1} is due",
                )
            years += 1


def _review(conn: sa.Connection, coop_id: str, on: date) -> Iterator[Obligation]:
    """R10 — the periodic review, five years after the last report made available (or
    incorporation), and each trigger since the last review: due, then overdue, until a
    review is recorded (only a review moves the due date)."""
    incorporated = conn.execute(
        sa.select(coops.c.incorporated_on).where(coops.c.coop_id == coop_id)
    ).scalar()
    if incorporated is None:
        return
    found = reads.review_due(conn, coop_id, incorporated, on)
    due = found.periodic_due
    yield Obligation(
        coop_id,
        "cooperative-review",
        "R10",
        coop_id,
        due,
        (("90-days", due - _days(90)), ("due", due), ("overdue", due + _days(1))),
        f"the cooperative review (révision coopérative) is due by {due}",
    )
    for trigger in found.triggers:
        yield Obligation(
            coop_id,
            "cooperative-review",
            "R10",
            f"{coop_id}-fy{trigger.year}",
            trigger.due_on,
            (("due", trigger.end), ("overdue", trigger.due_on + _days(1))),
            f"fiscal year {trigger.year}: {trigger.reason}: a cooperative review is due "
            f"by {trigger.due_on}",
        )


def _holdings(conn: sa.Connection, coop_id: str, on: date) -> Iterator[Obligation]:
    s, m = subscriptions.c, members.c
    rows = conn.execute(
        sa.select(s.subscription_id, s.member_id, s.subscribed_on)
        .join(members, m.member_id == s.member_id)
        .where(s.coop_id == coop_id, m.kind == "person", m.status == "active")
        .order_by(s.subscription_id)
    )
    for row in rows:
        ends = ir_pme_holding_ends(row.subscribed_on)
        if on > ends + _days(30):
            continue  # ended a while ago: nothing left to watch
        yield Obligation(
            coop_id,
            "ir-pme-holding",
            "R13",
            row.subscription_id,
            ends,
            (("30-days", ends - _days(30)), ("ended", ends)),
            f"the 5-year IR-PME holding of {row.subscription_id} by {row.member_id} ends {ends}",
        )


# -- firing ----------------------------------------------------------------------------


def reminder_requests(conn: sa.Connection, on: date) -> list[AppendRequest]:
    """One append per reached notice of every cooperative (keyed: replays write nothing)."""
    found: list[AppendRequest] = []
    coop_ids = conn.execute(sa.select(coops.c.coop_id).order_by(coops.c.coop_id)).scalars()
    for coop_id in list(coop_ids):
        for obligation in obligations(conn, coop_id, on):
            reached = obligation.reached(on)
            assert reached is not None
            notice, fires_on = reached
            payload = ReminderDue(
                job=obligation.job,
                obligation_id=obligation.obligation_id,
                notice=notice,
                due_on=obligation.due_on,
                rule=obligation.rule,
                detail=obligation.detail,
            )
            found.append(
                AppendRequest(
                    f"reminders-{coop_id}",
                    [
                        NewEvent(
                            "ReminderDue",
                            payload.model_dump(mode="json"),
                            effective_date=fires_on,
                            tenant_id=coop_id,
                            subject_id=obligation.obligation_id,
                        )
                    ],
                    idempotency_key=obligation.key(notice),
                    actor=ACTOR,
                )
            )
    return found


def fire_reminders(store: EventStore, on: date) -> int:
    """Append every reached notice not yet recorded; returns how many were new."""
    with store.engine.connect() as conn:
        requests = reminder_requests(conn, on)
        recorded = _recorded_keys(conn, [r.idempotency_key or "" for r in requests])
    new = [r for r in requests if r.idempotency_key not in recorded]
    if not new:
        return 0
    try:
        _append_with_mail(store, new, on)
    except IdempotencyConflict:
        # Another process recorded one meanwhile with other words (a newer release):
        # one by one, so that one notice never holds the others back.
        for request in new:
            with contextlib.suppress(IdempotencyConflict):
                _append_with_mail(store, [request], on)
    return len(new)


def _append_with_mail(store: EventStore, requests: list[AppendRequest], on: date) -> None:
    """The notices and the mails they call for (scic.mail.triggers), in one transaction."""
    with store.write() as session:
        append_events(session, requests, on)


def _recorded_keys(conn: sa.Connection, keys: list[str]) -> set[str]:
    k = idempotency_keys.c
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(conn.execute(sa.select(k.key).where(k.key.in_(chunk))).scalars())
    return found


def verify_chain(store: EventStore, on: date) -> dict[str, Any] | None:
    """Recompute the hash chain (holding it against every receipt, their signatures checked
    with the configured key) and record the outcome once for the day (None: already done
    that day). Only an intact chain gets a signed receipt of the head it was verified at,
    in the same transaction as the outcome: a tampered chain is never signed."""
    key = f"verify:{on}"
    with store.engine.connect() as conn:
        if _recorded_keys(conn, [key]):
            return None
    position, head_hash = store.head_of_chain()
    receipt_key = anchoring.configured_key()
    report = store.verify(key=receipt_key)
    reason = report.reason
    if receipt_key is None and any(r.signature for r in store.stored_receipts()):
        # Without the key, a receipt edited along with the chain cannot be told apart.
        reason = "receipt signatures not checked: SCIC_RECEIPT_KEY is not set"
        log.error("ALARM: %s, yet signed receipts are stored", reason)
    payload = LedgerVerified(
        day=on,
        ok=report.ok,
        checked=report.checked,
        first_broken_position=report.first_broken_position,
        reason=reason,
    )
    if not report.ok:
        log.error(
            "ALARM: hash chain broken at position %s (%s); no head receipt signed",
            report.first_broken_position,
            report.reason,
        )
    event = NewEvent("LedgerVerified", payload.model_dump(mode="json"), effective_date=on)
    try:
        with contextlib.suppress(IdempotencyConflict), store.write() as session:  # or another
            request = AppendRequest(
                "ledger-verification", [event], idempotency_key=key, actor=ACTOR
            )
            append_events(session, [request], on)
            if report.ok:
                anchoring.record(
                    session.conn, position, head_hash, store.clock(), f"daily-verification:{on}"
                )
    except sa.exc.DBAPIError:
        if report.ok:
            raise
        # A ledger tampered with may refuse the record too (projection rows left beyond a
        # truncation): the alarm above stands.
        log.exception("the broken chain's verification could not be recorded in the ledger")
    return payload.model_dump(mode="json")
