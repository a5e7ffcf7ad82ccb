"""Cases where `Timeline.insert` (history index) and a refold of the same timeline
(`Timeline._refold`) once disagreed: each now gives the refold's answer."""

from __future__ import annotations

import copy

from scic.domain import members, shares
from scic.domain.facts import Fact
from scic.domain.timeline import Entry, Timeline
from tests.domain.given import D, admitted, registered, subscribed


def _e(fact: Fact, position: int) -> Entry:
    return Entry(position, f"e{position}", fact.on, fact.event, fact.type)


def withdrew(member: str, wid: str, count: int, on: str, exit: bool = True) -> Fact:
    c = count * 5000
    return Fact(
        shares.MemberWithdrew(
            withdrawal_id=wid,
            member_id=member,
            exit=exit,
            due_by=D(on),
            shares=count,
            subscribed_cents=c,
            called_cents=c,
            paid_cents=c,
        ),
        D(on),
    )


def reimbursed(member: str, wid: str, count: int, on: str) -> Fact:
    c = count * 5000
    return Fact(
        shares.SharesReimbursed(
            withdrawal_id=wid,
            member_id=member,
            loss_share_cents=0,
            amount_cents=c,
            shares=count,
            subscribed_cents=c,
            called_cents=c,
            paid_cents=c,
        ),
        D(on),
    )


def _both(timeline: Timeline, new: list[Entry], **options):  # type: ignore[no-untyped-def]
    reference = copy.deepcopy(timeline)
    expected = reference._refold(
        list(new), options.get("tolerate") or set(), options.get("dry_run", False)
    )
    got = timeline.insert(list(new), **options)
    return got, expected, reference


def test_a_finding_gone_then_back_stays_a_finding_as_a_refold_says() -> None:
    facts = [
        registered(),
        admitted("u", "usagers"),
        admitted("s", "salaries"),
        subscribed("u", "su", 100, "2019-02-01"),
        subscribed("s", "ss", 4, "2019-02-01"),
        withdrew("u", "w1", 100, "2019-03-01"),
        reimbursed("u", "w1", 100, "2019-04-01"),
    ]
    entries = [_e(f, i) for i, f in enumerate(facts, start=1)]
    timeline = Timeline.of(entries)
    assert ("e7", "reimbursement-below-floor") in timeline.baseline  # an R5 finding
    # a private subscription before it makes the reimbursement lawful (index → refold)
    got, expected, _ = _both(timeline, [_e(subscribed("s", "ss2", 40, "2019-02-15"), 8)])
    assert got == expected == []
    assert (
        "e7" not in timeline.verdicts and ("e7", "reimbursement-below-floor") in timeline.baseline
    )
    # s withdraws and is reimbursed 20 shares before w1: e7 is below the floor again
    new = [
        _e(withdrew("s", "w2", 20, "2019-02-20", exit=False), 9),
        _e(reimbursed("s", "w2", 20, "2019-02-21"), 10),
    ]
    got, expected, _ = _both(timeline, new)
    assert [v.key for v in got] == [v.key for v in expected], (got, expected)


def test_a_readmission_in_a_public_category_refolds_the_public_capital() -> None:
    facts = [
        registered(),
        admitted("u", "usagers"),
        admitted("s", "salaries"),
        subscribed("s", "ss", 100, "2019-02-01"),
        subscribed("u", "su", 10, "2019-03-01"),
    ]
    entries = [_e(f, i) for i, f in enumerate(facts, start=1)]
    timeline = Timeline.of(entries)
    again = _e(
        Fact(
            members.MemberAdmitted(
                member_id="u", party_id="pu", kind="person", category="communes"
            ),
            D("2019-01-15"),
        ),
        6,
    )
    got, expected, reference = _both(timeline, [again])
    assert got == expected == []
    assert timeline.state.coop == reference.state.coop  # public_subscribed_cents differs


def test_a_payment_naming_another_members_subscription_is_judged_as_a_refold_does() -> None:
    facts = [
        registered(),
        admitted("u", "usagers"),
        admitted("s", "salaries"),
        subscribed("s", "ss", 10, "2019-02-01", paid=0),
        subscribed("u", "su", 1, "2019-05-01"),
    ]
    entries = [_e(f, i) for i, f in enumerate(facts, start=1)]
    timeline = Timeline.of(entries)
    pay = Fact(
        shares.SharesPaid(
            payment_id="p",
            subscription_id="ss",
            member_id="u",
            amount_cents=5000,
            called_cents=5000,
        ),
        D("2019-03-01"),
    )
    got, expected, _ = _both(timeline, [_e(pay, 6)])
    assert [v.key for v in got] == [v.key for v in expected], (got, expected)


def test_a_dry_run_of_events_at_the_end_whose_last_is_refused_leaves_the_index_whole() -> None:
    facts = [
        registered(),
        admitted("u", "usagers"),
        admitted("s", "salaries"),
        subscribed("u", "su", 100, "2019-02-01"),
        subscribed("s", "ss", 4, "2019-02-01"),
    ]
    timeline = Timeline.of([_e(f, i) for i, f in enumerate(facts, start=1)])
    # the withdrawal folds (nothing indexed, a dry run); its reimbursement is below the
    # R5 floor and refused: nothing is taken back out of the index either
    new = [
        _e(withdrew("u", "w1", 100, "2019-03-01"), 6),
        _e(reimbursed("u", "w1", 100, "2019-03-02"), 7),
    ]
    got, expected, reference = _both(timeline, new, dry_run=True)
    assert (
        [v.key for v in got] == [v.key for v in expected] == [("e7", "reimbursement-below-floor")]
    )
    assert timeline.entries == reference.entries
    # the same events, really inserted, are refused by the index as by a refold
    got, expected, _ = _both(timeline, new)
    assert [v.key for v in got] == [v.key for v in expected], (got, expected)
    assert len(timeline.entries) == 5


def test_a_back_dated_private_subscription_is_judged_against_its_members_later_exit() -> None:
    facts = [
        registered(),
        admitted("u", "usagers"),
        admitted("s", "salaries"),
        subscribed("u", "su", 40, "2019-02-01"),
        subscribed("s", "ss", 10, "2019-02-01"),
        subscribed("u", "su2", 1, "2019-05-01"),  # a later event of another member
        withdrew("s", "w1", 10, "2019-06-01"),
    ]
    timeline = Timeline.of([_e(f, i) for i, f in enumerate(facts, start=1)])
    assert timeline.baseline == set()
    # s subscribes before its exit: the exit (all 10 shares) no longer matches what s held
    got, expected, _ = _both(timeline, [_e(subscribed("s", "ss2", 2, "2019-03-01"), 8)])
    assert [v.key for v in got] == [v.key for v in expected] == [("e7", "not-enough-shares")]
    assert len(timeline.entries) == 7  # refused: nothing changed
