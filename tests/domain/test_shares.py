"""The shares aggregate (R3, R5, R6, R7), decided without a database: given a
cooperative's events, when a command is decided as at its date and judged into the
timeline, then its facts or the refusal it gets — the same whether the command is dated
today or back-dated (scic/domain/shares.py's checks are the timeline's judges)."""

from __future__ import annotations

from typing import Any

import pytest

from scic.domain import shares
from scic.domain.facts import Fact
from scic.domain.state import CoopState
from scic.domain.timeline import Fold
from tests.domain.given import D, Ledger, coop, subscribed, when


def _subscribe(member: str, count: int, paid: str, on: str) -> Any:
    cmd = shares.Subscribe.model_validate({"member_id": member, "shares": count, "paid": paid})
    return lambda fold, c: shares.subscribe(c, fold.members[member], cmd, "new", D(on))


def _live(ledger: Ledger) -> Fold:
    return ledger.timeline().state


def _pay(ledger: Ledger, sub: str, amount: str, on: str) -> Any:
    cmd = shares.Pay.model_validate({"subscription_id": sub, "amount": amount})
    found = _live(ledger).subscriptions[sub]  # as the write side finds it (scic/write/store.py)

    def decide(fold: Fold, c: CoopState) -> list[Fact]:
        return shares.pay(c, fold.members[found.member_id], found, cmd, "p", D(on))

    return decide


def _call(ledger: Ledger, sub: str, amount: str, due: str, on: str) -> Any:
    cmd = shares.Call.model_validate({"subscription_id": sub, "amount": amount, "due_date": due})
    found = _live(ledger).subscriptions[sub]

    def decide(fold: Fold, c: CoopState) -> list[Fact]:
        return shares.call(c, fold.members[found.member_id], found, cmd, "k", D(on))

    return decide


def _withdraw(member: str, count: int | None, on: str) -> Any:
    return lambda fold, c: shares.withdraw(c, fold.members[member], count, "w", D(on))


def _transfer(giver: str, taker: str, count: int, on: str) -> Any:
    cmd = shares.Transfer(from_member_id=giver, to_member_id=taker, shares=count)
    return lambda fold, c: shares.transfer(
        c, fold.members[giver], fold.members[taker], cmd, "t", D(on)
    )


def _withdrew(
    member: str, wid: str, count: int, cents: int, on: str, exit_: bool, subscribed: int = 0
) -> Fact:
    """`cents` called and paid; `subscribed` (default: the same) subscribed."""
    event = shares.MemberWithdrew(
        withdrawal_id=wid,
        member_id=member,
        exit=exit_,
        due_by=D("2030-01-01"),
        shares=count,
        subscribed_cents=subscribed or cents,
        called_cents=cents,
        paid_cents=cents,
    )
    return Fact(event, D(on))


def _reimbursed(member: str, wid: str, count: int, cents: int, amount: int, on: str) -> Fact:
    event = shares.SharesReimbursed(
        withdrawal_id=wid,
        member_id=member,
        shares=count,
        subscribed_cents=cents,
        called_cents=cents,
        paid_cents=cents,
        loss_share_cents=0,
        amount_cents=amount,
    )
    return Fact(event, D(on))


PARTLY_PAID = subscribed("u", "a", 2, "2020-01-01", paid=2500)  # 100.00 subscribed, 25.00 paid
FULLY_PAID = subscribed("u", "a", 10, "2020-01-01")
THEN_PAID = Fact(
    shares.SharesPaid(
        payment_id="p1", subscription_id="a", member_id="u", amount_cents=5000, called_cents=5000
    ),
    D("2021-01-01"),
)
TWO_WAITING = (
    FULLY_PAID,
    _withdrew("u", "w1", 2, 10000, "2021-01-01", exit_=False),
    _withdrew("u", "w2", 2, 10000, "2021-02-01", exit_=False),
)


REFUSALS = [
    # R7 — a quarter paid at subscription; paid ≤ called ≤ subscribed; calls within 5 years
    (
        "first-payment-below-quarter",
        coop(),
        "2020-01-01",
        _subscribe("u", 4, "10.00", "2020-01-01"),
    ),
    ("payment-exceeds-unpaid", coop(), "2020-01-01", _subscribe("u", 1, "60.00", "2020-01-01")),
    ("public-capital-cap", coop(), "2020-01-01", _subscribe("t", 10, "500.00", "2020-01-01")),
]
LEDGER = coop(PARTLY_PAID)
REFUSALS += [
    ("payment-exceeds-unpaid", LEDGER, "2020-06-01", _pay(LEDGER, "a", "80.00", "2020-06-01")),
    (
        "call-exceeds-uncalled",
        LEDGER,
        "2020-06-01",
        _call(LEDGER, "a", "80.00", "2020-12-01", "2020-06-01"),
    ),
    (
        "call-due-date-out-of-bounds",
        LEDGER,
        "2020-06-01",
        _call(LEDGER, "a", "10.00", "2020-05-01", "2020-06-01"),
    ),
    # back-dated before the subscription: the timeline's judge refuses it
    ("date-before-subscription", LEDGER, "2019-06-01", _pay(LEDGER, "a", "10.00", "2019-06-01")),
    ("shares-not-paid-up", LEDGER, "2020-06-01", _withdraw("u", 1, "2020-06-01")),
    ("not-enough-shares", LEDGER, "2020-06-01", _withdraw("u", 3, "2020-06-01")),
    ("no-shares-to-withdraw", LEDGER, "2020-06-01", _withdraw("t", None, "2020-06-01")),
    ("transfer-to-self", LEDGER, "2020-06-01", _transfer("u", "u", 1, "2020-06-01")),
    ("not-enough-shares", LEDGER, "2020-06-01", _transfer("u", "s", 5, "2020-06-01")),
    (
        "duplicate-subscription",
        LEDGER,
        "2020-06-01",
        lambda fold, c: [subscribed("s", "a", 1, "2020-06-01")],
    ),
]
CALLED_BY_PAYMENT = coop(PARTLY_PAID, THEN_PAID)  # the payment of 2021 called 50.00 itself
REFUSALS += [
    # R7 — a call dated before a payment that called the shares itself
    (
        "payment-already-called",
        CALLED_BY_PAYMENT,
        "2020-06-01",
        _call(CALLED_BY_PAYMENT, "a", "25.00", "2020-12-01", "2020-06-01"),
    ),
]
# an exit takes everything held then: 100.00 subscribed, 25.00 called and paid
LEFT = coop(PARTLY_PAID, _withdrew("u", "w", 2, 2500, "2021-01-01", True, subscribed=10000))
REFUSALS += [
    # R5 — an exit takes all that was held: a back-dated payment before it would change it
    ("exit-holding-changed", LEFT, "2020-06-01", _pay(LEFT, "a", "10.00", "2020-06-01")),
    # R7 — a former member who paid all it was called for owes nothing, waiting or not
    ("payment-exceeds-owed", LEFT, "2021-06-01", _pay(LEFT, "a", "10.00", "2021-06-01")),
]
# R7 — 100.00 subscribed, 75.00 called, 25.00 paid; the exit's loss share of 50.00 leaves
# 25.00 owed once the reimbursement is set against the unpaid call (C. com. L231-6)
_CALLED = Fact(
    shares.SharesCalled(
        call_id="k1",
        subscription_id="a",
        member_id="u",
        amount_cents=5000,
        due_date=D("2020-09-30"),
    ),
    D("2020-06-01"),
)
_OWING_EXIT = shares.MemberWithdrew(
    withdrawal_id="w",
    member_id="u",
    exit=True,
    due_by=D("2030-01-01"),
    shares=2,
    subscribed_cents=10000,
    called_cents=7500,
    paid_cents=2500,
)
OWING_FACTS = (
    PARTLY_PAID,
    _CALLED,
    Fact(_OWING_EXIT, D("2021-01-01")),
    Fact(
        shares.SharesReimbursed(
            withdrawal_id="w",
            member_id="u",
            shares=2,
            subscribed_cents=10000,
            called_cents=7500,
            paid_cents=2500,
            loss_share_cents=5000,
            amount_cents=0,
        ),
        D("2021-01-01"),
    ),
)
OWING = coop(*OWING_FACTS)
REFUSALS += [
    ("payment-exceeds-owed", OWING, "2021-06-01", _pay(OWING, "a", "25.01", "2021-06-01")),
]
# R7 — its exit waits for its reimbursement with 50.00 called and unpaid (C. com. L231-6)
WAITING_FACTS = (PARTLY_PAID, _CALLED, Fact(_OWING_EXIT, D("2021-01-01")))
OWING_WHILE_WAITING = coop(*WAITING_FACTS)
# its reimbursement released on 2021-03-01, the 50.00 set against it
SET_OFF = coop(
    *WAITING_FACTS,
    Fact(
        shares.SharesReimbursed(
            withdrawal_id="w",
            member_id="u",
            shares=2,
            subscribed_cents=10000,
            called_cents=7500,
            paid_cents=2500,
            loss_share_cents=0,
            amount_cents=2500,
        ),
        D("2021-03-01"),
    ),
)
REFUSALS += [
    (
        "payment-exceeds-owed",
        OWING_WHILE_WAITING,
        "2021-02-01",
        _pay(OWING_WHILE_WAITING, "a", "50.01", "2021-02-01"),
    ),
    # a payment dated before a recorded release would change the set-off it booked
    (
        "reimbursement-set-off-changed",
        SET_OFF,
        "2021-02-01",
        _pay(SET_OFF, "a", "10.00", "2021-02-01"),
    ),
]
WAITING = coop(*TWO_WAITING)
REFUSALS += [
    # R5/R6 — reimbursements of pending withdrawals, in their order, at most what was paid
    (
        "withdrawal-not-pending",
        WAITING,
        "2021-03-01",
        lambda fold, c: [_reimbursed("u", "zz", 2, 10000, 10000, "2021-03-01")],
    ),
    (
        "reimbursement-above-paid",
        WAITING,
        "2021-03-01",
        lambda fold, c: [_reimbursed("u", "w1", 2, 10000, 20000, "2021-03-01")],
    ),
    (
        "reimbursement-out-of-turn",
        WAITING,
        "2021-03-01",
        lambda fold, c: [_reimbursed("u", "w2", 2, 10000, 10000, "2021-03-01")],
    ),
]


def _pay_out(wid: str, amount: str, on: str) -> Any:
    cmd = shares.PayOut.model_validate({"amount": amount, "paid_on": on})
    return lambda fold, c: shares.pay_out(c, fold.reimbursements.get(wid), wid, cmd, D(on))


RELEASED = coop(
    FULLY_PAID,
    _withdrew("u", "w1", 2, 10000, "2021-01-01", exit_=False),
    _reimbursed("u", "w1", 2, 10000, 10000, "2021-01-01"),
)
PAID_OUT = coop(
    FULLY_PAID,
    _withdrew("u", "w1", 2, 10000, "2021-01-01", exit_=False),
    _reimbursed("u", "w1", 2, 10000, 10000, "2021-01-01"),
    Fact(
        shares.ReimbursementPaidOut(withdrawal_id="w1", member_id="u", amount_cents=10000),
        D("2021-01-12"),
    ),
)
REFUSALS += [
    # R5 — a released reimbursement is paid out once, after its release, for what is owed
    ("reimbursement-not-released", RELEASED, "2020-12-31", _pay_out("w1", "100.00", "2020-12-31")),
    ("payout-amount-mismatch", RELEASED, "2021-01-12", _pay_out("w1", "50.00", "2021-01-12")),
    (
        "reimbursement-already-paid-out",
        PAID_OUT,
        "2021-02-01",
        _pay_out("w1", "100.00", "2021-02-01"),
    ),
]


@pytest.mark.parametrize(
    ("slug", "ledger", "on", "decide"),
    REFUSALS,
    ids=[f"{slug}-{i}" for i, (slug, *_) in enumerate(REFUSALS)],
)
def test_a_command_is_refused_with_its_rule(
    slug: str, ledger: Ledger, on: str, decide: Any
) -> None:
    assert when(ledger, on, decide) == slug


def test_a_payment_within_what_is_unpaid_is_decided_and_calls_the_rest() -> None:
    ledger = coop(PARTLY_PAID)
    facts = when(ledger, "2020-06-01", _pay(ledger, "a", "50.00", "2020-06-01"))
    assert isinstance(facts, list)
    [paid] = [f.event for f in facts]
    assert isinstance(paid, shares.SharesPaid)
    assert (paid.amount_cents, paid.called_cents) == (5000, 5000)


def test_a_withdrawal_with_capital_above_the_floor_is_reimbursed_at_once() -> None:
    ledger = coop(FULLY_PAID)
    facts = when(ledger, "2021-01-01", _withdraw("u", 2, "2021-01-01"))
    assert isinstance(facts, list)
    assert [f.type for f in facts] == ["MemberWithdrew", "SharesReimbursed"]


def test_a_released_reimbursement_is_paid_out_at_the_booking_date() -> None:
    facts = when(RELEASED, "2021-01-12", _pay_out("w1", "100.00", "2021-01-12"))
    assert isinstance(facts, list)
    [paid] = [f.event for f in facts]
    assert paid == shares.ReimbursementPaidOut(
        withdrawal_id="w1", member_id="u", amount_cents=10000
    )
    released = PAID_OUT.timeline().state.reimbursements["w1"]
    assert (released.released_on, released.paid_out_on) == (D("2021-01-01"), D("2021-01-12"))


def test_a_former_member_pays_what_it_still_owes_without_moving_capital() -> None:
    assert OWING.timeline().state.members["u"].owed_cents == 2500
    facts = when(OWING, "2021-06-01", _pay(OWING, "a", "25.00", "2021-06-01"))
    assert isinstance(facts, list)
    [paid] = [f.event for f in facts]
    assert paid == shares.OwedCallPaid(
        payment_id="p", subscription_id="a", member_id="u", amount_cents=2500
    )
    assert OWING.when(facts) == []  # the timeline's judge takes it
    settled = coop(*OWING_FACTS, *facts).timeline().state
    assert settled.members["u"].owed_cents == 0
    assert settled.coop is not None and settled.coop.capital.paid_cents == 0


def test_a_former_member_pays_its_call_while_its_reimbursement_waits() -> None:
    """R7 — what it pays while waiting is not set off: the release pays it back."""
    facts = when(
        OWING_WHILE_WAITING, "2021-02-01", _pay(OWING_WHILE_WAITING, "a", "30.00", "2021-02-01")
    )
    assert isinstance(facts, list)
    [paid] = [f.event for f in facts]
    assert paid == shares.OwedCallPaid(
        payment_id="p", subscription_id="a", member_id="u", amount_cents=3000
    )
    state = coop(*WAITING_FACTS, *facts).timeline().state
    assert state.coop is not None
    (pending,) = state.coop.pending
    assert (pending.paid_since_cents, pending.unpaid_cents) == (3000, 2000)
    assert state.coop.capital.paid_cents == 2500  # no capital moves
    assert state.members["u"].owed_cents == 0
    # released with no loss: claim 75.00, owed 50.00 − 30.00 = 20.00 set off, 55.00 paid back
    (released,) = shares.release_pending(state.coop, D("2021-03-01"), extra_capital=10**6)
    assert isinstance(released.event, shares.SharesReimbursed)
    assert (released.event.amount_cents, released.event.paid_while_waiting_cents) == (5500, 3000)
    after = coop(*WAITING_FACTS, *facts, released).timeline().state
    assert after.members["u"].owed_cents == 0
