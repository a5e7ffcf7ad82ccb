"""The fold of a cooperative's history: the state after the events folded so far, and
`apply`, which says once what every event does to it (the timeline folds with it, the
history index files what it folded)."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

from scic.domain import funding_timeline
from scic.domain.cooperative import (
    CoopRegistered,
    StatutesAmended,
)
from scic.domain.losses import RESERVE_FIELDS, CarriedLossCharged
from scic.domain.members import (
    MemberAdmitted,
    MemberCategoryChanged,
)
from scic.domain.shares import (
    LossesRecorded,
    MemberWithdrew,
    MovingShares,
    OwedCallPaid,
    ReimbursementPaidOut,
    SharesCalled,
    SharesPaid,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
    still_owed_cents,
    waiting_unpaid,
)
from scic.domain.state import (
    CapitalState,
    CoopState,
    Holding,
    MemberState,
    PendingWithdrawal,
    ReleasedReimbursement,
    SubscriptionState,
)
from scic.domain.surplus import SurplusAllocated

if TYPE_CHECKING:
    from scic.domain.timeline import Entry


# -- the folded state ------------------------------------------------------------------


@dataclass
class Fold:
    """The state of a cooperative after the events folded so far. `coop`, members and
    subscriptions are frozen snapshots the deciders read; `evolve` replaces them."""

    coop: CoopState | None = None
    members: MutableMapping[str, MemberState] = field(default_factory=dict)
    subscriptions: MutableMapping[str, SubscriptionState] = field(default_factory=dict)
    withdrawals: dict[str, PendingWithdrawal] = field(default_factory=dict)
    reimbursements: dict[str, ReleasedReimbursement] = field(default_factory=dict)
    """Released reimbursements by withdrawal id, and their payout once recorded."""
    on: date = date.min
    funding: funding_timeline.Funding = field(default_factory=funding_timeline.Funding)

    def copy(self) -> Fold:
        return Fold(
            self.coop,
            dict(self.members),
            dict(self.subscriptions),
            dict(self.withdrawals),
            dict(self.reimbursements),
            self.on,
            self.funding.copy(),
        )

    def is_public(self, category: str, on: date) -> bool:
        assert self.coop is not None
        found = self.coop.statutes_at(on).category(category)
        return found is not None and found.public_body


def evolve(state: Fold, entry: Entry) -> Fold:
    """The pure fold step: a new state, `state` untouched."""
    return apply(state.copy(), entry)


def apply(state: Fold, entry: Entry) -> Fold:
    """`evolve` in place, for the long folds of a whole history (copying every member
    map at every event would make a fold quadratic)."""
    e, on = entry.event, entry.on
    state.on = max(state.on, on)
    match e:
        case CoopRegistered():
            state.coop = CoopState(e.coop_id, on, [(on, e.statutes)], CapitalState(), [])
        case StatutesAmended():
            coop = coop_of(state)
            versions = [*coop.statutes_versions, (on, e.statutes)]
            state.coop = replace(coop, statutes_versions=versions)
            _recount_public(state, on)
        case LossesRecorded():
            coop = coop_of(state)
            capital = coop.capital
            losses = capital.uncovered_losses_cents + e.amount_cents
            state.coop = replace(coop, capital=replace(capital, uncovered_losses_cents=losses))
        case SurplusAllocated():
            _allocated(state, e)
        case CarriedLossCharged():
            _charged(state, e)
        case MemberAdmitted():
            state.members[e.member_id] = MemberState(
                e.member_id, e.category, on, "active", None, Holding(), Holding(), e.number
            )
        case MemberCategoryChanged():
            state.members[e.member_id] = replace(state.members[e.member_id], category=e.category)
            _recount_public(state, on)
        case SharesSubscribed():
            state.subscriptions[e.subscription_id] = SubscriptionState(
                e.subscription_id, e.member_id, 0, 0, 0, 0, on, e.subsidy_financed
            )
            _moves(state, e, on)
        case SharesCalled() | SharesPaid() | SharesTransferred():
            _moves(state, e, on)
        case MemberWithdrew():
            _withdraw(state, e, on)
        case SharesReimbursed():
            _reimburse(state, e, on)
        case ReimbursementPaidOut():
            released = state.reimbursements.get(e.withdrawal_id)
            if released is not None:  # else a violation (check_payout) the fold reports
                state.reimbursements[e.withdrawal_id] = replace(released, paid_out_on=on)
        case OwedCallPaid():
            _owed_paid(state, e)
        case _:
            funding_timeline.apply(state.funding, e, on)
    return state


def _allocated(state: Fold, e: SurplusAllocated) -> None:
    """R9 — the AG's allocation moves the reserves and clears the carried loss first (the
    carried part of a loss arrives as LossesRecorded)."""
    coop = coop_of(state)
    c = coop.capital
    state.coop = replace(
        coop,
        capital=replace(
            c,
            uncovered_losses_cents=c.uncovered_losses_cents - e.carried_loss_cleared_cents,
            legal_reserve_cents=c.legal_reserve_cents + e.legal_reserve_cents,
            statutory_reserve_cents=c.statutory_reserve_cents + e.statutory_reserve_cents,
            other_reserves_cents=c.other_reserves_cents
            + e.other_reserves_cents
            - e.charged_to_reserves_cents,
        ),
    )


def _charged(state: Fold, e: CarriedLossCharged) -> None:
    """R9 — an AG charges the carried loss to a reserve."""
    coop = coop_of(state)
    c = coop.capital
    field_name = RESERVE_FIELDS[e.reserve]
    state.coop = replace(
        coop,
        capital=replace(
            c,
            uncovered_losses_cents=c.uncovered_losses_cents - e.amount_cents,
            **{field_name: getattr(c, field_name) - e.amount_cents},
        ),
    )


def coop_of(state: Fold) -> CoopState:
    assert state.coop is not None, "a cooperative's history starts with CoopRegistered"
    return state.coop


def _moves(state: Fold, e: MovingShares, on: date) -> None:
    """The event's capital moves (scic/domain/shares.py says what they are)."""
    for move in e.moves():
        _move(state, move.member_id, move.subscription_id, move.amounts, on)


def _move(state: Fold, member_id: str, sub_id: str | None, delta: Holding, on: date) -> None:
    member = state.members[member_id]
    state.members[member_id] = replace(member, holding=member.holding + delta)
    if sub_id is not None:
        sub = state.subscriptions[sub_id]
        state.subscriptions[sub_id] = replace(
            sub,
            shares=sub.shares + delta.shares,
            subscribed_cents=sub.subscribed_cents + delta.subscribed_cents,
            called_cents=sub.called_cents + delta.called_cents,
            paid_cents=sub.paid_cents + delta.paid_cents,
        )
    coop = coop_of(state)
    c = coop.capital
    subscribed = c.subscribed_cents + delta.subscribed_cents
    moved = delta.subscribed_cents  # a call or a payment moves no subscribed capital
    public = moved if moved and state.is_public(member.category, on) else 0
    state.coop = replace(
        coop,
        capital=replace(
            c,
            shares=c.shares + delta.shares,
            subscribed_cents=subscribed,
            called_cents=c.called_cents + delta.called_cents,
            paid_cents=c.paid_cents + delta.paid_cents,
            public_subscribed_cents=c.public_subscribed_cents + public,
            # R5 — the highest capital reached, over the corrected history only.
            highest_subscribed_cents=max(c.highest_subscribed_cents, subscribed),
        ),
    )


def _recount_public(state: Fold, on: date) -> None:
    """R3 — which categories are public is read in the statutes in force at `on`."""
    coop = coop_of(state)
    public = sum(
        m.holding.subscribed_cents
        for m in state.members.values()
        if state.is_public(m.category, on)
    )
    state.coop = replace(coop, capital=replace(coop.capital, public_subscribed_cents=public))


def _withdraw(state: Fold, e: MemberWithdrew, on: date) -> None:
    member = state.members[e.member_id]
    amounts = e.holding
    changes: dict[str, object] = {"pending": member.pending + amounts}
    if e.exit:
        changes.update(status="excluded" if e.excluded else "withdrawn", exited_on=on)
    state.members[e.member_id] = replace(member, **changes)  # type: ignore[arg-type]
    pending = PendingWithdrawal(e.withdrawal_id, e.member_id, on, amounts)
    state.withdrawals[e.withdrawal_id] = pending
    coop = coop_of(state)
    state.coop = replace(coop, pending=[*coop.pending, pending])


def _owed_paid(state: Fold, e: OwedCallPaid) -> None:
    """R7 — a former member's payment: while its reimbursement waits, it lowers the
    set-off to come (the withdrawal's `paid_since_cents`); after, what the set-off left."""
    coop = coop_of(state)
    waiting = waiting_unpaid(coop.pending, e.member_id)
    if waiting is None:
        member = state.members[e.member_id]
        owed = member.owed_cents - e.amount_cents
        state.members[e.member_id] = replace(member, owed_cents=owed)
        return
    paid = replace(waiting, paid_since_cents=waiting.paid_since_cents + e.amount_cents)
    state.withdrawals[paid.withdrawal_id] = paid
    pending = [paid if p.withdrawal_id == paid.withdrawal_id else p for p in coop.pending]
    state.coop = replace(coop, pending=pending)


def _reimburse(state: Fold, e: SharesReimbursed, on: date) -> None:
    member = state.members[e.member_id]
    owed = member.owed_cents + still_owed_cents(e.paid_in_cents, e.loss_share_cents)  # R7
    pending = member.pending - e.holding
    state.members[e.member_id] = replace(member, pending=pending, owed_cents=owed)
    state.reimbursements[e.withdrawal_id] = ReleasedReimbursement(
        e.withdrawal_id, e.member_id, on, e.amount_cents
    )
    _moves(state, e, on)
    coop = coop_of(state)
    losses = coop.capital.uncovered_losses_cents - e.loss_share_cents
    state.coop = replace(
        coop,
        capital=replace(coop.capital, uncovered_losses_cents=losses),
        pending=[p for p in coop.pending if p.withdrawal_id != e.withdrawal_id],
    )
