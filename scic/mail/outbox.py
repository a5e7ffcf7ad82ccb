"""Writing to the mail outbox, and reading it back as the delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from scic.mail.tables import mail_attempts, mail_outbox

RECIPIENTS = ("member", "party", "managers", "address")


def queued(
    *,
    coop_id: str,
    kind: str,
    cause: str,
    now: datetime,
    recipient: str,
    params: dict[str, Any],
    member_id: str | None = None,
    party_id: str | None = None,
    to_address: str | None = None,
    lang: str | None = None,
    legal: bool = False,
) -> dict[str, Any]:
    """The outbox row of one mail to queue (`enqueue` writes it)."""
    assert recipient in RECIPIENTS
    return {
        "mail_id": f"mail_{uuid.uuid4().hex[:16]}",
        "coop_id": coop_id,
        "kind": kind,
        "recipient": recipient,
        "member_id": member_id,
        "party_id": party_id,
        "to_address": to_address,
        "lang": lang,
        "legal": legal,
        "params": params,
        "cause": cause,
        "status": "queued",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }


def enqueue(conn: sa.Connection, *mails: dict[str, Any]) -> int:
    """Queue mails (`queued` rows) in the caller's transaction, in one INSERT (a batch of
    commands queues its mails at once: two statements per mail were half a batch's
    cost). A mail whose cause already queued one (a retried command, a reminder seen
    twice) is left out; returns how many were queued."""
    o = mail_outbox.c
    causes = [m["cause"] for m in mails]
    seen: set[str] = set()
    for start in range(0, len(causes), 500):
        chunk = causes[start : start + 500]
        seen.update(conn.execute(sa.select(o.cause).where(o.cause.in_(chunk))).scalars())
    rows = []
    for mail in mails:
        if mail["cause"] not in seen:
            seen.add(mail["cause"])
            rows.append(mail)
    if rows:
        conn.execute(mail_outbox.insert(), rows)
    return len(rows)


def log(
    conn: sa.Connection, coop_id: str, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """The newest mails of a cooperative, with their attempts (the delivery log)."""
    o = mail_outbox.c
    query = sa.select(mail_outbox).where(o.coop_id == coop_id)
    if status is not None:
        query = query.where(o.status == status)
    rows = (
        conn.execute(query.order_by(o.created_at.desc(), o.mail_id).limit(limit)).mappings().all()
    )
    attempts: dict[str, list[dict[str, Any]]] = {r["mail_id"]: [] for r in rows}
    if rows:
        a = mail_attempts.c
        for attempt in conn.execute(
            sa.select(mail_attempts).where(a.mail_id.in_(list(attempts))).order_by(a.attempt_id)
        ).mappings():
            attempts[attempt["mail_id"]].append(
                {
                    "at": attempt["attempted_at"].isoformat(),
                    "outcome": attempt["outcome"],
                    "detail": attempt["detail"],
                }
            )
    return [
        {
            "id": r["mail_id"],
            "kind": r["kind"],
            "recipient": r["recipient"],
            "member_id": r["member_id"],
            "status": r["status"],
            "skip_reason": r["skip_reason"],
            "sent_to": r["sent_to"],
            "subject": r["subject"],
            "legal": r["legal"],
            "created_at": r["created_at"].isoformat(),
            "sent_at": r["sent_at"].isoformat() if r["sent_at"] else None,
            "next_attempt_at": (
                r["next_attempt_at"].isoformat() if r["status"] == "queued" else None
            ),
            "last_error": r["last_error"],
            "attempts": attempts[r["mail_id"]],
        }
        for r in rows
    ]
