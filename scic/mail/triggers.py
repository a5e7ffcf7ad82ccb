"""What sends mail: events as they are appended (a subscription, a payment, a
reimbursement released, a reminder's notice), each turned into a queued mail in the
same transaction.

    event / notice                          mail                     to
    SharesSubscribed                        subscription-confirmed   the member (legal:
                                                                     the form and the
                                                                     certificate attached)
    SharesPaid                              payment-received         the member
    SharesReimbursed (R5 released)          reimbursement-released   the member (legal)
    ReminderDue share-call due / overdue    call-due / call-overdue  the member (legal, R7)
    ReminderDue share-payment               payment-due              the member (R7)
    ReminderDue grant-justification         justification-due        the management (R14)
    ReminderDue esus-expiry                 esus-expiry              the management (R12)
    ReminderDue cooperative-review          review-due               the management (R10)

Only news is mailed: an event effective more than NEWS_WINDOW before today (history
being recorded — a register imported, a back-dated correction) sends nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.domain.shares import SharesReimbursed, compensated_cents, still_owed_cents
from scic.events import typed
from scic.mail.outbox import enqueue, queued
from scic.projections.tables import calls, subscriptions

NEWS_WINDOW = timedelta(days=60)

REMINDER_MAILS: dict[tuple[str, str | None], tuple[str, str, bool]] = {
    # (job, notice or None for any) → (mail kind, recipient, legal)
    ("share-call", "due"): ("call-due", "member", True),
    ("share-call", "overdue"): ("call-overdue", "member", True),
    ("share-payment", None): ("payment-due", "member", False),
    ("grant-justification", None): ("justification-due", "managers", True),
    ("esus-expiry", None): ("esus-expiry", "managers", True),
    ("cooperative-review", None): ("review-due", "managers", True),
}


def after_append(
    conn: sa.Connection, events: Sequence[RecordedEvent], today: date, now: datetime
) -> int:
    """Queue the mails these events call for, in one INSERT; returns how many were
    queued."""
    mails = []
    for event in events:
        if event.tenant_id is None or _day(event.effective_date) < today - NEWS_WINDOW:
            continue
        for kind, recipient, legal, member_id, params in _mails(conn, event):
            mails.append(
                queued(
                    coop_id=event.tenant_id,
                    kind=kind,
                    cause=f"{event.event_id}:{kind}",
                    now=now,
                    recipient=recipient,
                    member_id=member_id,
                    params={**params, "on": _day(event.effective_date).isoformat()},
                    legal=legal,
                )
            )
    return enqueue(conn, *mails)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _mails(
    conn: sa.Connection, event: RecordedEvent
) -> list[tuple[str, str, bool, str | None, dict[str, Any]]]:
    d = event.data
    if event.type == "SharesSubscribed":
        params = {k: d[k] for k in ("subscription_id", "shares", "subscribed_cents", "paid_cents")}
        return [("subscription-confirmed", "member", True, d["member_id"], params)]
    if event.type == "SharesPaid":
        params = {k: d[k] for k in ("subscription_id", "amount_cents")}
        return [("payment-received", "member", False, d["member_id"], params)]
    if event.type == "SharesReimbursed":
        params = {k: d[k] for k in ("shares", "amount_cents", "loss_share_cents")}
        # R7 — the unpaid call set against the reimbursement, and what that leaves owed
        released = typed(event, (SharesReimbursed,))
        assert isinstance(released, SharesReimbursed)
        paid, loss = released.paid_in_cents, released.loss_share_cents
        params["set_off_cents"] = compensated_cents(released.called_cents, paid, loss)
        params["still_owed_cents"] = still_owed_cents(paid, loss)
        return [("reimbursement-released", "member", True, d["member_id"], params)]
    if event.type == "ReminderDue":
        found = REMINDER_MAILS.get((d["job"], d["notice"])) or REMINDER_MAILS.get((d["job"], None))
        if found is None:
            return []
        kind, recipient, legal = found
        params = {k: d[k] for k in ("job", "notice", "obligation_id", "due_on", "rule")}
        member_id = _obligation_member(conn, d["job"], d["obligation_id"], params)
        if recipient == "member" and member_id is None:
            return []
        return [(kind, recipient, legal, member_id, params)]
    return []


def _obligation_member(
    conn: sa.Connection, job: str, obligation_id: str, params: dict[str, Any]
) -> str | None:
    """The member a share call or an unpaid subscription is about (and what it owes)."""
    if job == "share-call":
        row = conn.execute(
            sa.select(calls.c.member_id, calls.c.amount_cents).where(
                calls.c.call_id == obligation_id
            )
        ).first()
        if row is not None:
            params["amount_cents"] = row.amount_cents
        return row.member_id if row else None
    if job == "share-payment":
        sub = conn.execute(
            sa.select(
                subscriptions.c.member_id,
                subscriptions.c.subscribed_cents,
                subscriptions.c.paid_cents,
            ).where(subscriptions.c.subscription_id == obligation_id)
        ).first()
        if sub is not None:
            params["amount_cents"] = sub.subscribed_cents - sub.paid_cents
        return sub.member_id if sub else None
    return None
