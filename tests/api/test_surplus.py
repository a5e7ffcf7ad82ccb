"""Surplus allocation (R9) and interest on shares (R8): the bounds, as figures worked by
hand, and the AG decision over HTTP with its refusals; the TMO table an admin updates;
the year's figures in the funding mix."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from scic.domain import surplus
from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post, problem

TMO_3PCT = ((2022, Decimal("0.03")), (2023, Decimal("0.03")), (2024, Decimal("0.03")))


def inputs(**overrides: Any) -> surplus.Inputs:
    values: dict[str, Any] = {
        "result_cents": 1_000_000,
        "highest_capital_cents": 10_000_000,
        "legal_reserve_cents": 0,
        "eligible_capital_cents": 20_000_000,
        "public_subsidies_cents": 0,
        "tmo": TMO_3PCT,
        "decided_on": date(2025, 6, 30),
    }
    return surplus.Inputs(**{**values, **overrides})


def test_r9_worked_example() -> None:
    """Surplus 10,000 € → legal 1,500; remainder 8,500; statutory ≥ 4,250; reserves ≥
    5,750; interest ≤ min(4,250, cap × eligible capital)."""
    b = surplus.bounds(inputs())
    assert b.legal_reserve_min_cents == 150_000
    assert b.remainder_cents == 850_000
    assert b.statutory_reserve_min_cents == 425_000
    assert b.reserves_min_cents == 575_000
    assert b.interest_cap_rate == Decimal("0.05")  # TMO 3 % average + 2 points
    assert b.interest_cap_cents == 1_000_000  # 5 % × 200,000 €
    assert b.interest_max_cents == 425_000  # the remainder binds
    # with 50,000 € of eligible capital the R8 cap binds: 5 % × 50,000 = 2,500
    assert surplus.bounds(inputs(eligible_capital_cents=5_000_000)).interest_max_cents == 250_000


def test_other_figures_odd_cents_subsidies_and_a_full_legal_reserve() -> None:
    """Surplus 3,333.33 €: legal ⌈499.9995⌉ = 500.00; remainder 2,833.33; statutory
    ⌈1,416.665⌉ = 1,416.67; left 1,416.66, less 1,000 € of public operating subsidies =
    416.66; TMO 2019–2021 (0.42, 0.27, 0.13 %) average 0.2733 % + 2 = 2.2733 % × 10,000 €
    = 227.33: interest ≤ 227.33."""
    tmo = ((2019, Decimal("0.0042")), (2020, Decimal("0.0027")), (2021, Decimal("0.0013")))
    b = surplus.bounds(
        inputs(
            result_cents=333_333,
            eligible_capital_cents=1_000_000,
            public_subsidies_cents=100_000,
            tmo=tmo,
            decided_on=date(2022, 5, 1),
        )
    )
    assert (b.legal_reserve_min_cents, b.remainder_cents) == (50_000, 283_333)
    assert b.statutory_reserve_min_cents == 141_667
    assert (b.subsidies_deducted_cents, b.distributable_cents) == (100_000, 41_666)
    assert b.interest_cap_cents == 22_733
    assert b.interest_max_cents == 22_733
    # the legal reserve stops at the highest capital reached: 300 € of room left
    full = surplus.bounds(inputs(highest_capital_cents=1_000_000, legal_reserve_cents=970_000))
    assert full.legal_reserve_min_cents == 30_000
    assert full.statutory_reserve_min_cents == 485_000  # 50 % of 9,700
    # a loss has nothing to allocate
    assert surplus.bounds(inputs(result_cents=-5_000)).interest_max_cents == 0


def _coop(client: TestClient) -> tuple[str, str]:
    coop = create_coop(client, statutory_floor="1000.00")
    alice = admit(client, coop, "Alice", "salaries")
    commune = admit(client, coop, "Commune", "collectivites", kind="organisation")
    subscribe(client, coop, alice, 200, "10000.00", "2019-03-01")
    subscribe(client, coop, commune, 40, "2000.00", "2019-03-01")
    return coop, f"/v1/coops/{coop}"


def test_public_operating_subsidies_count_by_the_period_they_fund(client: TestClient) -> None:
    """R9: the Region funds 2019-07-01 to 2020-06-30 (366 days, 184 of them in 2019) with
    3,000 €, raised to 3,660 € on 2019-09-01. 2019 counts 3,000 × 184 / 366 = 1,508.19 €
    of the award and 660 × 184 / 366 = 331.80 € of the amendment: 1,839.99 € (cents
    rounded down), not the 3,660 € awarded in 2019. A foundation's grant is not public."""
    coop, c = _coop(client)
    region = post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "3000.00",
            "awarded_on": "2019-06-01",
            "period_start": "2019-07-01",
            "period_end": "2020-06-30",
        },
    )["id"]
    post(
        client,
        f"{c}/grants/{region}/amendments",
        {"amount": "3660.00", "reason": "avenant", "effective_date": "2019-09-01"},
    )
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Fondation du Coin", "type": "foundation"},
            "purpose": "operating",
            "amount": "800.00",
            "awarded_on": "2019-06-01",
        },
    )
    post(client, f"{c}/fiscal-years/2019/close", {"result": "10000.00", "own_revenue": "9000.00"})
    bounds = client.get(
        f"{c}/fiscal-years/2019/surplus-allocation", params={"decided_on": "2020-06-30"}
    ).json()
    # distributable: 4,250 less the 1,839.99 € of public operating subsidies 2019 counts
    assert (bounds["public_subsidies_deducted"], bounds["distributable"]) == (
        "1839.99",
        "2410.01",
    )


def test_ag_decision_over_http(client: TestClient) -> None:
    coop, c = _coop(client)
    post(
        client,
        f"{c}/grants",
        {
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": "3000.00",
            "awarded_on": "2019-06-01",
        },
    )
    problem(
        client,
        f"{c}/fiscal-years/2019/surplus-allocation",
        {"decided_on": "2020-06-30", "result": "1.00", "other_reserves": "1.00"},
        409,
        "fiscal-year-open",
    )
    post(client, f"{c}/fiscal-years/2019/close", {"result": "10000.00", "own_revenue": "9000.00"})
    bounds = client.get(
        f"{c}/fiscal-years/2019/surplus-allocation", params={"decided_on": "2020-06-30"}
    ).json()
    # TMO 2017–2019: 1.05, 1.005, 0.37 % → 0.808333 % + 2 = 2.808333 %; eligible: the
    # paid-up 12,000 (the Commune's shares are its own, not a subsidy) → cap 337.00;
    # distributable: 4,250 less 3,000 of the Region's operating grant = 1,250
    assert {
        k: bounds[k] for k in ("legal_reserve_min", "statutory_reserve_min", "reserves_min")
    } == {
        "legal_reserve_min": "1500.00",
        "statutory_reserve_min": "4250.00",
        "reserves_min": "5750.00",
    }
    assert bounds["interest_cap_rate"] == "0.028083"
    assert (bounds["eligible_capital"], bounds["interest_cap"]) == ("12000.00", "337.00")
    assert (bounds["public_subsidies_deducted"], bounds["distributable"]) == ("3000.00", "1250.00")
    assert bounds["interest_max"] == "337.00"
    path = f"{c}/fiscal-years/2019/surplus-allocation"
    base = {"decided_on": "2020-06-30", "legal_reserve": "1500.00", "statutory_reserve": "4250.00"}
    low = {**base, "legal_reserve": "1000.00", "other_reserves": "4750.00"}
    assert problem(client, path, low, 409, "legal-reserve-below-minimum")["rule"] == "R9"
    high = {**base, "interest": "337.01", "other_reserves": "3912.99"}
    assert problem(client, path, high, 409, "interest-above-cap")["rule"] == "R8"
    problem(client, path, {**base, "other_reserves": "1.00"}, 422, "allocation-does-not-add-up")
    problem(
        client,
        path,
        {**base, "decided_on": "2019-12-31", "other_reserves": "4250.00"},
        422,
        "decision-before-year-end",
    )
    decided = {
        **base,
        "interest": "337.00",
        "other_reserves": "3913.00",
        "interest_paid_on": "2020-07-15",
    }
    post(client, path, decided)
    problem(client, path, decided, 409, "already-allocated")
    entries = client.get(f"{c}/journal", params={"from": "2020-06-30", "to": "2020-07-15"}).json()
    ag = [
        (x["journal"], [(li["account"], li["debit"], li["credit"]) for li in x["lines"]])
        for x in entries["entries"]
    ]
    assert [(j, sorted(lines)) for j, lines in ag] == [
        (
            "OD",
            [
                ("1061", "0.00", "1500.00"),
                ("1063", "0.00", "4250.00"),
                ("1068", "0.00", "3913.00"),
                ("120", "10000.00", "0.00"),
                ("457", "0.00", "280.83"),
                ("457", "0.00", "56.17"),
            ],
        ),
        ("BQ", [("457", "280.83", "0.00"), ("457", "56.17", "0.00"), ("512", "0.00", "337.00")]),
    ]
    owed = {
        li["aux"]: li["credit"]
        for x in entries["entries"]
        for li in x["lines"]
        if li["account"] == "457" and x["journal"] == "OD"
    }
    members = {m["name"]: m["id"] for m in client.get(f"{c}/members").json()["members"]}
    assert owed == {members["Alice"]: "280.83", members["Commune"]: "56.17"}
    mix = client.get(f"{c}/funding-mix", params={"as_of": "2020-07-01"}).json()
    assert mix["reserves"] == "9663.00"
    assert mix["own_revenue"] == "9000.00"
    assert mix["ratios"]["subsidies_to_revenue"] == "0.2500"  # 3,000 / (3,000 + 9,000)
    before = client.get(f"{c}/funding-mix", params={"as_of": "2019-12-30"}).json()
    assert before["reserves"] is None and before["ratios"]["subsidies_to_revenue"] is None
    listed = client.get(f"{c}/fiscal-years").json()["fiscal_years"][0]
    assert listed["allocated"] is True


def test_a_loss_is_carried_forward_and_charged_on_reimbursements(client: TestClient) -> None:
    coop, c = _coop(client)
    post(client, f"{c}/fiscal-years/2019/close", {"result": "-2400.00"})
    path = f"{c}/fiscal-years/2019/surplus-allocation"
    problem(
        client,
        path,
        {"decided_on": "2020-05-01", "legal_reserve": "1.00"},
        422,
        "loss-not-distributable",
    )
    problem(
        client,
        path,
        {"decided_on": "2020-05-01", "charged_to_reserves": "100.00"},
        409,
        "reserves-insufficient",
    )
    created = post(client, path, {"decided_on": "2020-05-01"})
    events = client.get(f"{c}/events", params={"limit": 100}).json()["events"]
    recorded = [e for e in events if e["event_id"] in created["event_ids"]]
    assert [e["type"] for e in recorded] == ["SurplusAllocated", "LossesRecorded"]
    assert recorded[1]["data"] == {"amount_cents": 240_000, "fiscal_year": 2019}
    entries = client.get(f"{c}/journal", params={"from": "2020-05-01", "to": "2020-05-01"}).json()
    assert [
        (li["account"], li["debit"], li["credit"]) for li in entries["entries"][0]["lines"]
    ] == [
        ("119", "2400.00", "0.00"),
        ("129", "0.00", "2400.00"),
    ]


def test_admin_updates_the_tmo_and_the_cap_follows(client: TestClient, client_for: Any) -> None:
    coop, c = _coop(client)
    post(client, f"{c}/fiscal-years/2019/close", {"result": "10000.00"})
    body = {"year": 2019, "rate": "0.0100", "source": "Banque de France, TMO 2019 (test)"}
    assert client_for("manager", coop).post("/v1/rules/tmo", json=body).status_code == 403
    created = post(client, "/v1/rules/tmo", body)
    assert created["event_ids"]
    rates = {r["year"]: r for r in client.get("/v1/rules/tmo").json()["rates"]}
    assert rates[2019]["rate"] == "0.0100" and rates[2019]["source"].startswith("Banque")
    bounds = client.get(
        f"{c}/fiscal-years/2019/surplus-allocation", params={"decided_on": "2020-06-30"}
    ).json()
    assert bounds["tmo"] == {"2017": "0.0105", "2018": "0.01005", "2019": "0.0100"}
    assert bounds["interest_cap_rate"] == "0.030183"
    problem(
        client,
        f"{c}/fiscal-years/2019/surplus-allocation",
        {"decided_on": "2031-01-01", "other_reserves": "10000.00"},
        409,
        "tmo-unknown",
    )


def test_recorded_losses_call_for_a_cooperative_review() -> None:
    """R10 — three loss-making years since the last review (not necessarily in a row),
    or a loss of half the highest capital."""
    from scic.domain.reviews import Closing, Trigger, triggers

    results: dict[int, int | None] = {
        2019: -100,
        2020: -100,
        2021: -100,
        2022: -100,
        2023: 50,
        2024: -500_000,
        2025: None,
    }
    closings = [Closing(y, date(y, 12, 31), r, 1_000_000) for y, r in results.items()]
    since = "loss-making fiscal years since the incorporation"
    assert triggers(closings, None) == [
        Trigger(2021, date(2021, 12, 31), f"3 {since}", "loss-making-years", 3),
        Trigger(2022, date(2022, 12, 31), f"4 {since}", "loss-making-years", 4),
        Trigger(2024, date(2024, 12, 31), f"5 {since}", "loss-making-years", 5),
        Trigger(
            2024,
            date(2024, 12, 31),
            "the loss reaches half of the highest capital",
            "loss-half-capital",
            5,
        ),
    ]
    assert triggers(closings, date(2022, 6, 30)) == [
        Trigger(
            2024,
            date(2024, 12, 31),
            "the loss reaches half of the highest capital",
            "loss-half-capital",
            2,
        ),
    ]


def test_interest_is_split_pro_rata_and_adds_up() -> None:
    split = surplus.split_interest(10_000, {"a": 1, "b": 1, "c": 1, "d": 0})
    assert split == {"a": 3334, "b": 3333, "c": 3333}
    assert surplus.split_interest(27_000, {"m1": 1_000_000, "m2": 250_000}) == {
        "m1": 21_600,
        "m2": 5_400,
    }
    assert surplus.split_interest(0, {"a": 5}) == {}
