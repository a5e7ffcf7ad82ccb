"""Share capital: subscriptions, calls, payments (R7), withdrawals and reimbursements
(R5, R6), transfers. Events carry their effect on the holdings explicitly, so
projections add numbers and never re-derive a rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

from pydantic import BaseModel, ConfigDict, Field

from scic.dates import Day, add_years
from scic.domain.facts import Fact
from scic.domain.members import check_date, require_active
from scic.domain.rules_check import check_public_cap
from scic.domain.state import (
    CapitalMove,
    CoopState,
    Holding,
    MemberState,
    PendingWithdrawal,
    ReleasedReimbursement,
    SubscriptionState,
)
from scic.errors import refuse
from scic.jsontypes import Boolean, Integer, PositiveInteger
from scic.money import Amount, format_cents
from scic.rules.dated import FIRST_PAYMENT_MIN, PAY_UP_YEARS

# -- events ----------------------------------------------------------------------------


class _Amounts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shares: int = Field(ge=0)
    subscribed_cents: int = Field(ge=0)
    called_cents: int = Field(ge=0)
    paid_cents: int = Field(ge=0)

    @property
    def holding(self) -> Holding:
        """The shares and amounts the event carries."""
        return Holding(self.shares, self.subscribed_cents, self.called_cents, self.paid_cents)


class SharesSubscribed(_Amounts):
    subscription_id: str
    member_id: str
    subsidy_financed: bool = False
    """R8 — shares paid with a subsidy earn no interest (art. 19 nonies)."""

    def moves(self) -> tuple[CapitalMove, ...]:
        """The shares subscribed, with what was called and paid at subscription."""
        return (CapitalMove(self.member_id, self.subscription_id, "subscription", self.holding),)


class SharesCalled(BaseModel):
    model_config = ConfigDict(extra="forbid")
    call_id: str
    subscription_id: str
    member_id: str
    amount_cents: int = Field(gt=0)
    due_date: date

    def moves(self) -> tuple[CapitalMove, ...]:
        called = Holding(called_cents=self.amount_cents)
        return (CapitalMove(self.member_id, self.subscription_id, "call", called),)


class SharesPaid(BaseModel):
    """`called_cents`: the part of the payment that was not yet called (an early payment
    calls it implicitly)."""

    model_config = ConfigDict(extra="forbid")
    payment_id: str
    subscription_id: str
    member_id: str
    amount_cents: int = Field(gt=0)
    called_cents: int = Field(ge=0)
    # the bank's reference of the statement line it was read from (scic.bank); absent
    # from the payload when there is none, so payments stored before it hash unchanged
    bank_reference: str | None = Field(default=None, exclude_if=lambda v: v is None)

    def moves(self) -> tuple[CapitalMove, ...]:
        """R7 — the amount paid, and the part of it that called shares not yet called."""
        paid = Holding(called_cents=self.called_cents, paid_cents=self.amount_cents)
        return (CapitalMove(self.member_id, self.subscription_id, "payment", paid),)


class MemberWithdrew(_Amounts):
    """The withdrawal takes effect at once (no votes from this date); the shares stay in
    the capital, pending reimbursement, until R5 lets them go."""

    withdrawal_id: str
    member_id: str
    exit: bool
    excluded: bool = False
    due_by: date
    reason: str | None = None


class SharesReimbursed(_Amounts):
    withdrawal_id: str
    member_id: str
    loss_share_cents: int = Field(ge=0)
    amount_cents: int = Field(ge=0)
    paid_while_waiting_cents: int = Field(default=0, ge=0, exclude_if=lambda v: v == 0)
    """R7 — what the former member paid on its unpaid calls while this reimbursement
    waited (OwedCallPaid before it): not set off again, so it is paid back with the rest."""

    @property
    def paid_in_cents(self) -> int:
        """R6/R7 — all the former member had paid on these shares' calls: at its
        withdrawal and while its reimbursement waited."""
        return self.paid_cents + self.paid_while_waiting_cents

    def moves(self) -> tuple[CapitalMove, ...]:
        """R5 — the withdrawn shares leave the capital when they are reimbursed."""
        return (CapitalMove(self.member_id, None, "reimbursement", -self.holding),)


class ReimbursementPaidOut(BaseModel):
    """A released reimbursement left the bank, on the statement's booking date: it moves
    no capital (the shares left at the release), only the money owed, 4567 → 512."""

    model_config = ConfigDict(extra="forbid")
    withdrawal_id: str
    member_id: str
    amount_cents: int = Field(gt=0)
    bank_reference: str | None = Field(default=None, exclude_if=lambda v: v is None)


class OwedCallPaid(BaseModel):
    """R7 — a former member pays what it still owes on its calls (C. com. L231-6): it
    moves no capital (it is no longer an associate: its shares wait for their
    reimbursement or are gone), only the receivable, 512 → 4562. Paid while its
    reimbursement waits, it lowers what will be set against that
    reimbursement, which rises by as much; paid after, it lowers what the set-off left."""

    model_config = ConfigDict(extra="forbid")
    payment_id: str
    subscription_id: str
    member_id: str
    amount_cents: int = Field(gt=0)
    bank_reference: str | None = Field(default=None, exclude_if=lambda v: v is None)


class LossesRecorded(BaseModel):
    """Losses of a closed year not absorbed by reserves: charged on reimbursements (R6)."""

    model_config = ConfigDict(extra="forbid")
    amount_cents: int = Field(gt=0)
    fiscal_year: int


class SharesTransferred(_Amounts):
    transfer_id: str
    from_member_id: str
    to_member_id: str

    def moves(self) -> tuple[CapitalMove, ...]:
        """The shares leave the giver's holding, then join the taker's."""
        return (
            CapitalMove(self.from_member_id, None, "transfer-out", -self.holding),
            CapitalMove(self.to_member_id, None, "transfer-in", self.holding),
        )


MovingShares = SharesSubscribed | SharesCalled | SharesPaid | SharesReimbursed | SharesTransferred
"""The share events that move holdings (`moves()`); a withdrawal only sets shares aside."""

EVENTS: tuple[type[BaseModel], ...] = (
    SharesSubscribed,
    SharesCalled,
    SharesPaid,
    MemberWithdrew,
    SharesReimbursed,
    ReimbursementPaidOut,
    OwedCallPaid,
    SharesTransferred,
    LossesRecorded,
)
"""This aggregate's event types (scic/events.py registers them by class name)."""


# -- commands --------------------------------------------------------------------------


class Subscribe(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    shares: Integer = Field(gt=0, le=10_000_000)
    paid: Amount
    effective_date: Day | None = None
    subsidy_financed: Boolean = Field(
        default=False,
        description="the shares are paid with a subsidy: left out of the interest base (R8)",
    )


class Pay(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscription_id: str
    amount: Amount
    effective_date: Day | None = None
    bank_reference: str | None = Field(
        default=None,
        max_length=140,
        exclude_if=lambda v: v is None,
        description="the bank's reference of the statement line (set by reconciliation)",
    )


class PayOut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount = Field(description="what the cooperative owes, after the R7 set-off")
    paid_on: Day = Field(description="the bank statement's booking date")
    bank_reference: str | None = Field(
        default=None,
        max_length=140,
        exclude_if=lambda v: v is None,
        description="the bank's reference of the statement line (set by reconciliation)",
    )


class Call(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subscription_id: str
    amount: Amount
    due_date: Day
    effective_date: Day | None = None


class Withdraw(BaseModel):
    model_config = ConfigDict(extra="forbid")
    member_id: str
    shares: PositiveInteger | None = Field(default=None, description="omit to withdraw all shares")
    effective_date: Day | None = None
    reason: str | None = Field(default=None, max_length=500)


class Exclude(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)
    effective_date: Day | None = None


class Transfer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_member_id: str
    to_member_id: str
    shares: Integer = Field(gt=0)
    effective_date: Day | None = None


# -- decisions -------------------------------------------------------------------------


def subscribe(
    state: CoopState, member: MemberState, cmd: Subscribe, subscription_id: str, on: date
) -> list[Fact]:
    check_date(state, on)
    require_active(member, on)
    statutes = state.statutes_at(on)
    subscribed = cmd.shares * statutes.share_nominal_cents
    minimum = int((Decimal(subscribed) * FIRST_PAYMENT_MIN).to_integral_value(ROUND_CEILING))
    if cmd.paid < minimum:
        # R7 — C. com. L225-144: at least a quarter paid at subscription.
        raise refuse(
            "first-payment-below-quarter",
            f"{format_cents(cmd.paid)} paid on {format_cents(subscribed)} subscribed; "
            f"at least a quarter ({format_cents(minimum)}) is paid at subscription",
        )
    check_paid_called(subscription_id, subscribed, cmd.paid, cmd.paid, cmd.paid, on)
    category = statutes.category(member.category)
    public = category is not None and category.public_body
    check_public_cap(state, on, public_delta=subscribed if public else 0, total_delta=subscribed)
    data = SharesSubscribed(
        subscription_id=subscription_id,
        member_id=member.member_id,
        shares=cmd.shares,
        subscribed_cents=subscribed,
        called_cents=cmd.paid,
        paid_cents=cmd.paid,
        subsidy_financed=cmd.subsidy_financed,
    )
    return [Fact(data, on), *release_pending(state, on, extra_capital=subscribed)]


def call(
    state: CoopState, member: MemberState, sub: SubscriptionState, cmd: Call, call_id: str, on: date
) -> list[Fact]:
    check_date(state, on)
    require_active(member, on)
    called = sub.called_cents + cmd.amount
    check_paid_called(sub.subscription_id, sub.subscribed_cents, called, sub.paid_cents, 0, on)
    deadline = add_years(sub.subscribed_on, PAY_UP_YEARS)
    if cmd.due_date > deadline or cmd.due_date < on:
        # R7 — the unpaid part is paid within 5 years of the subscription.
        raise refuse(
            "call-due-date-out-of-bounds",
            f"due date {cmd.due_date} must fall between the call ({on}) and five years "
            f"after the subscription ({deadline})",
        )
    data = SharesCalled(
        call_id=call_id,
        subscription_id=sub.subscription_id,
        member_id=member.member_id,
        amount_cents=cmd.amount,
        due_date=cmd.due_date,
    )
    return [Fact(data, on)]


def pay(
    state: CoopState,
    member: MemberState,
    sub: SubscriptionState,
    cmd: Pay,
    payment_id: str,
    on: date,
) -> list[Fact]:
    check_date(state, on)
    if has_left(member, on):
        waiting = waiting_unpaid(state.pending, member.member_id)
        check_owed_payment(member, waiting, cmd.amount, on)
        owed = OwedCallPaid(
            payment_id=payment_id,
            subscription_id=sub.subscription_id,
            member_id=member.member_id,
            amount_cents=cmd.amount,
            bank_reference=cmd.bank_reference,
        )
        return [Fact(owed, on)]
    require_active(member, on)
    implicitly_called = implicit_call(sub, cmd.amount)
    called, paid = sub.called_cents + implicitly_called, sub.paid_cents + cmd.amount
    check_paid_called(sub.subscription_id, sub.subscribed_cents, called, paid, cmd.amount, on)
    data = SharesPaid(
        payment_id=payment_id,
        subscription_id=sub.subscription_id,
        member_id=member.member_id,
        amount_cents=cmd.amount,
        called_cents=implicitly_called,
        bank_reference=cmd.bank_reference,
    )
    return [Fact(data, on)]


def pay_out(
    state: CoopState,
    released: ReleasedReimbursement | None,
    withdrawal_id: str,
    cmd: PayOut,
    on: date,
) -> list[Fact]:
    """A released reimbursement paid out on the statement's booking date."""
    check_date(state, on)
    check_payout(released, withdrawal_id, cmd.amount, on)
    assert released is not None
    data = ReimbursementPaidOut(
        withdrawal_id=withdrawal_id,
        member_id=released.member_id,
        amount_cents=cmd.amount,
        bank_reference=cmd.bank_reference,
    )
    return [Fact(data, on)]


def has_left(member: MemberState, on: date) -> bool:
    """The member was admitted and has left by `on` (withdrawn or excluded)."""
    return not member.active and member.exited_on is not None and on >= member.exited_on


def waiting_unpaid(
    pending: Sequence[PendingWithdrawal], member_id: str
) -> PendingWithdrawal | None:
    """R5/R7 — the member's withdrawal whose reimbursement waits with part of what it was
    called for still unpaid (its exit: a partial withdrawal takes paid-up shares)."""
    return next((p for p in pending if p.member_id == member_id and p.unpaid_cents > 0), None)


def owed_by_former_member(member: MemberState, waiting: PendingWithdrawal | None) -> int:
    """R7 — what a former member owes on its calls: while its reimbursement waits, what it
    was called for and has not paid (set against the reimbursement at its release); once
    reimbursed, what that set-off left (`MemberState.owed_cents`)."""
    return waiting.unpaid_cents if waiting is not None else member.owed_cents


def check_owed_payment(
    member: MemberState, waiting: PendingWithdrawal | None, amount_cents: int, on: date
) -> None:
    """R7 — a former member pays what it still owes on its calls (C. com. L231-6: bound
    for five years by the obligations existing when it left), and no more: it is no
    longer an associate, so nothing it pays is capital. While its reimbursement waits
    (R5) it may pay its unpaid call: the set-off at the release is smaller by as much,
    and the reimbursement larger."""
    owed = owed_by_former_member(member, waiting)
    if amount_cents <= owed:
        return
    when = (
        f"; its reimbursement (withdrawal {waiting.withdrawal_id}) waits (R5): what it "
        "pays now is paid back with it"
        if waiting is not None
        else ""
    )
    raise refuse(
        "payment-exceeds-owed",
        f"on {on} {format_cents(amount_cents)} € would be paid but member "
        f"{member.member_id}, who left on {member.exited_on}, owes "
        f"{format_cents(owed)} € on its calls{when}",
    )


def check_payout(
    released: ReleasedReimbursement | None, withdrawal_id: str, amount_cents: int, on: date
) -> None:
    """R5 — a reimbursement is paid out once, after its release, for what is owed (R7:
    the claim less the unpaid call set against it). `released` None: not released on
    `on`."""
    if released is None:
        raise refuse(
            "reimbursement-not-released",
            f"on {on} withdrawal {withdrawal_id} is not reimbursed yet (R5): nothing to pay out",
        )
    if released.paid_out_on is not None:
        raise refuse(
            "reimbursement-already-paid-out",
            f"the reimbursement of withdrawal {withdrawal_id} was paid out on "
            f"{released.paid_out_on}",
        )
    if amount_cents != released.amount_cents:
        raise refuse(
            "payout-amount-mismatch",
            f"{format_cents(amount_cents)} € would be paid out; the cooperative owes "
            f"{format_cents(released.amount_cents)} € on withdrawal {withdrawal_id}",
        )


def require_subscription(
    sub: SubscriptionState | None, subscription_id: str, on: date
) -> SubscriptionState:
    """R7 — nothing is called or paid before its subscription (`sub` None: not made yet
    on `on`)."""
    if sub is None:
        raise refuse(
            "date-before-subscription",
            f"on {on} subscription {subscription_id} does not exist yet",
        )
    return sub


def check_paid_called(
    subscription_id: str, subscribed: int, called: int, paid: int, paying: int, on: date
) -> None:
    """R7 — paid ≤ called ≤ subscribed at every date: `called` and `paid` as they would
    be after the event, which pays `paying` (a call pays nothing)."""
    if paid > subscribed:
        # R7 — a payment never exceeds what is still unpaid.
        raise refuse(
            "payment-exceeds-unpaid",
            f"on {on} {format_cents(paying)} € would be paid but only "
            f"{format_cents(subscribed - paid + paying)} € of subscription "
            f"{subscription_id} is unpaid",
        )
    if called > subscribed or paid > called:
        raise refuse(
            "call-exceeds-uncalled",
            f"on {on} subscription {subscription_id} would be called "
            f"{format_cents(called)} € of {format_cents(subscribed)} € subscribed",
        )


def check_held(
    member: MemberState,
    shares: int,
    on: date,
    subscribed_cents: int = 0,
    paid_cents: int = 0,
    exit_: bool = False,
) -> None:
    """Holdings are never negative: nothing is withdrawn or transferred beyond what a
    member holds free (not already waiting for its reimbursement) at its date; an exit
    takes all of it."""
    free = member.free
    if (
        shares > free.shares
        or paid_cents > free.paid_cents
        or subscribed_cents > free.subscribed_cents
    ):
        raise refuse(
            "not-enough-shares",
            f"on {on} member {member.member_id} holds {free.shares} free shares "
            f"({format_cents(free.paid_cents)} € paid), not the {shares} it would give up",
        )
    if exit_ and shares != free.shares:
        raise refuse(
            "not-enough-shares",
            f"on {on} member {member.member_id} leaves with {shares} shares and would keep "
            f"{free.shares - shares}",
        )


def implicit_call(sub: SubscriptionState, amount_cents: int) -> int:
    """R7 — what a payment of `amount_cents` pays beyond what was called: it calls that
    part itself (and the timeline re-judges it against the calls dated before it)."""
    return max(0, sub.paid_cents + amount_cents - sub.called_cents)


def withdraw(
    state: CoopState,
    member: MemberState,
    shares: int | None,
    withdrawal_id: str,
    on: date,
    reason: str | None = None,
    excluded: bool = False,
) -> list[Fact]:
    """R5 — a withdrawal cannot be refused, only its reimbursement delayed (Cass. com.
    18 Dec 2024): the member leaves now, the money waits in a FIFO queue."""
    check_date(state, on)
    require_active(member, on)
    free = member.free
    if free.shares <= 0:
        raise refuse(
            "no-shares-to-withdraw",
            f"member {member.member_id} holds no shares that are not already being reimbursed",
        )
    count = free.shares if shares is None else shares
    check_held(member, count, on)
    exit_ = count == free.shares
    amounts = free if exit_ else _fully_paid(member, count, held_nominal(free), "withdraw")
    delay = state.statutes_at(on).reimbursement_delay_years
    data = MemberWithdrew(
        withdrawal_id=withdrawal_id,
        member_id=member.member_id,
        exit=exit_,
        excluded=excluded,
        due_by=add_years(on, delay),
        reason=reason,
        shares=amounts.shares,
        subscribed_cents=amounts.subscribed_cents,
        called_cents=amounts.called_cents,
        paid_cents=amounts.paid_cents,
    )
    queued = _queue_with(state, withdrawal_id, member.member_id, on, amounts)
    return [Fact(data, on), *release_pending(queued, on, extra_capital=0)]


def transfer(
    state: CoopState,
    giver: MemberState,
    taker: MemberState,
    cmd: Transfer,
    transfer_id: str,
    on: date,
) -> list[Fact]:
    check_date(state, on)
    require_active(giver, on)
    require_active(taker, on)
    if giver.member_id == taker.member_id:
        raise refuse("transfer-to-self", "a member cannot transfer shares to itself")
    check_held(giver, cmd.shares, on)
    statutes = state.statutes_at(on)
    amounts = _fully_paid(giver, cmd.shares, held_nominal(giver.free), "transfer")
    giver_cat, taker_cat = statutes.category(giver.category), statutes.category(taker.category)
    delta = (amounts.subscribed_cents if taker_cat and taker_cat.public_body else 0) - (
        amounts.subscribed_cents if giver_cat and giver_cat.public_body else 0
    )
    check_public_cap(state, on, public_delta=delta, total_delta=0)
    data = SharesTransferred(
        transfer_id=transfer_id,
        from_member_id=giver.member_id,
        to_member_id=taker.member_id,
        shares=amounts.shares,
        subscribed_cents=amounts.subscribed_cents,
        called_cents=amounts.called_cents,
        paid_cents=amounts.paid_cents,
    )
    return [Fact(data, on)]


def release_pending(state: CoopState, on: date, extra_capital: int) -> list[Fact]:
    """R5 — reimburse queued withdrawals, oldest first, while capital stays at or above
    the floor; stop at the first that does not fit (strict FIFO)."""
    events: list[Fact] = []
    capital = state.capital.subscribed_cents + extra_capital
    highest = max(state.capital.highest_subscribed_cents, capital)
    floor = replace(
        state, capital=replace(state.capital, highest_subscribed_cents=highest)
    ).floor_cents(on)
    # R6 — only the carried loss the reserves do not absorb is shared over the shares.
    losses_left, shares_left = state.capital.unabsorbed_loss_cents, state.capital.shares
    for pending in state.pending:
        amounts = pending.amounts
        if capital - amounts.subscribed_cents < floor:
            break
        loss_share = _loss_share(losses_left, amounts.shares, shares_left, amounts.called_cents)
        # R7 — what the former member paid on its call while it waited is not set off
        since = pending.paid_since_cents
        data = SharesReimbursed(
            withdrawal_id=pending.withdrawal_id,
            member_id=pending.member_id,
            shares=amounts.shares,
            subscribed_cents=amounts.subscribed_cents,
            called_cents=amounts.called_cents,
            paid_cents=amounts.paid_cents,
            loss_share_cents=loss_share,
            amount_cents=reimbursed_cents(amounts.paid_cents + since, loss_share),
            paid_while_waiting_cents=since,
        )
        events.append(Fact(data, max(on, pending.requested_on)))
        capital -= amounts.subscribed_cents
        losses_left -= loss_share
        shares_left -= amounts.shares
    return events


def _loss_share(losses: int, shares: int, total_shares: int, called: int) -> int:
    """R6 — the member's share (pro rata of its shares) of the losses the reserves do not
    absorb, borne up to the nominal it was called for: what it has not paid of that
    stays owed (R7, C. com. L231-6), it does not pass to the members who stay."""
    if losses <= 0 or total_shares <= 0:
        return 0
    return min(called, losses * shares // total_shares)


# R7 — a departing member's calls (C. com. L231-6: the member who leaves stays bound for
# five years by the obligations existing when it left). The cooperative owes it the
# nominal it was called for less its loss share (R6); it owes the cooperative what it was
# called for and did not pay. The two debts are set against each other (compensation,
# C. civ. art. 1347 and 1348): only the difference is paid out, or stays owed.


def reimbursed_cents(paid: int, loss_share: int) -> int:
    """What is paid out: the claim (called − loss share) less the unpaid call
    (called − paid), never below nothing. `paid`: with what was paid while it waited."""
    return max(0, paid - loss_share)


def compensated_cents(called: int, paid: int, loss_share: int) -> int:
    """The unpaid call set against the claim: the smaller of the two. `paid`: with what
    was paid while the reimbursement waited."""
    return min(called - loss_share, called - paid)


def still_owed_cents(paid: int, loss_share: int) -> int:
    """What the former member still owes on its calls once its shares are reimbursed:
    the part of its loss share beyond what it had paid."""
    return max(0, loss_share - paid)


def owed_on_calls_cents(called: int, paid: int, released: tuple[int, int] | None) -> int:
    """R7 — what a former member owes on its calls (C. com. L231-6), before what it paid
    since it left: what it was called for and did not pay, less, once its reimbursement is
    released (`released`: its loss share and the amount paid back), what was set against
    it (the claim, called − loss share, less the amount paid back)."""
    unpaid = called - paid
    if released is None:
        return unpaid
    loss_share, amount = released
    return unpaid - (called - loss_share - amount)


def held_nominal(holding: Holding) -> int:
    """R1/R6 — shares are never revalued: a share is worth what it was subscribed at,
    whatever the statutes say today (the nominal cannot change while shares are out)."""
    return holding.subscribed_cents // holding.shares if holding.shares else 0


def _fully_paid(member: MemberState, count: int, nominal: int, verb: str) -> Holding:
    """Part of a holding can only leave fully paid (R7): the unpaid remainder stays with
    the shares the member keeps."""
    needed = count * nominal
    if member.free.paid_cents < needed:
        raise refuse(
            "shares-not-paid-up",
            f"to {verb} {count} shares, {format_cents(needed)} must be paid up; "
            f"member {member.member_id} has paid {format_cents(member.free.paid_cents)}",
        )
    return Holding(count, needed, needed, needed)


def _queue_with(
    state: CoopState, withdrawal_id: str, member_id: str, on: date, amounts: Holding
) -> CoopState:
    queued = PendingWithdrawal(withdrawal_id, member_id, on, amounts)
    return replace(state, pending=[*state.pending, queued])
