"""Funding on the timeline without a database (R11, R14): given events / when a decided
command / then the violations the new history holds, at the date they break."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from scic.domain import corrections, grants, titles
from scic.domain.facts import Fact
from scic.domain.funding_timeline import window_at
from tests.domain.given import Ledger, coop

D = date.fromisoformat


def awarded(grant_id: str, euros: int, on: str, override: str | None = None) -> Fact:
    event = grants.GrantAwarded(
        grant_id=grant_id,
        funder_id="fnd_1",
        funder_type="foundation",
        purpose="operating",
        amount_cents=euros * 100,
        de_minimis=True,
        de_minimis_override=override,
    )
    return Fact(event, D(on))


def instalment(grant_id: str, euros: int, on: str) -> Fact:
    return Fact(grants.GrantInstalmentReceived(grant_id=grant_id, amount_cents=euros * 100), D(on))


def justified(grant_id: str, euros: int, on: str) -> Fact:
    return Fact(grants.GrantJustified(grant_id=grant_id, amount_cents=euros * 100), D(on))


def decide_award(ledger: Ledger, grant_id: str, amount: str, on: str) -> list[Fact]:
    """The award decided on the funding as at `on`, as the command handler does."""
    state = ledger.timeline().at(D(on))
    assert state.coop is not None
    cmd = grants.AwardGrant.model_validate(
        {
            "funder_id": "fnd_1",
            "purpose": "operating",
            "amount": amount,
            "awarded_on": on,
            "de_minimis": True,
        }
    )
    window = window_at(state.coop, D(on))
    facts, _ = grants.award(
        cmd, grant_id, "fnd_1", "foundation", D(on), window, state.funding.de_minimis_within(window)
    )
    return facts


def test_a_back_dated_grant_is_lawful_at_its_date_but_refused_for_a_later_window() -> None:
    # given 170,000 € (2025-04-10) and 110,000 € (2025-09-15): 280,000 over 2022-09..2025-09
    ledger = coop(awarded("a", 170_000, "2025-04-10"), awarded("b", 110_000, "2025-09-15"))
    # when 40,000 € is awarded on 2024-11-05: alone in its own window (2021-11..2024-11)
    facts = decide_award(ledger, "c", "40000.00", "2024-11-05")
    violations = ledger.when(facts)
    # then grant b's window now holds 320,000 €, above the 300,000 € ceiling
    assert [(v.event_id, v.on, v.slug, v.rule, v.kind) for v in violations] == [
        ("e6", D("2025-09-15"), "de-minimis-ceiling", "R14", "R14")
    ]
    assert "grant b of 2025-09-15" in violations[0].detail
    assert "320000.00" in violations[0].detail


def test_an_override_recorded_on_the_later_grant_stands_for_its_window() -> None:
    ledger = coop(
        awarded("a", 170_000, "2025-04-10"),
        awarded("b", 110_000, "2025-09-15", override="regional recovery plan, notified"),
    )
    assert ledger.when(decide_award(ledger, "c", "40000.00", "2024-11-05")) == []


def test_a_back_dated_instalment_is_judged_at_its_date_and_before_later_ones() -> None:
    ledger = coop(
        awarded("g", 36_400, "2024-05-06"),
        instalment("g", 30_000, "2024-10-01"),
    )
    state = ledger.timeline().at(D("2024-07-01"))
    assert state.funding.grants["g"].received_cents == 0  # the later instalment is not there yet
    violations = ledger.when([instalment("g", 8_000, "2024-07-01")])
    assert [(v.event_id, v.slug) for v in violations] == [("e6", "instalment-exceeds-award")]
    assert ledger.when([instalment("g", 6_400, "2024-07-01")]) == []


def test_reversing_an_instalment_a_later_justification_rests_on_is_refused() -> None:
    ledger = coop(
        awarded("g", 18_750, "2024-01-15"),
        instalment("g", 9_000, "2024-02-01"),
        instalment("g", 4_000, "2024-03-01"),
        justified("g", 8_500, "2024-06-30"),
    )
    timeline = ledger.timeline()
    first = timeline.find("e6")
    assert first is not None
    violations = ledger.when(corrections.reverse(timeline, [first], "bank error"))
    assert [(v.event_id, v.on, v.slug, v.kind) for v in violations] == [
        ("e8", D("2024-06-30"), "justification-exceeds-received", "structural")
    ]
    second = timeline.find("e7")
    assert second is not None
    assert ledger.when(corrections.reverse(timeline, [second], "bank error")) == []


def test_a_back_dated_redemption_is_judged_against_later_ones() -> None:
    issued = titles.TitlesIssued(
        issue_id="tp",
        holder_id="fnd_1",
        count=120,
        nominal_cents=25_000,
        fixed_rate=Decimal("0.02"),
        variable_rate=Decimal(0),
        variable_base=Decimal("0.4"),
    )
    later = titles.TitlesRedeemed(issue_id="tp", count=80, amount_cents=0, at_liquidation=False)
    ledger = coop(Fact(issued, D("2015-02-01")), Fact(later, D("2024-03-01")), since="2014-06-01")
    state = ledger.timeline().at(D("2023-06-01"))
    cmd = titles.Redeem.model_validate({"count": 50})
    facts = titles.redeem(state.funding.issues["tp"], cmd, D("2023-06-01"))
    violations = ledger.when(facts)
    assert [(v.event_id, v.slug, v.rule) for v in violations] == [
        ("e6", "redemption-exceeds-outstanding", "R11")
    ]
