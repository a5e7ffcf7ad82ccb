"""R12 and R13 over HTTP: an ESUS approval recorded later but dated before an investment
makes it a solidarity investment (judged on the timeline); the IR-PME holding runs to 31
December of the fifth year after the subscription."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post

FUND = {"name": "Fonds Solidaire Normand", "type": "private"}


def test_a_back_dated_approval_re_flags_the_investments_it_covers(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2019-03-01")
    c = f"/v1/coops/{coop}"
    loan = {
        "investor": FUND,
        "instrument": "loan",
        "amount": "15000.00",
        "effective_date": "2022-06-01",
        "loan": {"rate": "0.015", "term_months": 60},
    }
    invested = post(client, f"{c}/esus-investments", loan)
    assert invested["warnings"]  # no approval in force on 2022-06-01
    after = {"investor": FUND, "instrument": "loan", "amount": "5000.00"}
    outside = post(
        client,
        f"{c}/esus-investments",
        {**after, "effective_date": "2027-06-01", "loan": {"rate": "0.01", "term_months": 12}},
        201,
    )
    assert outside["warnings"]
    mix = client.get(f"{c}/funding-mix", params={"as_of": "2027-12-31"}).json()["esus"]
    assert (mix["solidarity"], mix["not_solidarity"]) == ("0.00", "20000.00")
    assert "investment-outside-approval" in {
        f["code"]
        for f in client.get(f"{c}/compliance", params={"as_of": "2022-09-01"}).json()["findings"]
    }
    post(
        client,
        f"{c}/esus-approvals",
        {
            "granted_on": "2022-03-01",
            "expires_on": "2027-02-28",
            "authority": "Préfecture du Calvados",
            "reference": "ESUS-14-2022-007",
        },
    )
    mix = client.get(f"{c}/funding-mix", params={"as_of": "2027-12-31"}).json()["esus"]
    # the 2022 loan falls within the approval; the 2027 one is after it expired
    assert (mix["solidarity"], mix["not_solidarity"]) == ("15000.00", "5000.00")
    findings = client.get(f"{c}/compliance", params={"as_of": "2027-12-31"}).json()["findings"]
    flagged = [
        f["figures"]["investment_id"]
        for f in findings
        if f["code"] == "investment-outside-approval"
    ]
    assert flagged == [outside["id"]]


def test_ir_pme_holding_runs_to_the_31_december_of_the_fifth_year(client: TestClient) -> None:
    """Subscribed 2019-05-15: held until 2024-12-31. Leaving on 2024-12-30 takes the
    reduction back; leaving on 2025-01-02 does not (five years and a half later)."""
    coop = create_coop(client, statutory_floor="100.00")
    fonds = admit(client, coop, "Fonds", "soutiens", kind="organisation")
    ana = admit(client, coop, "Ana", "salaries")
    ben = admit(client, coop, "Ben", "usagers")
    subscribe(client, coop, fonds, 200, "10000.00")
    subscribe(client, coop, ana, 10, "500.00", on="2019-05-15")
    subscribe(client, coop, ben, 10, "500.00", on="2019-05-15")
    post(client, f"{c(coop)}/withdrawals", {"member_id": ana, "effective_date": "2024-12-30"})
    post(client, f"{c(coop)}/withdrawals", {"member_id": ben, "effective_date": "2025-01-02"})
    rows = {
        r["name"]: (r["holding_broken"], r["broken_on"])
        for year in (2024, 2025)
        for r in client.get(f"{c(coop)}/reports/tax-certificates", params={"year": year}).json()[
            "tables"
        ][0]["rows"]
        if r["holding_broken"]
    }
    assert rows == {"Ana": (True, "2024-12-30")}


def c(coop: str) -> str:
    return f"/v1/coops/{coop}"
