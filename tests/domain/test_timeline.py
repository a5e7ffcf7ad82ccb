"""The timeline without a database: history in effective-date order, a pure fold, R3
and R1 judged at each event's date, back-dated commands and corrections re-judging the
history after them (given events / when a command / then events or a violation)."""

from __future__ import annotations

import pytest

from scic.domain import corrections, shares
from scic.domain.cooperative import StatutesAmended
from scic.domain.facts import Fact
from scic.domain.timeline import Fold, evolve, sort_key
from scic.errors import DomainError
from tests.domain.given import STATUTES, D, Ledger, coop, decide_subscribe, subscribed

# -- the sort key ----------------------------------------------------------------------


def test_history_is_ordered_by_effective_date_then_position() -> None:
    late, early = subscribed("u", "a", 1, "2021-01-01"), subscribed("u", "b", 1, "2020-01-01")
    ledger = coop(late, early)
    ordered = sorted(ledger.entries, key=sort_key)
    assert [e.event.subscription_id for e in ordered[-2:]] == ["b", "a"]  # type: ignore[union-attr]
    same_day = coop(subscribed("u", "x", 1, "2020-01-01"), subscribed("u", "y", 1, "2020-01-01"))
    ids = [e.event.subscription_id for e in sorted(same_day.entries, key=sort_key)[-2:]]  # type: ignore[union-attr]
    assert ids == ["x", "y"]


def test_evolve_is_pure() -> None:
    ledger = coop()
    state = ledger.timeline().state
    before = state.copy()
    entry = Ledger().given(subscribed("u", "a", 2, "2020-01-01")).entries[0]
    after = evolve(state, entry)
    assert state.members == before.members and state.coop == before.coop
    assert after.members["u"].holding.shares == 2


# -- R3 at the command's date -----------------------------------------------------------


def test_given_only_later_private_capital_a_back_dated_public_subscription_is_refused() -> None:
    ledger = coop(subscribed("u", "a", 100, "2016-01-01"), since="2012-01-10")
    with pytest.raises(DomainError) as refused:
        decide_subscribe(ledger, "t", 10, "500.00", "2015-01-01")
    assert refused.value.rule == "R3" and refused.value.slug == "public-capital-cap"
    assert refused.value.detail.startswith("on 2015-01-01 local public bodies would hold 100.00 %")


def test_a_back_dated_command_is_refused_for_a_later_public_subscription() -> None:
    ledger = coop(subscribed("u", "a", 100, "2019-03-01"), subscribed("t", "b", 90, "2021-01-01"))
    state = ledger.timeline().at(D("2020-01-01"))
    assert state.coop is not None
    facts = shares.withdraw(state.coop, state.members["u"], 20, "w", D("2020-01-01"))
    [violation] = ledger.when(facts)
    assert (violation.rule, violation.on, violation.event_id) == ("R3", D("2021-01-01"), "e6")


def test_r3_uses_the_statutes_in_force_at_each_date() -> None:
    public_users = STATUTES.model_copy(
        update={
            "categories": [c.model_copy(update={"public_body": True}) for c in STATUTES.categories]
        }
    )
    amended = Fact(StatutesAmended(coop_id="c", statutes=public_users), D("2030-01-01"))
    ledger = coop(subscribed("s", "a", 10, "2019-03-01"), amended)
    assert decide_subscribe(ledger, "u", 100, "5000.00", "2020-01-01")  # not public in 2020


# -- structure -------------------------------------------------------------------------


def test_a_back_dated_payment_making_a_later_one_exceed_unpaid_is_refused() -> None:
    paid_later = Fact(
        shares.SharesPaid(
            payment_id="p2",
            subscription_id="a",
            member_id="u",
            amount_cents=3750,
            called_cents=3750,
        ),
        D("2022-01-01"),
    )
    ledger = coop(subscribed("u", "a", 1, "2020-01-01", paid=1250), paid_later)
    state = ledger.timeline().at(D("2021-01-01"))
    assert state.coop is not None
    cmd = shares.Pay.model_validate({"subscription_id": "a", "amount": "10.00"})
    facts = shares.pay(
        state.coop, state.members["u"], state.subscriptions["a"], cmd, "p1", D("2021-01-01")
    )
    [violation] = ledger.when(facts)
    assert violation.slug == "payment-exceeds-unpaid" and violation.on == D("2022-01-01")


def test_nothing_is_withdrawn_before_it_is_held() -> None:
    ledger = coop(subscribed("u", "a", 10, "2021-01-01"))
    state = ledger.timeline().at(D("2020-06-01"))
    assert state.coop is not None
    with pytest.raises(DomainError) as refused:
        shares.withdraw(state.coop, state.members["u"], None, "w", D("2020-06-01"))
    assert refused.value.slug == "no-shares-to-withdraw"


def test_the_nominal_cannot_change_while_shares_are_out() -> None:
    from scic.domain.cooperative import check_nominal_kept

    dearer = STATUTES.model_copy(update={"share_nominal_cents": 6000})
    with pytest.raises(DomainError) as refused:
        check_nominal_kept(STATUTES, dearer, 5, D("2021-01-01"))
    assert refused.value.rule == "R1"
    check_nominal_kept(STATUTES, dearer, 0, D("2021-01-01"))
    amended = Fact(StatutesAmended(coop_id="c", statutes=dearer), D("2020-01-01"))
    [violation] = coop(subscribed("u", "a", 1, "2021-01-01")).when([amended])
    assert violation.rule == "R1" and violation.on == D("2021-01-01")


def test_a_withdrawal_is_valued_at_the_nominal_it_was_subscribed_at() -> None:
    state = coop(subscribed("u", "a", 5, "2020-01-01")).timeline().state
    assert state.coop is not None
    facts = shares.withdraw(state.coop, state.members["u"], 2, "w", D("2021-01-01"))
    assert facts[0].event.paid_cents == 10000  # type: ignore[attr-defined]


# -- R5 and corrections ----------------------------------------------------------------


def test_highest_capital_is_that_of_the_corrected_history() -> None:
    mistake = subscribed("u", "m", 800, "2020-01-01")
    ledger = coop(subscribed("u", "a", 240, "2019-03-01"), mistake)
    reversal = corrections.reverse(ledger.timeline(), [ledger.entries[-1]], "typo")
    ledger.given(*reversal)
    state: Fold = ledger.timeline().state
    assert state.coop is not None and state.coop.floor_cents(D("2021-01-01")) == 300000


def test_a_reversal_re_judges_the_reimbursements_it_released() -> None:
    floor = STATUTES.model_copy(update={"statutory_floor_cents": 550000})
    amended = Fact(StatutesAmended(coop_id="c", statutes=floor), D("2019-01-01"))
    ledger = coop(amended, subscribed("u", "a", 100, "2019-03-01"))
    ledger.given(subscribed("s", "b", 20, "2019-03-01"))
    state = ledger.timeline().state
    assert state.coop is not None
    ledger.given(*shares.withdraw(state.coop, state.members["s"], None, "w", D("2020-01-01")))
    state = ledger.timeline().state
    assert state.coop is not None and [p.withdrawal_id for p in state.coop.pending] == ["w"]
    typo = subscribed("u", "typo", 1000, "2020-02-01")
    released = shares.release_pending(state.coop, D("2020-02-01"), 5_000_000)
    assert [f.type for f in released] == ["SharesReimbursed"]
    ledger.given(typo, *released)
    timeline = ledger.timeline()
    facts = corrections.reverse(timeline, [ledger.entries[-2]], "typo")
    [violation] = ledger.when(facts, tolerate={"R3", "R5"}, dry_run=True)
    assert (violation.slug, violation.rule, violation.on) == (
        "reimbursement-below-floor",
        "R5",
        D("2020-02-01"),
    )
    assert "below the R5 floor of 5500.00" in violation.detail


def test_a_correction_of_an_event_already_reversed_is_refused() -> None:
    ledger = coop(subscribed("u", "a", 1, "2020-01-01"))
    target = ledger.entries[-1]
    ledger.given(*corrections.reverse(ledger.timeline(), [target], "typo"))
    with pytest.raises(DomainError) as refused:
        corrections.reverse(ledger.timeline(), [target], "again")
    assert refused.value.slug == "already-reversed"


def test_an_admission_is_not_reversible() -> None:
    ledger = coop()
    with pytest.raises(DomainError) as refused:
        corrections.reverse(ledger.timeline(), [ledger.entries[1]], "wrong person")
    assert refused.value.slug == "not-reversible"


def test_a_correction_a_later_event_rests_on_is_refused() -> None:
    paid_later = Fact(
        shares.SharesPaid(
            payment_id="p", subscription_id="a", member_id="u", amount_cents=1000, called_cents=1000
        ),
        D("2021-01-01"),
    )
    ledger = coop(subscribed("u", "a", 1, "2020-01-01", paid=1250), paid_later)
    facts = corrections.reverse(ledger.timeline(), [ledger.entries[-2]], "typo")
    [violation] = ledger.when(facts, tolerate={"R3", "R5"}, dry_run=True)
    assert violation.slug == "date-before-subscription"
    assert corrections.later_events_first(violation).slug == "reverse-later-events-first"
