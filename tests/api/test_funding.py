"""Funding rules over HTTP (R11, R12, R14): refusals leave nothing written; figures."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import TIERS_LIEU, admit, create_coop, subscribe
from tests.api.test_refusals import refused

REGION = {"name": "Région Normandie", "type": "region"}


@pytest.fixture
def coop(client: TestClient) -> str:
    coop = create_coop(client)
    subscribe(client, coop, admit(client, coop, "Alice", "salaries"), 100, "5000.00")
    return coop


def grant(client: TestClient, coop: str, **body: Any) -> dict[str, Any]:
    payload = {
        "funder": REGION,
        "purpose": "operating",
        "amount": "20000.00",
        "awarded_on": "2024-02-01",
        **body,
    }
    response = client.post(f"/v1/coops/{coop}/grants", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


# -- grants (R14) ----------------------------------------------------------------------


def test_grant_lifecycle_figures(client, coop) -> None:
    g = grant(client, coop, justify_by="2025-06-30")
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    post(client, f"{base}/instalments", {"amount": "12000.00", "effective_date": "2024-03-01"})
    post(client, f"{base}/instalments", {"amount": "8000.00", "effective_date": "2024-09-01"})
    post(client, f"{base}/justifications", {"amount": "17500.00", "effective_date": "2025-05-01"})
    post(
        client,
        f"{base}/clawbacks",
        {"amount": "2500.00", "effective_date": "2025-07-01", "reason": "unspent"},
    )
    detail = client.get(base).json()
    assert (detail["awarded"], detail["received"], detail["justified"], detail["clawed_back"]) == (
        "20000.00",
        "20000.00",
        "17500.00",
        "2500.00",
    )
    assert [h["kind"] for h in detail["history"]] == [
        "awarded",
        "received",
        "received",
        "justified",
        "clawed_back",
    ]
    listed = client.get(f"/v1/coops/{coop}/grants", params={"funder": g["funder_id"]}).json()
    assert [x["id"] for x in listed["grants"]] == [g["id"]]


def test_same_funder_is_reused_by_name_and_type(client, coop) -> None:
    first, second = grant(client, coop), grant(client, coop, amount="1000.00")
    assert first["funder_id"] == second["funder_id"]
    other = grant(client, coop, funder={"name": "Région Normandie", "type": "department"})
    assert other["funder_id"] != first["funder_id"]


@pytest.mark.parametrize(
    ("path", "body", "slug"),
    [
        ("instalments", {"amount": "20000.01"}, "instalment-exceeds-award"),
        ("justifications", {"amount": "1.00"}, "justification-before-payment"),
        (
            "clawbacks",
            {"amount": "1.00", "reason": "nothing received"},
            "clawback-exceeds-received",
        ),
        ("amendments", {"amount": "0.50", "reason": "x" * 5}, None),
    ],
    ids=["instalment-beyond-award", "justify-unpaid", "clawback-unpaid", "amend-below-received"],
)
def test_grant_flows_beyond_what_the_rules_allow(client, service, coop, path, body, slug) -> None:
    g = grant(client, coop)
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    if slug is None:  # the award may not fall below what was received
        post(client, f"{base}/instalments", {"amount": "1.00", "effective_date": "2024-03-01"})
        slug = "award-below-received"
    refused(
        client,
        service,
        "POST",
        f"{base}/{path}",
        {**body, "effective_date": "2024-04-01"},
        409,
        slug,
        "R14",
    )


def test_clawback_beyond_received_after_partial_payment(client, service, coop) -> None:
    g = grant(client, coop)
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    post(client, f"{base}/instalments", {"amount": "5000.00", "effective_date": "2024-03-01"})
    post(
        client,
        f"{base}/clawbacks",
        {"amount": "3000.00", "reason": "partial", "effective_date": "2024-04-01"},
    )
    refused(
        client,
        service,
        "POST",
        f"{base}/clawbacks",
        {"amount": "2000.01", "reason": "too much", "effective_date": "2024-05-01"},
        409,
        "clawback-exceeds-received",
        "R14",
    )


def test_an_amendment_raises_the_award(client, coop) -> None:
    g = grant(
        client, coop, amount="15500.00", funder={"name": "Fondation Lumière", "type": "foundation"}
    )
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    post(
        client,
        f"{base}/amendments",
        {"amount": "26400.00", "reason": "avenant n°1", "effective_date": "2024-06-01"},
    )
    post(client, f"{base}/instalments", {"amount": "26400.00", "effective_date": "2024-07-01"})
    assert client.get(base).json()["received"] == "26400.00"


def test_r14_an_amendment_above_23k_needs_an_agreement(client, service, coop) -> None:
    g = grant(client, coop, amount="18000.00")  # public, under the threshold: no agreement
    path = f"/v1/coops/{coop}/grants/{g['id']}/amendments"
    body = {"amount": "27500.00", "reason": "avenant n°1", "effective_date": "2024-05-02"}
    problem = refused(client, service, "POST", path, body, 422, "agreement-required", "R14")
    assert "27500.00" in problem["detail"]
    post(client, path, {**body, "agreement_ref": "AV-2024-117"})
    # the avenant's agreement stands for a later raise
    post(client, path, {**body, "amount": "31250.00", "reason": "avenant n°2"})
    assert client.get(f"/v1/coops/{coop}/grants/{g['id']}").json()["awarded"] == "31250.00"


def test_closed_grant_takes_no_more_instalments(client, service, coop) -> None:
    g = grant(client, coop)
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    post(client, f"{base}/closure", {"effective_date": "2024-12-31"})
    refused(
        client,
        service,
        "POST",
        f"{base}/instalments",
        {"amount": "1.00"},
        409,
        "grant-closed",
        "R14",
    )


def test_public_grant_above_23k_needs_an_agreement(client, service, coop) -> None:
    body = {
        "funder": REGION,
        "purpose": "operating",
        "amount": "23000.01",
        "awarded_on": "2024-02-01",
    }
    refused(
        client, service, "POST", f"/v1/coops/{coop}/grants", body, 422, "agreement-required", "R14"
    )
    grant(client, coop, amount="23000.00")  # at the threshold: no agreement needed
    private = {**body, "funder": {"name": "Fondation de France", "type": "foundation"}}
    assert client.post(f"/v1/coops/{coop}/grants", json=private).status_code == 201


def test_de_minimis_ceiling_warning_and_override(client, service, coop) -> None:
    def dm(amount: str, on: str, **kw: Any) -> Any:
        return client.post(
            f"/v1/coops/{coop}/grants",
            json={
                "funder": {"name": "État", "type": "state"},
                "purpose": "operating",
                "amount": amount,
                "awarded_on": on,
                "de_minimis": True,
                "agreement_ref": "CONV-1",
                **kw,
            },
        )

    assert dm("150000.00", "2022-03-01").json()["warnings"] == []
    # 2023: the 200,000 € ceiling is in force; 150,000 + 50,000 = 200,000 → warning (100 %)
    assert dm("50000.00", "2023-03-01").json()["warnings"]
    # 2024: 300,000 € ceiling over 2021-02..2024-02: 200,000 + 100,001 > 300,000 → refused
    body = {
        "funder": {"name": "État", "type": "state"},
        "purpose": "operating",
        "amount": "100000.01",
        "awarded_on": "2024-02-01",
        "de_minimis": True,
        "agreement_ref": "CONV-1",
    }
    refused(
        client, service, "POST", f"/v1/coops/{coop}/grants", body, 409, "de-minimis-ceiling", "R14"
    )
    forced = dm("100000.01", "2024-02-01", de_minimis_override="AG decision, aid notified")
    assert forced.status_code == 201
    detail = client.get(f"/v1/coops/{coop}/grants/{forced.json()['id']}").json()
    assert detail["de_minimis_override"] == "AG decision, aid notified"
    # 2025-03-02: the 2022 grant left the 3-year window: 50,000 + 100,000.01 + 140,000 fits
    assert dm("140000.00", "2025-03-02").status_code == 201


def de_minimis(client: TestClient, coop: str, amount: str, on: str, **kw: Any) -> Any:
    return client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Département de la Manche", "type": "department"},
            "purpose": "investment",
            "amount": amount,
            "awarded_on": on,
            "de_minimis": True,
            "agreement_ref": "CD50-DM",
            **kw,
        },
    )


def test_r14_an_amendment_is_held_to_the_de_minimis_ceiling(client, service, coop) -> None:
    assert de_minimis(client, coop, "180000.00", "2024-03-01").status_code == 201
    second = de_minimis(client, coop, "95000.00", "2025-01-10")
    assert second.json()["warnings"]  # 275,000 ≥ 80 % of 300,000
    path = f"/v1/coops/{coop}/grants/{second.json()['id']}/amendments"
    body = {"amount": "130000.50", "reason": "avenant", "effective_date": "2025-06-01"}
    # 180,000 + 95,000 + 35,000.50 = 310,000.50 over 2022-06-02..2025-06-01
    problem = refused(client, service, "POST", path, body, 409, "de-minimis-ceiling", "R14")
    assert "310000.50" in problem["detail"] and "2023/2831" in problem["detail"]
    forced = post(client, path, {**body, "de_minimis_override": "aide notifiée, décision CP"})
    assert forced["warnings"]
    mix = client.get(f"/v1/coops/{coop}/grants/{second.json()['id']}").json()
    assert mix["awarded"] == "130000.50"


def test_r14_de_minimis_before_2024_counts_three_fiscal_years(client, service) -> None:
    """Reg. 1407/2013: the fiscal year of the grant and the two before (here July–June),
    200,000 €; reg. 2023/2831 from 2024: any three rolling years, 300,000 €."""
    coop = create_coop(client, fiscal_year_end="06-30")
    assert de_minimis(client, coop, "120000.00", "2020-05-15").status_code == 201  # FY 2020
    body = {
        "funder": {"name": "Département de la Manche", "type": "department"},
        "purpose": "investment",
        "amount": "90000.00",
        "awarded_on": "2021-09-01",  # FY 2022: FY 2020–2022 hold 120,000 + 90,000
        "de_minimis": True,
        "agreement_ref": "CD50-DM",
    }
    problem = refused(
        client, service, "POST", f"/v1/coops/{coop}/grants", body, 409, "de-minimis-ceiling", "R14"
    )
    assert "1407/2013" in problem["detail"] and "2019-07-01" in problem["detail"]
    # FY 2023 (2022-07..2023-06) with FY 2021 and 2022: the 2020 grant no longer counts,
    # although it is within three rolling years of 2023-03-10
    lawful = de_minimis(client, coop, "150000.00", "2023-03-10")
    assert lawful.status_code == 201, lawful.text
    assert lawful.json()["warnings"] == []  # 150,000 < 160,000
    # 2024: rolling three years (2021-02-21..2024-02-20) hold 150,000 of 300,000
    assert de_minimis(client, coop, "140000.00", "2024-02-20").json()["warnings"]
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/grants",
        {**body, "amount": "10000.01", "awarded_on": "2024-02-21"},
        409,
        "de-minimis-ceiling",
        "R14",
    )


def test_unknown_funder_type_and_negative_amounts_are_422(client, service, coop) -> None:
    path = f"/v1/coops/{coop}/grants"
    base = {"purpose": "operating", "awarded_on": "2024-02-01"}
    refused(
        client,
        service,
        "POST",
        path,
        {**base, "funder": {"name": "X", "type": "bank"}, "amount": "10.00"},
        422,
        "invalid-request",
    )
    refused(
        client,
        service,
        "POST",
        path,
        {**base, "funder": REGION, "amount": "-10.00"},
        422,
        "invalid-request",
    )
    refused(
        client,
        service,
        "POST",
        path,
        {**base, "funder": REGION, "amount": "0.00"},
        422,
        "invalid-request",
    )


def test_investment_grant_release_schedule(client, coop) -> None:
    g = grant(
        client,
        coop,
        purpose="investment",
        amount="12000.00",
        depreciation={"start": "2024-07-01", "years": 5},
    )
    schedule = client.get(f"/v1/coops/{coop}/grants/{g['id']}").json()["release_schedule"]
    # 12,000 over 60 months: 6 months of 2024 (777), then 12 a year (747 from 2025).
    assert [(r["fiscal_year_end"], r["amount"], r["account"]) for r in schedule] == [
        ("2024-12-31", "1200.00", "777"),
        ("2025-12-31", "2400.00", "747"),
        ("2026-12-31", "2400.00", "747"),
        ("2027-12-31", "2400.00", "747"),
        ("2028-12-31", "2400.00", "747"),
        ("2029-12-31", "1200.00", "747"),
    ]


@pytest.mark.parametrize("year_end", ["02-29", "02-30", "04-31", "12-1\u0665"])
def test_a_fiscal_year_end_not_in_every_year_is_422(client, service, year_end) -> None:
    """Accepted before, it made the release schedules of investment grants a 500
    (date(2023, 2, 29)); "12-1٥" passed the pattern with a non-ASCII digit."""
    refused(
        client,
        service,
        "POST",
        "/v1/coops",
        {**TIERS_LIEU, "fiscal_year_end": year_end},
        422,
        "invalid-request",
    )


def test_a_fiscal_year_ending_in_february_schedules_releases(client) -> None:
    coop = create_coop(client, fiscal_year_end="02-28")
    g = grant(
        client,
        coop,
        purpose="investment",
        amount="1200.00",
        depreciation={"start": "2024-03-01", "years": 1},
    )
    schedule = client.get(f"/v1/coops/{coop}/grants/{g['id']}").json()["release_schedule"]
    assert [(r["fiscal_year_end"], r["months"]) for r in schedule] == [("2025-02-28", 12)]


# -- titres participatifs (R11) --------------------------------------------------------


def titles(client: TestClient, coop: str, **body: Any) -> Any:
    return client.post(
        f"/v1/coops/{coop}/participative-titles",
        json={
            "holder": {"name": "France Active Normandie", "type": "private"},
            "count": 20,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2020-06-01",
            **body,
        },
    )


def test_titles_redemption_before_seven_years(client, service, coop) -> None:
    issue = titles(client, coop).json()["id"]
    path = f"/v1/coops/{coop}/participative-titles/{issue}/redemptions"
    refused(
        client,
        service,
        "POST",
        path,
        {"count": 5, "effective_date": "2027-05-31"},
        409,
        "redemption-before-seven-years",
        "R11",
    )
    post(client, path, {"count": 5, "effective_date": "2027-06-01"})
    post(client, path, {"count": 1, "effective_date": "2021-01-01", "at_liquidation": True})
    refused(
        client,
        service,
        "POST",
        path,
        {"count": 15, "effective_date": "2028-01-01"},
        409,
        "redemption-exceeds-outstanding",
        "R11",
    )
    listed = client.get(f"/v1/coops/{coop}/participative-titles").json()["issues"]
    assert listed[0]["outstanding"] == 14 and listed[0]["outstanding_amount"] == "14000.00"


def test_titles_variable_base_cap_and_legal_form(client, service, coop) -> None:
    body = {
        "holder": {"name": "FA", "type": "private"},
        "count": 1,
        "nominal": "100.00",
        "fixed_rate": "0.02",
        "variable_rate": "0.01",
        "variable_base": "0.41",
        "issued_on": "2020-01-01",
    }
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/participative-titles",
        body,
        422,
        "variable-base-above-cap",
        "R11",
    )


def test_r11_sa_and_sarl_issue_titles_an_sas_issue_is_a_finding(client, coop) -> None:
    for form, floor in (("SA", "18500.00"), ("SARL", "2000.00")):
        other = create_coop(client, legal_form=form, statutory_floor=floor)
        issued = titles(client, other, count=7, nominal="1500.00")
        assert issued.status_code == 201, issued.text
        assert issued.json()["warnings"] == []
        report = client.get(f"/v1/coops/{other}/compliance", params={"as_of": "2021-01-01"})
        assert "titles-form-not-named" not in {f["code"] for f in report.json()["findings"]}
    sas = titles(client, coop, count=7, nominal="1500.00", issued_on="2020-09-15")  # SAS
    assert sas.status_code == 201, sas.text
    (warning,) = sas.json()["warnings"]
    assert "SAS" in warning and "L228-36" in warning
    before = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2020-09-14"}).json()
    assert "titles-form-not-named" not in {f["code"] for f in before["findings"]}
    report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2021-03-01"}).json()
    (found,) = [f for f in report["findings"] if f["code"] == "titles-form-not-named"]
    assert (found["rule"], found["severity"]) == ("R11", "warning")
    assert found["figures"]["from"] == "2020-09-15"
    assert found["figures"]["outstanding"] == "10500.00"


def test_titles_remuneration(client, coop) -> None:
    issue = titles(client, coop, reference_figure="100000.00").json()["id"]
    result = post(
        client,
        f"/v1/coops/{coop}/participative-titles/{issue}/remunerations",
        {"fiscal_year": 2021, "figure": "120000.00", "effective_date": "2022-06-30"},
    )
    # fixed 20,000 × 2 % = 400; variable 20,000 × 0.40 × 5 % × 120,000/100,000 = 480
    assert (result["fixed"], result["variable"]) == ("400.00", "480.00")


def test_titles_amounts_beyond_the_largest_amount_are_422(client, service, coop) -> None:
    """count × nominal, and a remuneration indexed on a tiny reference figure, overflowed
    the BIGINT amount column (500) or Decimal rounding (500): now 422."""
    path = f"/v1/coops/{coop}/participative-titles"
    body = {
        "holder": {"name": "FA", "type": "private"},
        "count": 10_000_000,
        "nominal": "9999999999999.99",
        "fixed_rate": "0.02",
        "variable_rate": "0.05",
        "issued_on": "2020-06-01",
    }
    refused(client, service, "POST", path, body, 422, "amount-too-large")
    issue = titles(
        client,
        coop,
        count=1000,
        nominal="9999999999.99",
        fixed_rate="0.99",
        variable_rate="0.99",
        reference_figure="0.01",
    ).json()["id"]
    refused(
        client,
        service,
        "POST",
        f"{path}/{issue}/remunerations",
        {"fiscal_year": 2021, "figure": "9999999999999.99", "effective_date": "2022-06-30"},
        422,
        "amount-too-large",
    )


# -- ESUS (R12) ------------------------------------------------------------------------


def test_esus_approval_length(client, service) -> None:
    coop = create_coop(client, incorporated_on="2022-01-01")
    path = f"/v1/coops/{coop}/esus-approvals"
    young = {
        "granted_on": "2023-01-01",
        "expires_on": "2025-01-02",
        "authority": "Préfecture",
        "reference": "E-1",
    }
    refused(client, service, "POST", path, young, 422, "esus-approval-too-long", "R12")
    post(client, path, {**young, "expires_on": "2025-01-01"})
    older = {**young, "granted_on": "2025-01-01", "expires_on": "2030-01-02"}
    refused(client, service, "POST", path, older, 422, "esus-approval-too-long", "R12")
    post(client, path, {**older, "expires_on": "2030-01-01"})


def test_r12_an_investment_without_approval_is_recorded_not_solidarity(client, coop) -> None:
    body = {
        "investor": {"name": "Fonds solidaire", "type": "private"},
        "instrument": "loan",
        "amount": "12750.00",
        "effective_date": "2023-02-01",
        "loan": {"rate": "0.02", "term_months": 60},
    }
    outside = post(client, f"/v1/coops/{coop}/esus-investments", body)
    assert "solidarity" in outside["warnings"][0]
    post(
        client,
        f"/v1/coops/{coop}/esus-approvals",
        {
            "granted_on": "2023-06-01",
            "expires_on": "2028-06-01",
            "authority": "Préfecture",
            "reference": "E-2",
        },
    )
    inside = post(
        client,
        f"/v1/coops/{coop}/esus-investments",
        {**body, "amount": "8300.00", "effective_date": "2024-01-01"},
    )
    assert inside["warnings"] == []
    mix = client.get(f"/v1/coops/{coop}/funding-mix", params={"as_of": "2028-01-01"}).json()
    assert mix["esus"]["by_instrument"]["loan"] == "21050.00"
    assert (mix["esus"]["solidarity"], mix["esus"]["not_solidarity"]) == ("8300.00", "12750.00")
    assert mix["esus"]["approval"]["expires_soon"] is True  # within 6 months of 2028-06-01
    fund = client.get(f"/v1/coops/{coop}/funders/{outside['investor_id']}").json()
    assert sorted((i["amount"], i["solidarity"]) for i in fund["esus_investments"]) == [
        ("12750.00", False),
        ("8300.00", True),
    ]
    report = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2024-06-01"}).json()
    (found,) = [f for f in report["findings"] if f["code"] == "investment-outside-approval"]
    assert (found["rule"], found["figures"]["from"]) == ("R12", "2023-02-01")
    assert found["figures"]["amount"] == "12750.00"
    early = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": "2023-01-31"}).json()
    assert "investment-outside-approval" not in {f["code"] for f in early["findings"]}


def test_correcting_an_instalment(client, service, coop, clock) -> None:
    g = grant(client, coop)
    ins = post(
        client,
        f"/v1/coops/{coop}/grants/{g['id']}/instalments",
        {"amount": "5000.00", "effective_date": "2024-03-01"},
    )
    before = clock.now.isoformat()
    clock.advance(days=1)
    post(
        client,
        f"/v1/coops/{coop}/corrections",
        {"reverses": ins["event_ids"][0], "reason": "bank error"},
    )
    now = client.get(f"/v1/coops/{coop}/funding-mix", params={"as_of": "2024-12-31"}).json()
    then = client.get(
        f"/v1/coops/{coop}/funding-mix", params={"as_of": "2024-12-31", "known_at": before}
    ).json()
    assert now["grants"]["by_funder_type"][0]["received"] == "0.00"
    assert then["grants"]["by_funder_type"][0]["received"] == "5000.00"


def test_a_window_sums_its_flows_and_takes_balances_at_its_end(client, coop) -> None:
    g = grant(
        client,
        coop,
        period_start="2024-01-01",
        period_end="2025-09-30",
        agreement_ref="CR-1",
        amount="30000.00",
    )
    base = f"/v1/coops/{coop}/grants/{g['id']}"
    post(client, f"{base}/instalments", {"amount": "30000.00", "effective_date": "2024-03-01"})
    post(
        client,
        f"{base}/clawbacks",
        {"amount": "5000.00", "reason": "unspent", "effective_date": "2025-02-01"},
    )
    subscribe(
        client,
        coop,
        admit(client, coop, "Late", "usagers", on="2025-01-01"),
        10,
        "500.00",
        on="2025-01-10",
    )
    mix = client.get(
        f"/v1/coops/{coop}/funding-mix",
        params={"from": "2025-01-01", "to": "2025-06-30", "as_of": "2025-12-31"},
    ).json()
    assert mix["grants"]["by_funder_type"] == [
        {
            "type": "region",
            "awarded": "0.00",
            "received": "0.00",
            "justified": "0.00",
            "clawed_back": "5000.00",
        }
    ]
    assert mix["capital"]["subscribed"] == "5500.00"  # at 2025-06-30: 5,000 + 500
    # the cliff is a balance: 30,000 − 5,000 still funded, ending 2025-09
    assert mix["funding_cliff"] == [{"month": "2025-09", "amount": "25000.00"}]
    early = client.get(
        f"/v1/coops/{coop}/funders/{g['funder_id']}", params={"as_of": "2023-12-31"}
    ).json()
    assert early["grants"] == [] and early["funding"] == "0.00"
