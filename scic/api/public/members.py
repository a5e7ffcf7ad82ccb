"""A member's holdings and history, and the withdrawals waiting for reimbursement."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from scic.api.public.common import DayText, InstantText, Money, Public


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
    still_owed: Money = Field(
        description="R7: what the member still owes on its calls (C. com. L231-6): the "
        "called and unpaid amount while the reimbursement waits; once reimbursed, what "
        "setting the call against the reimbursement left (its loss share above its paid-up "
        "amount)"
    )


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
    history: list[Movement]


class PendingReimbursements(Public):
    pending: list[WithdrawalPublic]
