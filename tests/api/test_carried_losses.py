"""R6, R8, R9 over HTTP: the dated interest cap and its base, carried-forward losses
cleared first by a later result or charged to reserves, and the loss share of a departing
member on what the reserves do not absorb."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post, problem


def _lines(client: TestClient, c: str, on: str) -> list[tuple[str, str, str]]:
    entries = client.get(f"{c}/journal", params={"from": on, "to": on}).json()["entries"]
    return sorted(
        (li["account"], li["debit"], li["credit"])
        for x in entries
        if x["journal"] == "OD"
        for li in x["lines"]
    )


def _bounds(client: TestClient, c: str, year: int, decided_on: str) -> dict[str, Any]:
    response = client.get(
        f"{c}/fiscal-years/{year}/surplus-allocation", params={"decided_on": decided_on}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_r8_two_points_only_from_sapin_2_and_subsidy_financed_shares_earn_nothing(
    client: TestClient,
) -> None:
    """TMO 2013–2015 = 2.46, 1.89, 1.075 % (means of the published semesters): 1.808333 %.
    An AG on 2016-12-10 caps interest at that; from 2016-12-11, + 2 points. The base is
    the paid-up 6,400 € less the 1,600 € of shares a subsidy paid for: 4,800 €."""
    coop = create_coop(client, incorporated_on="2015-01-05", statutory_floor="100.00")
    c = f"/v1/coops/{coop}"
    ines = admit(client, coop, "Inès", "salaries", on="2015-01-05")
    mairie = admit(client, coop, "Mairie", "collectivites", on="2015-01-05", kind="organisation")
    subscribe(client, coop, ines, 96, "4800.00", "2015-01-05")
    post(
        client,
        f"{c}/subscriptions",
        {
            "member_id": mairie,
            "shares": 32,
            "paid": "1600.00",
            "effective_date": "2015-01-05",
            "subsidy_financed": True,
        },
    )
    post(client, f"{c}/fiscal-years/2015/close", {"result": "3000.00"})
    before = _bounds(client, c, 2015, "2016-12-10")
    after = _bounds(client, c, 2015, "2016-12-11")
    assert before["tmo"] == {"2013": "0.0246", "2014": "0.0189", "2015": "0.01075"}
    assert before["interest_cap_rate"] == "0.018083"
    assert after["interest_cap_rate"] == "0.038083"
    assert before["eligible_capital"] == "4800.00"
    assert (before["interest_cap"], after["interest_cap"]) == ("86.80", "182.80")
    response = client.post(
        f"{c}/fiscal-years/2015/surplus-allocation",
        json={
            "decided_on": "2016-12-10",
            "legal_reserve": "450.00",
            "statutory_reserve": "1275.00",
            "interest": "86.81",
            "other_reserves": "1188.19",
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["type"] == "/errors/interest-above-cap"
    assert "86.80" in response.json()["detail"]
    post(
        client,
        f"{c}/fiscal-years/2015/surplus-allocation",
        {
            "decided_on": "2016-12-11",
            "legal_reserve": "450.00",
            "statutory_reserve": "1275.00",
            "interest": "182.80",
            "other_reserves": "1092.20",
            "interest_paid_on": "2016-12-20",
        },
    )
    owed = [li for li in _lines(client, c, "2016-12-11") if li[0] == "457"]
    assert owed == [("457", "0.00", "182.80")]  # Inès alone: the Mairie's shares are subsidised


def test_r8_the_shipped_tmo_table_is_the_mean_of_the_published_semesters(
    client: TestClient,
) -> None:
    """DOMAIN.md's table (avis au JO, S1 and S2): each year is the mean of its two
    semesters, with the semesters named in its source; no year from 2024 is shipped."""
    semesters = {
        2012: ("3.15", "2.41", "0.0278"),
        2013: ("2.30", "2.62", "0.0246"),
        2014: ("2.28", "1.50", "0.0189"),
        2015: ("0.96", "1.19", "0.01075"),
        2016: ("0.80", "0.63", "0.00715"),
        2017: ("1.15", "0.95", "0.0105"),
        2018: ("1.04", "0.97", "0.01005"),
        2019: ("0.62", "0.12", "0.0037"),
        2020: ("0.20", "-0.02", "0.0009"),
        2021: ("0.20", "0.27", "0.00235"),
        2022: ("1.325", "2.51", "0.019175"),
        2023: ("3.14", "3.37", "0.03255"),
    }
    rates = {r["year"]: r for r in client.get("/v1/rules/tmo").json()["rates"]}
    assert sorted(rates) == sorted(semesters)
    for year, (s1, s2, mean) in semesters.items():
        assert rates[year]["rate"] == mean, year
        assert f"S1 {s1} % and S2 {s2} %" in rates[year]["source"], year
        assert "Journal officiel" in rates[year]["source"]


def test_r8_a_missing_tmo_year_is_named(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2023-01-02", statutory_floor="100.00")
    c = f"/v1/coops/{coop}"
    ines = admit(client, coop, "Inès", "salaries", on="2023-01-02")
    subscribe(client, coop, ines, 10, "500.00", "2023-01-02")
    post(client, f"{c}/fiscal-years/2024/close", {"result": "1000.00"}, 409)
    post(client, f"{c}/fiscal-years/2023/close", {"result": "1000.00"})
    body = {"decided_on": "2025-06-30", "legal_reserve": "150.00", "statutory_reserve": "850.00"}
    refused = problem(client, f"{c}/fiscal-years/2023/surplus-allocation", body, 409, "tmo-unknown")
    assert "the TMO of 2024 is not in the table" in refused["detail"]
    assert refused["rule"] == "R8"
    assert client.get(f"{c}/fiscal-years/2023/surplus-allocation").status_code == 409
    post(client, "/v1/rules/tmo", {"year": 2024, "rate": "0.0330", "source": "avis JO (test)"})
    # 2022–2024: 1.9175, 3.255, 3.30 % → 2.824167 % + 2 points
    assert _bounds(client, c, 2023, "2025-06-30")["interest_cap_rate"] == "0.048242"


def _loss_story(client: TestClient) -> tuple[str, str]:
    """Shares of 30 €: Ana 74, Ben 6, all paid (2,400 €). 2019: +500 € all to reserves;
    2020: −1,700 € carried forward."""
    coop = create_coop(
        client, incorporated_on="2019-01-02", share_nominal="30.00", statutory_floor="100.00"
    )
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2019-01-02")
    ben = admit(client, coop, "Ben", "usagers", on="2019-01-02")
    subscribe(client, coop, ana, 74, "2220.00", "2019-01-02")
    subscribe(client, coop, ben, 6, "180.00", "2019-01-02")
    post(client, f"{c}/fiscal-years/2019/close", {"result": "500.00"})
    post(
        client,
        f"{c}/fiscal-years/2019/surplus-allocation",
        {
            "decided_on": "2020-05-01",
            "legal_reserve": "75.00",
            "statutory_reserve": "212.50",
            "other_reserves": "212.50",
        },
    )
    post(client, f"{c}/fiscal-years/2020/close", {"result": "-1700.00"})
    post(client, f"{c}/fiscal-years/2020/surplus-allocation", {"decided_on": "2021-05-01"})
    return c, ben


def test_r6_a_departing_member_bears_only_what_the_reserves_do_not_absorb(
    client: TestClient,
) -> None:
    """Reserves 500 €, carried loss 1,700 €: 1,200 € over 80 shares = 15 €/share; Ben's 6
    shares of 30 € give 180 − 90 = 90.00 €."""
    c, ben = _loss_story(client)
    left = post(client, f"{c}/withdrawals", {"member_id": ben, "effective_date": "2021-06-01"})
    assert left["status"] == "reimbursed"
    withdrawal = client.get(f"{c}/members/{ben}").json()["withdrawals"][0]
    assert (withdrawal["amount"], withdrawal["loss_share"]) == ("90.00", "90.00")


def test_r6_reserves_above_the_carried_loss_absorb_it_all(client: TestClient) -> None:
    """Charging 1,200 € of the loss… is more than the reserves hold; the AG charges the
    212.50 € of other reserves, then a 2021 surplus of 2,000 € clears what is left
    (1,487.50 €) before any reserve or interest: Ben then leaves with his 180 € whole,
    since the loss is gone."""
    c, ben = _loss_story(client)
    charges = f"{c}/carried-loss-charges"
    over = {"amount": "1700.01", "reserve": "other", "decided_on": "2021-06-01"}
    refused = problem(client, charges, over, 409, "charge-above-carried-loss")
    assert "1700.00" in refused["detail"]
    too_much = {"amount": "212.51", "reserve": "other", "decided_on": "2021-06-01"}
    refused = problem(client, charges, too_much, 409, "reserves-insufficient")
    assert "212.50" in refused["detail"] and "1700.00" in refused["detail"]
    post(client, charges, {"amount": "212.50", "reserve": "other", "decided_on": "2021-06-01"})
    # the reserves as at each date: 500 € allocated in 2020, less the 212.50 € charged
    for on, reserves in (("2021-05-31", "500.00"), ("2021-06-01", "287.50")):
        mix = client.get(f"{c}/funding-mix", params={"as_of": on}).json()
        assert mix["reserves"] == reserves, on
    assert _lines(client, c, "2021-06-01") == [
        ("1068", "212.50", "0.00"),
        ("119", "0.00", "212.50"),
    ]
    post(client, f"{c}/fiscal-years/2021/close", {"result": "2000.00"})
    b = _bounds(client, c, 2021, "2022-05-02")
    # carried 1,487.50 → base 512.50; legal ⌈76.875⌉ = 76.88; remainder 435.62;
    # statutory ⌈217.81⌉ = 217.81
    assert (b["carried_loss"], b["carried_loss_cleared"], b["base"]) == (
        "1487.50",
        "1487.50",
        "512.50",
    )
    assert (b["legal_reserve_min"], b["statutory_reserve_min"]) == ("76.88", "217.81")
    post(
        client,
        f"{c}/fiscal-years/2021/surplus-allocation",
        {
            "decided_on": "2022-05-02",
            "legal_reserve": "76.88",
            "statutory_reserve": "217.81",
            "other_reserves": "217.81",
        },
    )
    assert ("119", "0.00", "1487.50") in _lines(client, c, "2022-05-02")
    post(client, f"{c}/withdrawals", {"member_id": ben, "effective_date": "2022-06-01"})
    withdrawal = client.get(f"{c}/members/{ben}").json()["withdrawals"][0]
    assert (withdrawal["amount"], withdrawal["loss_share"]) == ("180.00", "0.00")


def test_r9_the_carried_loss_comes_first_and_blocks_interest(client: TestClient) -> None:
    """DOMAIN.md's example: result 8,000 €, carried loss 3,000 € → base 5,000; legal ≥
    750; remainder 4,250; statutory ≥ 2,125. And a result that does not clear the loss
    leaves nothing for interest."""
    coop = create_coop(client, incorporated_on="2019-01-02", statutory_floor="100.00")
    c = f"/v1/coops/{coop}"
    ana = admit(client, coop, "Ana", "salaries", on="2019-01-02")
    subscribe(client, coop, ana, 240, "12000.00", "2019-01-02")
    post(client, f"{c}/fiscal-years/2019/close", {"result": "-3000.00"})
    post(client, f"{c}/fiscal-years/2019/surplus-allocation", {"decided_on": "2020-04-01"})
    post(client, f"{c}/fiscal-years/2020/close", {"result": "1000.00"})
    path = f"{c}/fiscal-years/2020/surplus-allocation"
    b = _bounds(client, c, 2020, "2021-04-01")
    assert (b["carried_loss"], b["base"], b["carried_loss_left"]) == ("3000.00", "0.00", "2000.00")
    assert b["interest_max"] == "0.00"
    refused = problem(
        client,
        path,
        {"decided_on": "2021-04-01", "interest": "10.00", "other_reserves": "990.00"},
        409,
        "interest-while-loss-carried",
    )
    assert "loss carried forward 3000.00" in refused["detail"]
    gross = {"decided_on": "2021-04-01", "legal_reserve": "150.00", "other_reserves": "850.00"}
    refused = problem(client, path, gross, 422, "allocation-does-not-add-up")
    assert "not the 0.00 to allocate" in refused["detail"] and "3000.00" in refused["detail"]
    post(client, path, {"decided_on": "2021-04-01"})
    assert _lines(client, c, "2021-04-01") == [
        ("119", "0.00", "1000.00"),
        ("120", "1000.00", "0.00"),
    ]
    post(client, f"{c}/fiscal-years/2021/close", {"result": "7000.00"})
    b = _bounds(client, c, 2021, "2022-04-01")
    assert (b["carried_loss"], b["carried_loss_cleared"], b["base"]) == (
        "2000.00",
        "2000.00",
        "5000.00",
    )
    assert (b["legal_reserve_min"], b["remainder"], b["statutory_reserve_min"]) == (
        "750.00",
        "4250.00",
        "2125.00",
    )
    low = {
        "decided_on": "2022-04-01",
        "legal_reserve": "700.00",
        "statutory_reserve": "2125.00",
        "other_reserves": "2175.00",
    }
    refused = problem(
        client, f"{c}/fiscal-years/2021/surplus-allocation", low, 409, "legal-reserve-below-minimum"
    )
    assert "750.00" in refused["detail"] and "loss carried forward 2000.00" in refused["detail"]
    # TMO 2019–2021: 0.37, 0.09, 0.235 % → 0.231667 % + 2 = 2.231667 % × 12,000 = 267.80
    assert b["interest_max"] == "267.80"
