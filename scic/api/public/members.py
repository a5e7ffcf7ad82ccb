"""A member's holdings and history, and the withdrawals waiting for reimbursement."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from scic.api.public.common import DayText, InstantText, Money, Public, holding
from scic.money import format_cents
from scic.projections import views


class Holding(Public):
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money


class CategorySpell(Public):
    category: str
    from_: DayText = Field(alias="from")


class SubscriptionPublic(Public):
    id: str
    subscribed_on: DayText
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money


class WithdrawalPublic(Public):
    id: str
    member_id: str
    status: Literal["pending", "reimbursed"]
    requested_on: DayText
    due_by: DayText = Field(description="R5: reimbursed at the latest on this date")
    exit: bool
    excluded: bool
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money
    reimbursed_on: DayText | None
    amount: Money | None
    loss_share: Money | None
    paid_after_exit: Money = Field(
        description="R7: what the former member paid since it left of what it still owed "
        "on its calls (while its reimbursement waited, or after it)"
    )
    still_owed: Money = Field(
        description="R7: what the member still owes on its calls (C. com. L231-6): the "
        "called and unpaid amount, less what it paid since it left, while the "
        "reimbursement waits (what it pays then is not set off: the reimbursement rises by "
        "it); once reimbursed, what setting the call against the reimbursement left (its "
        "loss share above what it had paid), less what it paid after"
    )


class OwedPaymentPublic(Public):
    id: str
    paid_on: DayText
    amount: Money


class Movement(Public):
    event_id: str
    kind: str
    effective_date: DayText
    recorded_at: InstantText
    subscription_id: str | None
    shares: int
    subscribed: Money
    called: Money
    paid: Money
    unpaid: Money


class MemberPublic(Public):
    id: str
    party_id: str
    number: str | None = Field(
        description="member number (n° d'associé); null for members admitted before numbers"
    )
    name: str
    kind: Literal["person", "organisation"]
    category: str
    status: Literal["active", "withdrawn", "excluded"]
    admitted_on: DayText
    exited_on: DayText | None
    holding: Holding
    pending_reimbursement: Holding
    categories: list[CategorySpell]
    subscriptions: list[SubscriptionPublic]
    withdrawals: list[WithdrawalPublic]
    owed_payments: list[OwedPaymentPublic] = Field(
        description="R7: payments by the former member of what it still owed on its calls "
        "(POST …/payments once it has left)"
    )
    history: list[Movement]

    @classmethod
    def of(cls, m: views.MemberDetail) -> MemberPublic:
        return cls.model_validate(
            {
                "id": m.id,
                "party_id": m.party_id,
                "number": m.number,
                "name": m.name,
                "kind": m.kind,
                "category": m.category,
                "status": m.status,
                "admitted_on": m.admitted_on.isoformat(),
                "exited_on": m.exited_on.isoformat() if m.exited_on else None,
                "holding": holding(m.holding),
                "pending_reimbursement": holding(m.pending_reimbursement),
                "categories": [
                    {"category": c.category, "from": c.since.isoformat()} for c in m.categories
                ],
                "subscriptions": [
                    {"id": s.id, "subscribed_on": s.subscribed_on.isoformat(), **holding(s.holding)}
                    for s in m.subscriptions
                ],
                "withdrawals": [withdrawal(w) for w in m.withdrawals],
                "owed_payments": [
                    {
                        "id": p.id,
                        "paid_on": p.paid_on.isoformat(),
                        "amount": format_cents(p.amount_cents),
                    }
                    for p in m.owed_payments
                ],
                "history": [
                    {
                        "event_id": h.event_id,
                        "kind": h.kind,
                        "effective_date": h.effective_date.isoformat(),
                        "recorded_at": h.recorded_at.isoformat(),
                        "subscription_id": h.subscription_id,
                        **holding(h.holding),
                    }
                    for h in m.history
                ],
            }
        )


class PendingReimbursements(Public):
    pending: list[WithdrawalPublic]

    @classmethod
    def of(cls, pending: list[views.Withdrawal]) -> PendingReimbursements:
        return cls.model_validate({"pending": [withdrawal(w) for w in pending]})


def withdrawal(w: views.Withdrawal) -> dict[str, Any]:
    return {
        "id": w.id,
        "member_id": w.member_id,
        "status": w.status,
        "requested_on": w.requested_on.isoformat(),
        "due_by": w.due_by.isoformat(),
        "exit": w.exit,
        "excluded": w.excluded,
        **holding(w.holding),
        "reimbursed_on": w.reimbursed_on.isoformat() if w.reimbursed_on else None,
        "amount": None if w.amount_cents is None else format_cents(w.amount_cents),
        "loss_share": None if w.loss_share_cents is None else format_cents(w.loss_share_cents),
        "paid_after_exit": format_cents(w.paid_after_cents),
        "still_owed": format_cents(w.still_owed_cents),
    }
