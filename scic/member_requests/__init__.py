"""Members' requests for more shares or a withdrawal, and the manager's decision on
each: accepting runs the real command through `scic.write.pipeline.execute` (the API's own
write path, with every rule), declining records the manager's reason. Either way the
member is told by mail, and both sides see the request and its outcome."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from ledger.errors import LedgerError
from scic.domain.members import check_still_in
from scic.domain.shares import Subscribe, Withdraw
from scic.errors import DomainError, NotFound, named, refuse
from scic.jsontypes import Integer
from scic.mail.outbox import enqueue, queued
from scic.member_requests.tables import member_requests
from scic.money import Amount, format_cents
from scic.projections import views
from scic.projections.tables import members
from scic.service import Service
from scic.write.pipeline import Command, Context, execute
from scic.write.shares import SUBSCRIPTIONS, WITHDRAWALS

Kind = Literal["subscription", "withdrawal"]


class NewRequest(BaseModel):
    """A member asks: `subscription` of `shares` more shares, paying `paid` with it
    (at least a quarter of the nominal, R7 — judged when it is accepted; default: all of
    it); or `withdrawal` of `shares` of its shares."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"kind": "subscription", "shares": 3, "paid": "150.00"}]},
    )
    kind: Kind
    shares: Integer = Field(gt=0, le=10_000_000)
    paid: Amount | None = None
    message: str | None = Field(default=None, max_length=1000)


class Decline(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"reason": "Après l'AG de juin"}]}
    )
    reason: str = Field(min_length=3, max_length=1000)


def _member(conn: sa.Connection, coop_id: str, member_id: str) -> Any:
    row = conn.execute(
        sa.select(members.c.member_id, members.c.status).where(
            members.c.member_id == member_id, members.c.coop_id == coop_id
        )
    ).first()
    if row is None:
        raise NotFound("member", member_id)
    return row


def create(
    conn: sa.Connection,
    coop_id: str,
    member_id: str,
    body: NewRequest,
    now: datetime,
    actor: str,
) -> str:
    member = _member(conn, coop_id, member_id)
    check_still_in(member.status == "active", f"member {member_id} has left the cooperative")
    if body.kind == "withdrawal" and body.paid is not None:
        raise refuse("paid-with-withdrawal", "a withdrawal request takes no amount paid")
    paid = body.paid
    if body.kind == "subscription" and paid is None:
        statutes = views.statutes_at(conn, coop_id, now.date(), None)
        assert statutes is not None
        paid = statutes.share_nominal_cents * body.shares
    request_id = f"req_{uuid.uuid4().hex[:16]}"
    conn.execute(
        member_requests.insert().values(
            request_id=request_id,
            coop_id=coop_id,
            member_id=member_id,
            kind=body.kind,
            shares=body.shares,
            paid_cents=paid,
            message=body.message,
            status="pending",
            created_at=now,
            created_by=actor,
        )
    )
    enqueue(
        conn,
        queued(
            coop_id=coop_id,
            kind="request-received",
            cause=f"{request_id}:received",
            now=now,
            recipient="managers",
            member_id=member_id,
            params={"request_id": request_id, "kind": body.kind, "shares": body.shares},
        ),
    )
    return request_id


def listing(
    conn: sa.Connection,
    coop_id: str,
    member_id: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    r = member_requests.c
    query = sa.select(member_requests).where(r.coop_id == coop_id)
    if member_id is not None:
        query = query.where(r.member_id == member_id)
    if status is not None:
        query = query.where(r.status == status)
    rows = conn.execute(query.order_by(r.created_at.desc(), r.request_id)).mappings()
    names = views.member_names(conn, coop_id)
    return [_public(row, names) for row in rows]


def one(conn: sa.Connection, coop_id: str, request_id: str) -> dict[str, Any]:
    row = _row(conn, coop_id, request_id)
    return _public(row, views.member_names(conn, coop_id))


def _row(conn: sa.Connection, coop_id: str, request_id: str) -> Any:
    r = member_requests.c
    row = (
        conn.execute(
            sa.select(member_requests).where(r.request_id == request_id, r.coop_id == coop_id)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("request", request_id)
    return row


def _public(row: Any, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row["request_id"],
        "member_id": row["member_id"],
        "member_name": names.get(row["member_id"], views.ERASED),
        "kind": row["kind"],
        "shares": row["shares"],
        "paid": format_cents(row["paid_cents"]) if row["paid_cents"] is not None else None,
        "message": row["message"],
        "status": row["status"],
        "created_at": row["created_at"].isoformat(),
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "reason": row["reason"],
        "rule": row["rule"],
        "refusal": row["refusal"],
        "outcome_id": row["outcome_id"],
    }


def refusal_of(request: dict[str, Any]) -> DomainError | None:
    """The refusal a rule gave when the request was accepted (for its French words)."""
    if request["status"] != "refused" or not request["refusal"]:
        return None
    return named(request["refusal"], request["rule"], request["reason"] or "")


def _pending(conn: sa.Connection, coop_id: str, request_id: str) -> Any:
    row = _row(conn, coop_id, request_id)
    if row["status"] != "pending":
        raise refuse(
            "request-not-pending",
            f"request {request_id} was already {row['status']}: a decision is made once",
        )
    return row


def accept(service: Service, coop_id: str, request_id: str, actor: str) -> dict[str, Any]:
    """Run the command the request asks for, as the API would (its rules, the date
    today); the request, its outcome and the member's mail land in the same transaction.
    A rule's refusal is recorded on the request (status `refused`, the rule and its
    words, the member told) and raised for the caller to show."""
    today = service.today()
    try:
        with service.store.write() as session:
            row = _pending(session.conn, coop_id, request_id)
            command: Subscribe | Withdraw
            if row["kind"] == "subscription":
                command = Subscribe.model_validate(
                    {
                        "member_id": row["member_id"],
                        "shares": row["shares"],
                        "paid": format_cents(row["paid_cents"]),
                        "effective_date": today,
                    }
                )
                written: Command = SUBSCRIPTIONS
            else:
                command = Withdraw(
                    member_id=row["member_id"], shares=row["shares"], effective_date=today
                )
                written = WITHDRAWALS
            outcome = execute(
                session,
                Context(coop_id, actor=actor, today=today),
                written,
                command,
                idempotency_key=f"{coop_id}:request:{request_id}",
            )
            _decide(session.conn, row, "accepted", actor, session.store.clock(), outcome.id)
    except (DomainError, LedgerError) as error:
        if isinstance(error, NotFound) or getattr(error, "slug", None) == "request-not-pending":
            raise
        with service.engine.begin() as conn:
            row = _pending(conn, coop_id, request_id)
            _decide(conn, row, "refused", actor, service.store.clock(), None, error)
        raise
    with service.engine.connect() as conn:
        return one(conn, coop_id, request_id)


def decline(
    service: Service, coop_id: str, request_id: str, reason: str, actor: str
) -> dict[str, Any]:
    with service.engine.begin() as conn:
        row = _pending(conn, coop_id, request_id)
        _decide(conn, row, "declined", actor, service.store.clock(), None, reason=reason)
        return one(conn, coop_id, request_id)


def _decide(
    conn: sa.Connection,
    row: Any,
    status: str,
    actor: str,
    now: datetime,
    outcome_id: str | None,
    error: Exception | None = None,
    reason: str | None = None,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "decided_at": now,
        "decided_by": actor,
        "outcome_id": outcome_id,
        "reason": reason,
    }
    if isinstance(error, DomainError):
        values.update(reason=error.detail[:1000], rule=error.rule, refusal=error.slug)
    elif error is not None:
        values.update(reason=str(error)[:1000], refusal="ledger-refused")
    conn.execute(
        member_requests.update()
        .where(member_requests.c.request_id == row["request_id"])
        .values(**values)
    )
    kind = "request-accepted" if status == "accepted" else "request-declined"
    enqueue(
        conn,
        queued(
            coop_id=row["coop_id"],
            kind=kind,
            cause=f"{row['request_id']}:{status}",
            now=now,
            recipient="member",
            member_id=row["member_id"],
            params={
                "request_id": row["request_id"],
                "request_kind": row["kind"],
                "shares": row["shares"],
                "reason": values["reason"] or "",
                "rule": values.get("rule") or "",
                "refusal": values.get("refusal") or "",
            },
            legal=False,
        ),
    )
