"""Property: a timeline kept incrementally (appends, back-dated inserts judged from the
history index, refolds) refuses exactly what a refold of the whole history refuses, and
holds after every insert the state a fold from zero holds — at its end and as at any
date inside it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scic.domain import shares
from scic.domain.facts import Fact
from scic.domain.history_index import END
from scic.domain.timeline import Entry, Timeline, corrected, fold, sort_key
from tests.domain.given import admitted, registered

START = date(2019, 1, 1)
MEMBERS = ("u", "s", "t", "v", "w")
CATEGORIES = {"u": "usagers", "s": "salaries", "t": "communes", "v": "usagers", "w": "communes"}


def _fact(draw: Callable[[st.SearchStrategy[Any]], Any], timeline: Timeline, n: int) -> Fact:
    """A plausible event at a random date, its amounts read on the state then (so that
    many are lawful), or an unlawful one now and then."""
    on = START + timedelta(days=draw(st.integers(0, 900)))
    state = timeline.at(on)
    member = draw(st.sampled_from(MEMBERS))
    kinds = ["subscribe"] * 3 + ["call", "pay", "pay", "withdraw", "transfer", "reimburse"]
    kind = draw(st.sampled_from(kinds))
    if kind == "reimburse" and state.coop is not None and state.coop.pending:
        # R5 — often the first in the queue, now and then one out of turn
        pending = draw(st.sampled_from(state.coop.pending[:2]))
        return Fact(
            shares.SharesReimbursed(
                withdrawal_id=pending.withdrawal_id,
                member_id=pending.member_id,
                loss_share_cents=0,
                amount_cents=pending.amounts.paid_cents,
                **pending.amounts.as_row(),
            ),
            on,
        )
    held = state.members.get(member)
    subs = sorted(
        (s for s in timeline.state.subscriptions.values() if s.member_id == member),
        key=lambda s: s.subscription_id,
    )  # the same draws whatever the hash seed (derandomized)
    if kind in ("subscribe", "reimburse") or not subs and kind in ("call", "pay"):
        count = draw(st.integers(1, 40))
        paid = draw(st.sampled_from([0, count * 2500, count * 5000]))
        event = shares.SharesSubscribed(
            subscription_id=f"sub{n}",
            member_id=member,
            shares=count,
            subscribed_cents=count * 5000,
            called_cents=paid,
            paid_cents=paid,
        )
        return Fact(event, on)
    sub_id = draw(st.sampled_from([s.subscription_id for s in subs])) if subs else "none"
    sub = state.subscriptions.get(sub_id)
    amount = draw(st.integers(1, 100_000))
    if kind == "call":
        return Fact(
            shares.SharesCalled(
                call_id=f"call{n}",
                subscription_id=sub_id,
                member_id=member,
                amount_cents=amount,
                due_date=on,
            ),
            on,
        )
    if kind == "pay":
        called = shares.implicit_call(sub, amount) if sub is not None else 0
        return Fact(
            shares.SharesPaid(
                payment_id=f"pay{n}",
                subscription_id=sub_id,
                member_id=member,
                amount_cents=amount,
                called_cents=called,
            ),
            on,
        )
    free = held.free if held is not None else shares.Holding()
    if kind == "withdraw":
        return Fact(
            shares.MemberWithdrew(
                withdrawal_id=f"w{n}",
                member_id=member,
                exit=True,
                due_by=on,
                shares=free.shares,
                subscribed_cents=free.subscribed_cents,
                called_cents=free.called_cents,
                paid_cents=free.paid_cents,
            ),
            on,
        )
    taker = draw(st.sampled_from([m for m in MEMBERS if m != member]))
    part = draw(st.integers(0, max(free.shares, 0)))
    ratio = (part / free.shares) if free.shares else 0
    return Fact(
        shares.SharesTransferred(
            transfer_id=f"t{n}",
            from_member_id=member,
            to_member_id=taker,
            shares=part,
            subscribed_cents=part * 5000,
            called_cents=int(free.called_cents * ratio),
            paid_cents=int(free.paid_cents * ratio),
        ),
        on,
    )


def _entry(fact: Fact, position: int) -> Entry:
    return Entry(position, f"e{position}", fact.on, fact.event, fact.type)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_incremental_inserts_equal_a_refold(data: st.DataObject) -> None:
    base = [registered("2019-01-01")] + [admitted(m, CATEGORIES[m], "2019-01-01") for m in MEMBERS]
    accepted = [_entry(f, i) for i, f in enumerate(base, start=1)]
    timeline = Timeline.of(accepted)
    for n in range(len(accepted) + 1, len(accepted) + data.draw(st.integers(5, 40))):
        entry = _entry(_fact(data.draw, timeline, n), n)
        reference = Timeline.of(accepted)
        expected = reference._refold([entry], set(), dry_run=True)
        refused = timeline.insert([entry])
        assert [v.key for v in refused[:1]] == [v.key for v in expected[:1]], entry
        if refused:
            continue
        accepted.append(entry)
        full = Timeline.of(accepted)
        assert timeline.state.coop == full.state.coop
        assert dict(timeline.state.members) == dict(full.state.members)
        assert dict(timeline.state.subscriptions) == dict(full.state.subscriptions)
        assert timeline.state.withdrawals == full.state.withdrawals
        assert timeline.state.reimbursements == full.state.reimbursements
        assert timeline.index.capital_before(END) == full.state.coop.capital  # type: ignore[union-attr]
        on = data.draw(st.sampled_from(sorted({e.on for e in accepted})))
        as_at, _ = fold(corrected(accepted), until=on)
        view = timeline.at(on)
        assert view.coop == as_at.coop, on
        for member in MEMBERS:
            assert view.members.get(member) == as_at.members.get(member), (on, member)
        for sub in full.state.subscriptions:
            assert view.subscriptions.get(sub) == as_at.subscriptions.get(sub), (on, sub)
        assert [sort_key(e) for e in timeline.entries] == sorted(sort_key(e) for e in accepted)
