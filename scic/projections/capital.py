"""The capital projector: cooperatives, statutes, members, subscriptions, calls,
withdrawals, and the bitemporal `share_movements` ledger every capital view sums."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from ledger import RecordedEvent
from scic.domain.cooperative import CoopRegistered, StatutesAmended
from scic.domain.corrections import EventReversed
from scic.domain.members import MemberAdmitted, MemberCategoryChanged
from scic.domain.shares import (
    LossesRecorded,
    MemberWithdrew,
    MovingShares,
    OwedCallPaid,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.domain.state import Holding
from scic.events import EVENT_TYPES, typed
from scic.projections import capital_bulk
from scic.projections.tables import (
    CAPITAL_TABLES,
    calls,
    coop_capital,
    coops,
    member_categories,
    members,
    movements,
    owed_payments,
    reversals,
    statutes,
    subscriptions,
    withdrawals,
)

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")
# Reversed events whose own rows (a call, a withdrawal, a reimbursement) are put back.
KEPT_ROWS: tuple[type[BaseModel], ...] = (
    SharesCalled,
    SharesReimbursed,
    MemberWithdrew,
    OwedCallPaid,
)
# The events this projector acts on one by one (runs of the common ones go set-wise).
HANDLED = (
    CoopRegistered,
    StatutesAmended,
    LossesRecorded,
    MemberAdmitted,
    MemberCategoryChanged,
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    MemberWithdrew,
    SharesReimbursed,
    SharesTransferred,
    OwedCallPaid,
    EventReversed,
)


class CapitalProjector:
    name = "capital"
    tables = CAPITAL_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """Runs of the common events set-wise (`capital_bulk`), the others one by one."""
        capital_bulk.apply_runs(conn, events, HANDLED, lambda e, ev: self.one(conn, e, ev))

    def apply_one_by_one(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """The per-event form: the reference the set-wise one is tested against."""
        for event in events:
            ev = typed(event)
            if isinstance(ev, HANDLED):
                self.one(conn, event, ev)

    def one(self, conn: sa.Connection, e: RecordedEvent, ev: BaseModel) -> None:
        match ev:
            case CoopRegistered():
                self._registered(conn, e, e.data)
            case StatutesAmended():
                self._amended(conn, e, e.data)
            case LossesRecorded():
                self._losses(conn, e, ev)
            case MemberAdmitted():
                self._admitted(conn, e, ev)
            case MemberCategoryChanged():
                self._recategorised(conn, e, ev)
            case SharesSubscribed():
                self._subscribed(conn, e, ev)
            case SharesCalled():
                self._called(conn, e, ev)
            case SharesPaid() | SharesTransferred():
                self._moves(conn, e, ev)
            case MemberWithdrew():
                self._withdrew(conn, e, ev)
            case SharesReimbursed():
                self._reimbursed(conn, e, ev)
            case OwedCallPaid():
                conn.execute(
                    owed_payments.insert().values(
                        payment_id=ev.payment_id,
                        event_id=e.event_id,
                        coop_id=e.tenant_id,
                        member_id=ev.member_id,
                        position=e.position,
                        paid_on=e.effective_date,
                        amount_cents=ev.amount_cents,
                        reversed=False,
                    )
                )
            case EventReversed():
                self._reversed(conn, e, ev)

    # -- cooperative -------------------------------------------------------------------

    def _registered(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        """The statutes are stored as recorded (their JSON is the document)."""
        conn.execute(
            coops.insert().values(
                coop_id=d["coop_id"],
                name=d["name"],
                siren=d["siren"],
                legal_form=d["statutes"]["legal_form"],
                incorporated_on=e.effective_date,
                registered_at=e.recorded_at,
            )
        )
        self._add_statutes(conn, e, d)
        conn.execute(
            coop_capital.insert().values(
                coop_id=d["coop_id"],
                shares=0,
                subscribed_cents=0,
                called_cents=0,
                paid_cents=0,
                public_subscribed_cents=0,
                highest_subscribed_cents=0,
                uncovered_losses_cents=0,
            )
        )

    def _amended(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        self._add_statutes(conn, e, d)
        public = public_categories(conn, d["coop_id"], e.effective_date)
        total = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(members.c.subscribed_cents), 0)).where(
                members.c.coop_id == d["coop_id"], members.c.category.in_(public)
            )
        ).scalar_one()
        conn.execute(
            coop_capital.update()
            .where(coop_capital.c.coop_id == d["coop_id"])
            .values(public_subscribed_cents=total)
        )

    @staticmethod
    def _add_statutes(conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            statutes.insert().values(
                coop_id=d["coop_id"],
                position=e.position,
                valid_from=e.effective_date,
                recorded_at=e.recorded_at,
                doc=d["statutes"],
            )
        )

    def _losses(self, conn: sa.Connection, e: RecordedEvent, ev: LossesRecorded) -> None:
        conn.execute(
            coop_capital.update()
            .where(coop_capital.c.coop_id == e.tenant_id)
            .values(uncovered_losses_cents=coop_capital.c.uncovered_losses_cents + ev.amount_cents)
        )

    # -- members -----------------------------------------------------------------------

    def _admitted(self, conn: sa.Connection, e: RecordedEvent, ev: MemberAdmitted) -> None:
        conn.execute(
            members.insert().values(
                member_id=ev.member_id,
                coop_id=e.tenant_id,
                party_id=ev.party_id,
                kind=ev.kind,
                category=ev.category,
                admitted_on=e.effective_date,
                admitted_at=e.recorded_at,
                status="active",
                number=ev.number,
                shares=0,
                subscribed_cents=0,
                called_cents=0,
                paid_cents=0,
                pending_shares=0,
                pending_subscribed_cents=0,
                pending_called_cents=0,
                pending_paid_cents=0,
            )
        )
        self._category_history(conn, e, ev.member_id, ev.category)

    def _recategorised(
        self, conn: sa.Connection, e: RecordedEvent, ev: MemberCategoryChanged
    ) -> None:
        public = public_categories(conn, e.tenant_id, e.effective_date)
        held = conn.execute(
            sa.select(members.c.subscribed_cents).where(members.c.member_id == ev.member_id)
        ).scalar_one()
        delta = held * ((ev.category in public) - (ev.previous in public))
        conn.execute(
            members.update().where(members.c.member_id == ev.member_id).values(category=ev.category)
        )
        if delta:
            conn.execute(
                coop_capital.update()
                .where(coop_capital.c.coop_id == e.tenant_id)
                .values(public_subscribed_cents=coop_capital.c.public_subscribed_cents + delta)
            )
        self._category_history(conn, e, ev.member_id, ev.category)

    @staticmethod
    def _category_history(
        conn: sa.Connection, e: RecordedEvent, member_id: str, category: str
    ) -> None:
        conn.execute(
            member_categories.insert().values(
                member_id=member_id,
                position=e.position,
                coop_id=e.tenant_id,
                category=category,
                effective_date=e.effective_date,
                recorded_at=e.recorded_at,
            )
        )

    # -- shares ------------------------------------------------------------------------

    def _subscribed(self, conn: sa.Connection, e: RecordedEvent, ev: SharesSubscribed) -> None:
        conn.execute(
            subscriptions.insert().values(
                subscription_id=ev.subscription_id,
                coop_id=e.tenant_id,
                member_id=ev.member_id,
                subscribed_on=e.effective_date,
                shares=0,
                subscribed_cents=0,
                called_cents=0,
                paid_cents=0,
            )
        )
        self._moves(conn, e, ev)

    def _called(self, conn: sa.Connection, e: RecordedEvent, ev: SharesCalled) -> None:
        conn.execute(
            calls.insert().values(
                call_id=ev.call_id,
                coop_id=e.tenant_id,
                subscription_id=ev.subscription_id,
                member_id=ev.member_id,
                amount_cents=ev.amount_cents,
                called_on=e.effective_date,
                due_date=ev.due_date,
                reversed=False,
            )
        )
        self._moves(conn, e, ev)

    def _moves(self, conn: sa.Connection, e: RecordedEvent, ev: MovingShares) -> None:
        """The event's capital moves, as its home says (scic/domain/shares.py)."""
        for move in ev.moves():
            self._move(
                conn,
                e,
                e.event_id,
                move.member_id,
                move.subscription_id,
                move.kind,
                move.amounts.as_row(),
            )

    def _withdrew(self, conn: sa.Connection, e: RecordedEvent, ev: MemberWithdrew) -> None:
        """The shares are set aside, pending reimbursement: they stay in the capital."""
        conn.execute(
            withdrawals.insert().values(
                withdrawal_id=ev.withdrawal_id,
                coop_id=e.tenant_id,
                member_id=ev.member_id,
                position=e.position,
                requested_on=e.effective_date,
                due_by=ev.due_by,
                exit=ev.exit,
                excluded=ev.excluded,
                status="pending",
                **ev.holding.as_row(),
            )
        )
        m = members.c
        values = _pending(ev.holding)
        if ev.exit:
            values.update(
                status="excluded" if ev.excluded else "withdrawn", exited_on=e.effective_date
            )
        conn.execute(members.update().where(m.member_id == ev.member_id).values(**values))

    def _reimbursed(self, conn: sa.Connection, e: RecordedEvent, ev: SharesReimbursed) -> None:
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == ev.withdrawal_id)
            .values(
                status="reimbursed",
                reimbursed_on=e.effective_date,
                amount_cents=ev.amount_cents,
                loss_share_cents=ev.loss_share_cents,
            )
        )
        conn.execute(
            members.update()
            .where(members.c.member_id == ev.member_id)
            .values(**_pending(-ev.holding))
        )
        self._moves(conn, e, ev)
        if ev.loss_share_cents:
            conn.execute(
                coop_capital.update()
                .where(coop_capital.c.coop_id == e.tenant_id)
                .values(
                    uncovered_losses_cents=coop_capital.c.uncovered_losses_cents
                    - ev.loss_share_cents
                )
            )

    def _reversed(self, conn: sa.Connection, e: RecordedEvent, ev: EventReversed) -> None:
        """The reversed event's movement rows, negated at their own date; the rows of a
        call, a withdrawal or a reimbursement put back as they were."""
        original = ev.reversed_event_id
        conn.execute(
            reversals.insert().values(
                reversed_event_id=original, coop_id=e.tenant_id, reversal_event_id=e.event_id
            )
        )
        kept = EVENT_TYPES.get(ev.reversed_type)
        if kept in KEPT_ROWS:  # rows of their own to put back, read in their payload
            match kept.model_validate(_data_of(conn, original)):
                case SharesCalled() as called:
                    conn.execute(
                        calls.update()
                        .where(calls.c.coop_id == e.tenant_id)
                        .where(calls.c.call_id == called.call_id)
                        .values(reversed=True)
                    )
                case SharesReimbursed() as reimbursed:
                    self._unreimburse(conn, e, reimbursed)
                case MemberWithdrew() as withdrew:
                    self._unwithdraw(conn, withdrew)
                case OwedCallPaid():
                    conn.execute(
                        owed_payments.update()
                        .where(owed_payments.c.event_id == original)
                        .values(reversed=True)
                    )
        rows = (
            conn.execute(
                sa.select(movements)
                .where(movements.c.event_id == original)
                .order_by(movements.c.member_id)
            )
            .mappings()
            .all()
        )
        for row in rows:
            self._move(
                conn,
                e,
                e.event_id,
                row["member_id"],
                row["subscription_id"],
                "reversal",
                {k: -row[k] for k in AMOUNTS},
                effective_date=row["effective_date"],
            )

    @staticmethod
    def _unreimburse(conn: sa.Connection, e: RecordedEvent, ev: SharesReimbursed) -> None:
        """A reimbursement reversed (a correction, or its compensation): the withdrawal
        waits in the queue again, at its place (the queue is ordered by position)."""
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == ev.withdrawal_id)
            .values(status="pending", reimbursed_on=None, amount_cents=None, loss_share_cents=None)
        )
        conn.execute(
            members.update()
            .where(members.c.member_id == ev.member_id)
            .values(**_pending(ev.holding))
        )
        if ev.loss_share_cents:
            c = coop_capital.c
            conn.execute(
                coop_capital.update()
                .where(c.coop_id == e.tenant_id)
                .values(uncovered_losses_cents=c.uncovered_losses_cents + ev.loss_share_cents)
            )

    @staticmethod
    def _unwithdraw(conn: sa.Connection, ev: MemberWithdrew) -> None:
        """A withdrawal recorded by mistake: the member never left."""
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == ev.withdrawal_id)
            .values(status="reversed")
        )
        m = members.c
        values = _pending(-ev.holding)
        if ev.exit:
            values.update(status="active", exited_on=None)
        conn.execute(members.update().where(m.member_id == ev.member_id).values(**values))

    # -- the one place amounts move ----------------------------------------------------

    def _move(
        self,
        conn: sa.Connection,
        e: RecordedEvent,
        event_id: str,
        member_id: str,
        subscription_id: str | None,
        kind: str,
        amounts: dict[str, int],
        effective_date: Any = None,
    ) -> None:
        conn.execute(
            movements.insert().values(
                event_id=event_id,
                member_id=member_id,
                coop_id=e.tenant_id,
                subscription_id=subscription_id,
                kind=kind,
                position=e.position,
                effective_date=effective_date or e.effective_date,
                recorded_at=e.recorded_at,
                **amounts,
            )
        )
        m = members.c
        conn.execute(
            members.update()
            .where(m.member_id == member_id)
            .values(**{k: m[k] + v for k, v in amounts.items()})
        )
        if subscription_id is not None:
            s = subscriptions.c
            conn.execute(
                subscriptions.update()
                .where(s.subscription_id == subscription_id)
                .values(**{k: s[k] + v for k, v in amounts.items()})
            )
        category = conn.execute(sa.select(m.category).where(m.member_id == member_id)).scalar_one()
        public = category in public_categories(
            conn, e.tenant_id, effective_date or e.effective_date
        )
        c = coop_capital.c
        subscribed_after = c.subscribed_cents + amounts["subscribed_cents"]
        conn.execute(
            coop_capital.update()
            .where(c.coop_id == e.tenant_id)
            .values(
                **{k: c[k] + v for k, v in amounts.items()},
                public_subscribed_cents=c.public_subscribed_cents
                + (amounts["subscribed_cents"] if public else 0),
                highest_subscribed_cents=sa.case(
                    (subscribed_after > c.highest_subscribed_cents, subscribed_after),
                    else_=c.highest_subscribed_cents,
                ),
            )
        )


def public_categories(conn: sa.Connection, coop_id: str | None, on: date) -> set[str]:
    """Codes of public-body categories in the statutes in force on `on` (R3): a statutes
    amendment of 2030 does not reclassify the capital of 2020."""
    s = statutes.c
    in_force = (
        sa.select(s.doc)
        .where(s.coop_id == coop_id)
        .order_by(s.valid_from.desc(), s.position.desc())
        .limit(1)
    )
    doc = conn.execute(in_force.where(s.valid_from <= on)).scalar()
    if doc is None:  # before the first statutes: the founding ones
        doc = conn.execute(in_force.order_by(None).order_by(s.valid_from, s.position)).scalar_one()
    return {c["code"] for c in doc["categories"] if c.get("public_body")}


def _pending(delta: Holding) -> dict[str, Any]:
    """The members row's shares set aside for reimbursement, moved by `delta`."""
    m = members.c
    return {f"pending_{k}": m[f"pending_{k}"] + v for k, v in delta.as_row().items()}


def _data_of(conn: sa.Connection, event_id: str) -> dict[str, Any]:
    from ledger.schema import events

    data: dict[str, Any] = conn.execute(
        sa.select(events.c.data).where(events.c.event_id == event_id)
    ).scalar_one()
    return data
