"""The property of test_history_index.py widened: tolerate sets, dry runs,
multi-entry inserts (a withdrawal with its reimbursement), payouts, statutes amended and
categories changed before the inserts, and whole violation lists compared with a refold
of the SAME timeline (deepcopy), plus `at(d)` views (withdrawals, reimbursements, on,
member iteration)."""

from __future__ import annotations

import copy
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from scic.domain import members, shares
from scic.domain.cooperative import Category, StatutesAmended
from scic.domain.facts import Fact
from scic.domain.timeline import Kind, Timeline, corrected, fold
from tests.domain.given import STATUTES, D, admitted, registered
from tests.domain.test_history_index import CATEGORIES, MEMBERS, _entry, _fact

PUBLIC_USERS = STATUTES.model_copy(
    update={
        "categories": [
            Category(code="usagers", name="Usagers", role="beneficiaries", public_body=True),
            *STATUTES.categories[1:],
        ]
    }
)
OPTIONS = [set(), {"R3"}, {"R5"}, {"R3", "R5"}, {"structural"}, {"structural", "R3", "R5"}]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=st.data())
def test_incremental_equals_refold_of_the_same_timeline(data: st.DataObject) -> None:
    base = [registered("2019-01-01")] + [admitted(m, CATEGORIES[m], "2019-01-01") for m in MEMBERS]
    if data.draw(st.booleans()):
        base.append(Fact(StatutesAmended(coop_id="c", statutes=PUBLIC_USERS), D("2019-01-02")))
    if data.draw(st.booleans()):
        base.append(
            Fact(
                members.MemberCategoryChanged(
                    member_id="s", category="communes", previous="salaries"
                ),
                D("2019-01-03"),
            )
        )
    timeline = Timeline.of([_entry(f, i) for i, f in enumerate(base, start=1)])
    n = len(base) + 1
    for _ in range(data.draw(st.integers(5, 40))):
        fact = _fact(data.draw, timeline, n)
        facts = [fact]
        state = timeline.at(fact.on)
        if isinstance(fact.event, shares.MemberWithdrew) and data.draw(st.booleans()):
            w = fact.event
            facts.append(
                Fact(
                    shares.SharesReimbursed(
                        withdrawal_id=w.withdrawal_id,
                        member_id=w.member_id,
                        loss_share_cents=0,
                        amount_cents=w.paid_cents,
                        shares=w.shares,
                        subscribed_cents=w.subscribed_cents,
                        called_cents=w.called_cents,
                        paid_cents=w.paid_cents,
                    ),
                    fact.on + timedelta(days=data.draw(st.integers(0, 60))),
                )
            )
        elif state.reimbursements and data.draw(st.integers(0, 3)) == 0:
            r = data.draw(st.sampled_from(sorted(state.reimbursements.values(), key=str)))
            facts = [
                Fact(
                    shares.ReimbursementPaidOut(
                        withdrawal_id=r.withdrawal_id,
                        member_id=r.member_id,
                        amount_cents=max(r.amount_cents, 1),
                    ),
                    fact.on,
                )
            ]
        new = [_entry(f, n + i) for i, f in enumerate(facts)]
        n += len(new)
        tolerate: set[Kind] = set(data.draw(st.sampled_from(OPTIONS)))
        dry_run = data.draw(st.integers(0, 4)) == 0
        reference = copy.deepcopy(timeline)
        expected = reference._refold(list(new), set(tolerate), dry_run)
        got = timeline.insert(list(new), tolerate=set(tolerate), dry_run=dry_run)
        assert [v.key for v in got[:1]] == [v.key for v in expected[:1]], (new, got, expected)
        if not any(v.kind == "structural" for v in expected):  # the index stops at one
            assert [v.key for v in got] == [v.key for v in expected], (new, got, expected)
        assert [sort_key_of(e) for e in timeline.entries] == [
            sort_key_of(e) for e in reference.entries
        ]
        assert timeline.state.coop == reference.state.coop
        assert dict(timeline.state.members) == dict(reference.state.members)
        assert dict(timeline.state.subscriptions) == dict(reference.state.subscriptions)
        assert timeline.state.withdrawals == reference.state.withdrawals
        assert timeline.state.reimbursements == reference.state.reimbursements
        assert timeline.state.on == reference.state.on
        assert set(timeline.verdicts) == set(reference.verdicts), (
            timeline.verdicts,
            reference.verdicts,
        )
        dates = sorted({e.on for e in timeline.entries})
        on = data.draw(st.sampled_from(dates)) - timedelta(days=data.draw(st.integers(0, 1)))
        as_at, _ = fold(corrected(timeline.entries), until=on)
        view = timeline.at(on)
        assert view.coop == as_at.coop, on
        assert view.on == as_at.on, on
        assert dict(view.members) == dict(as_at.members), on
        assert dict(view.subscriptions) == dict(as_at.subscriptions), on
        assert view.withdrawals == as_at.withdrawals, on
        assert view.reimbursements == as_at.reimbursements, on


def sort_key_of(e):  # type: ignore[no-untyped-def]
    return (e.on, e.position, e.event_id)
