"""Writes about shares (R3, R5, R6, R7): subscriptions, calls, payments, withdrawals
and exclusions, transfers, losses. Each decides on the cooperative's timeline alone."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ledger.store import WriteSession
from scic.accounting.fiscal_years import check_payout_open
from scic.dates import Day
from scic.domain import members, shares
from scic.domain.facts import Fact
from scic.errors import NotFound
from scic.jsontypes import Integer
from scic.money import Amount
from scic.write import store
from scic.write.pipeline import Command, Context, new_id
from scic.write.store import Cached, Decided


def subscribe(session: WriteSession, ctx: Context, body: shares.Subscribe) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    member = store.member_at(cached, fold, body.member_id, on)
    sub_id = new_id("sub")
    return store.judged(session, cached, sub_id, shares.subscribe(state, member, body, sub_id, on))


SUBSCRIPTIONS = Command("subscriptions", subscribe, shares.Subscribe, reads_tables=False)


def call(session: WriteSession, ctx: Context, body: shares.Call) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    sub = store.subscription_at(cached, fold, body.subscription_id, on)
    member = store.member_at(cached, fold, sub.member_id, on)
    call_id = new_id("call")
    return store.judged(
        session, cached, call_id, shares.call(state, member, sub, body, call_id, on)
    )


CALLS = Command("calls", call, shares.Call, reads_tables=False)


def pay(session: WriteSession, ctx: Context, body: shares.Pay) -> Decided:
    """A payment on a subscription; by a member who has left, a payment of what it still
    owes on its calls (R7, decided in scic.domain.shares.pay)."""
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    sub = store.subscription_at(cached, fold, body.subscription_id, on)
    # the subscription exists at `on`, so its member was admitted by then
    member = members.require_admitted(
        store.known_member(cached, fold, sub.member_id), on, sub.member_id
    )
    pay_id = new_id("pay")
    return store.judged(session, cached, pay_id, shares.pay(state, member, sub, body, pay_id, on))


PAYMENTS = Command("payments", pay, shares.Pay, reads_tables=False)


def withdraw(session: WriteSession, ctx: Context, body: shares.Withdraw) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    member = store.member_at(cached, fold, body.member_id, on)
    wid = new_id("wdr")
    facts = shares.withdraw(state, member, body.shares, wid, on, body.reason)
    return _withdrawn(session, cached, wid, facts)


WITHDRAWALS = Command("withdrawals", withdraw, shares.Withdraw, reads_tables=False)


def _withdrawn(session: WriteSession, cached: Cached, wid: str, facts: list[Fact]) -> Decided:
    """R5 — a withdrawal is never refused on the floor's grounds (Cass. com. 18 Dec 2024,
    n° 23-10.695), back-dated or not: when the reimbursements it would release make a
    later one unlawful (below the floor, out of turn), it is recorded alone and its
    reimbursement waits in the queue; reimbursements already recorded stay (they
    happened). Any other violation still refuses."""
    entries = store.entries_of(facts, session, wid)
    found = cached.timeline.insert(entries, dry_run=True)
    if found and all(v.kind == "R5" for v in found):
        facts = [f for f in facts if not isinstance(f.event, shares.SharesReimbursed)]
        entries = store.entries_of(facts, session, wid)
        store.decide_into(cached, entries, tolerate={"R5"})
        decided = [store.envelope(e) for e in entries]
        return Decided(wid, decided, {"status": "pending"}, cached)
    reimbursed = any(
        isinstance(f.event, shares.SharesReimbursed) and f.event.withdrawal_id == wid for f in facts
    )
    status = "reimbursed" if reimbursed else "pending"
    return store.judged(session, cached, wid, facts, {"status": status})


class PayOutFor(shares.PayOut):
    withdrawal_id: str


def pay_out(session: WriteSession, ctx: Context, body: PayOutFor) -> Decided:
    """A released reimbursement paid out, on the bank statement's booking date."""
    on = body.paid_on
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    wid = body.withdrawal_id
    if wid not in cached.timeline.state.withdrawals:
        raise NotFound("withdrawal", wid)
    released = fold.reimbursements.get(wid)
    if released is not None:
        check_payout_open(wid, released.released_on, cached.closed_until)
    facts = shares.pay_out(state, released, wid, body, on)
    return store.judged(session, cached, new_id("pout"), facts)


REIMBURSEMENT_PAYOUTS = Command(
    "reimbursement-payouts",
    pay_out,
    PayOutFor,
    "reimbursements/{withdrawal_id}/payouts",
    shares.PayOut,
    reads_tables=False,
)


class ExcludeMember(shares.Exclude):
    member_id: str


def exclude(session: WriteSession, ctx: Context, body: ExcludeMember) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    member = store.member_at(cached, fold, body.member_id, on)
    wid = new_id("wdr")
    facts = shares.withdraw(state, member, None, wid, on, body.reason, excluded=True)
    return _withdrawn(session, cached, wid, facts)


EXCLUSIONS = Command("exclusions", exclude, ExcludeMember, reads_tables=False)


def transfer(session: WriteSession, ctx: Context, body: shares.Transfer) -> Decided:
    on = ctx.on(body)
    cached, fold, state = store.as_at(session, ctx.cooperative(), on)
    giver = store.member_at(cached, fold, body.from_member_id, on)
    taker = store.member_at(cached, fold, body.to_member_id, on)
    tid = new_id("trf")
    return store.judged(session, cached, tid, shares.transfer(state, giver, taker, body, tid, on))


TRANSFERS = Command("transfers", transfer, shares.Transfer, reads_tables=False)


class RecordLosses(BaseModel):
    model_config = ConfigDict(extra="forbid")
    amount: Amount
    fiscal_year: Integer = Field(ge=1900, le=2200)
    effective_date: Day | None = None


def record_losses(session: WriteSession, ctx: Context, body: RecordLosses) -> Decided:
    on = ctx.on(body)
    cached, _, state = store.as_at(session, ctx.cooperative(), on)
    members.check_date(state, on)
    data = shares.LossesRecorded(amount_cents=body.amount, fiscal_year=body.fiscal_year)
    return store.judged(session, cached, new_id("loss"), [Fact(data, on)])


LOSSES = Command("losses", record_losses, RecordLosses, reads_tables=False)
