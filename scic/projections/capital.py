"""The capital projector: cooperatives, statutes, members, subscriptions, calls,
withdrawals, and the bitemporal `share_movements` ledger every capital view sums."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from ledger import RecordedEvent
from scic.projections import capital_bulk
from scic.projections.tables import (
    CAPITAL_TABLES,
    calls,
    coop_capital,
    coops,
    member_categories,
    members,
    movements,
    reversals,
    statutes,
    subscriptions,
    withdrawals,
)

AMOUNTS = ("shares", "subscribed_cents", "called_cents", "paid_cents")


class CapitalProjector:
    name = "capital"
    tables = CAPITAL_TABLES

    def apply(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """Runs of the common events set-wise (`capital_bulk`), the others one by one."""

        def handler_of(event_type: str) -> Callable[[RecordedEvent], None] | None:
            handler = getattr(self, f"_on_{event_type}", None)
            if handler is None:
                return None
            return lambda e: handler(conn, e, e.data)

        capital_bulk.apply_runs(conn, events, handler_of)

    def apply_one_by_one(self, conn: sa.Connection, events: Sequence[RecordedEvent]) -> None:
        """The per-event form: the reference the set-wise one is tested against."""
        for event in events:
            handler = getattr(self, f"_on_{event.type}", None)
            if handler is not None:
                handler(conn, event, event.data)

    # -- cooperative -------------------------------------------------------------------

    def _on_CoopRegistered(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
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

    def _on_StatutesAmended(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
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

    def _on_LossesRecorded(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            coop_capital.update()
            .where(coop_capital.c.coop_id == e.tenant_id)
            .values(
                uncovered_losses_cents=coop_capital.c.uncovered_losses_cents + d["amount_cents"]
            )
        )

    # -- members -----------------------------------------------------------------------

    def _on_MemberAdmitted(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            members.insert().values(
                member_id=d["member_id"],
                coop_id=e.tenant_id,
                party_id=d["party_id"],
                kind=d["kind"],
                category=d["category"],
                admitted_on=e.effective_date,
                admitted_at=e.recorded_at,
                status="active",
                number=d.get("number"),
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
        self._category_history(conn, e, d["member_id"], d["category"])

    def _on_MemberCategoryChanged(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        public = public_categories(conn, e.tenant_id, e.effective_date)
        held = conn.execute(
            sa.select(members.c.subscribed_cents).where(members.c.member_id == d["member_id"])
        ).scalar_one()
        delta = held * ((d["category"] in public) - (d["previous"] in public))
        conn.execute(
            members.update()
            .where(members.c.member_id == d["member_id"])
            .values(category=d["category"])
        )
        if delta:
            conn.execute(
                coop_capital.update()
                .where(coop_capital.c.coop_id == e.tenant_id)
                .values(public_subscribed_cents=coop_capital.c.public_subscribed_cents + delta)
            )
        self._category_history(conn, e, d["member_id"], d["category"])

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

    def _on_SharesSubscribed(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        conn.execute(
            subscriptions.insert().values(
                subscription_id=d["subscription_id"],
                coop_id=e.tenant_id,
                member_id=d["member_id"],
                subscribed_on=e.effective_date,
                shares=0,
                subscribed_cents=0,
                called_cents=0,
                paid_cents=0,
            )
        )
        self._move(
            conn,
            e,
            e.event_id,
            d["member_id"],
            d["subscription_id"],
            "subscription",
            {k: d[k] for k in AMOUNTS},
        )

    def _on_SharesCalled(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            calls.insert().values(
                call_id=d["call_id"],
                coop_id=e.tenant_id,
                subscription_id=d["subscription_id"],
                member_id=d["member_id"],
                amount_cents=d["amount_cents"],
                called_on=e.effective_date,
                due_date=date.fromisoformat(d["due_date"]),
                reversed=False,
            )
        )
        self._move(
            conn,
            e,
            e.event_id,
            d["member_id"],
            d["subscription_id"],
            "call",
            {
                "shares": 0,
                "subscribed_cents": 0,
                "called_cents": d["amount_cents"],
                "paid_cents": 0,
            },
        )

    def _on_SharesPaid(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        self._move(
            conn,
            e,
            e.event_id,
            d["member_id"],
            d["subscription_id"],
            "payment",
            {
                "shares": 0,
                "subscribed_cents": 0,
                "called_cents": d["called_cents"],
                "paid_cents": d["amount_cents"],
            },
        )

    def _on_MemberWithdrew(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        conn.execute(
            withdrawals.insert().values(
                withdrawal_id=d["withdrawal_id"],
                coop_id=e.tenant_id,
                member_id=d["member_id"],
                position=e.position,
                requested_on=e.effective_date,
                due_by=date.fromisoformat(d["due_by"]),
                exit=d["exit"],
                excluded=d["excluded"],
                status="pending",
                **{k: d[k] for k in AMOUNTS},
            )
        )
        m = members.c
        values: dict[str, Any] = {f"pending_{k}": m[f"pending_{k}"] + d[k] for k in AMOUNTS}
        if d["exit"]:
            values.update(
                status="excluded" if d["excluded"] else "withdrawn", exited_on=e.effective_date
            )
        conn.execute(members.update().where(m.member_id == d["member_id"]).values(**values))

    def _on_SharesReimbursed(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == d["withdrawal_id"])
            .values(
                status="reimbursed",
                reimbursed_on=e.effective_date,
                amount_cents=d["amount_cents"],
                loss_share_cents=d["loss_share_cents"],
            )
        )
        m = members.c
        conn.execute(
            members.update()
            .where(m.member_id == d["member_id"])
            .values(**{f"pending_{k}": m[f"pending_{k}"] - d[k] for k in AMOUNTS})
        )
        self._move(
            conn, e, e.event_id, d["member_id"], None, "reimbursement", {k: -d[k] for k in AMOUNTS}
        )
        if d["loss_share_cents"]:
            conn.execute(
                coop_capital.update()
                .where(coop_capital.c.coop_id == e.tenant_id)
                .values(
                    uncovered_losses_cents=coop_capital.c.uncovered_losses_cents
                    - d["loss_share_cents"]
                )
            )

    def _on_SharesTransferred(
        self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]
    ) -> None:
        amounts = {k: d[k] for k in AMOUNTS}
        self._move(
            conn,
            e,
            e.event_id,
            d["from_member_id"],
            None,
            "transfer-out",
            {k: -v for k, v in amounts.items()},
        )
        self._move(conn, e, e.event_id, d["to_member_id"], None, "transfer-in", amounts)

    def _on_EventReversed(self, conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        original = d["reversed_event_id"]
        conn.execute(
            reversals.insert().values(
                reversed_event_id=original, coop_id=e.tenant_id, reversal_event_id=e.event_id
            )
        )
        if d["reversed_type"] == "SharesCalled":
            conn.execute(
                calls.update()
                .where(calls.c.coop_id == e.tenant_id)
                .where(calls.c.call_id == _data_of(conn, original)["call_id"])
                .values(reversed=True)
            )
        elif d["reversed_type"] == "SharesReimbursed":
            self._unreimburse(conn, e, _data_of(conn, original))
        elif d["reversed_type"] == "MemberWithdrew":
            self._unwithdraw(conn, _data_of(conn, original))
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
    def _unreimburse(conn: sa.Connection, e: RecordedEvent, d: dict[str, Any]) -> None:
        """A reimbursement reversed (a correction, or its compensation): the withdrawal
        waits in the queue again, at its place (the queue is ordered by position)."""
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == d["withdrawal_id"])
            .values(status="pending", reimbursed_on=None, amount_cents=None, loss_share_cents=None)
        )
        m = members.c
        conn.execute(
            members.update()
            .where(m.member_id == d["member_id"])
            .values(**{f"pending_{k}": m[f"pending_{k}"] + d[k] for k in AMOUNTS})
        )
        if d["loss_share_cents"]:
            c = coop_capital.c
            conn.execute(
                coop_capital.update()
                .where(c.coop_id == e.tenant_id)
                .values(uncovered_losses_cents=c.uncovered_losses_cents + d["loss_share_cents"])
            )

    @staticmethod
    def _unwithdraw(conn: sa.Connection, d: dict[str, Any]) -> None:
        """A withdrawal recorded by mistake: the member never left."""
        conn.execute(
            withdrawals.update()
            .where(withdrawals.c.withdrawal_id == d["withdrawal_id"])
            .values(status="reversed")
        )
        m = members.c
        values: dict[str, Any] = {f"pending_{k}": m[f"pending_{k}"] - d[k] for k in AMOUNTS}
        if d["exit"]:
            values.update(status="active", exited_on=None)
        conn.execute(members.update().where(m.member_id == d["member_id"]).values(**values))

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


def _data_of(conn: sa.Connection, event_id: str) -> dict[str, Any]:
    from ledger.schema import events

    data: dict[str, Any] = conn.execute(
        sa.select(events.c.data).where(events.c.event_id == event_id)
    ).scalar_one()
    return data
