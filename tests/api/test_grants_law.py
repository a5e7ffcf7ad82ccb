"""R14 over HTTP: the written-agreement threshold per granting authority and per year
(a grant's annual amount), the SIEG de minimis regime, amendments checked the same way,
and what is left to justify net of clawbacks."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import create_coop
from tests.api.test_accounting import post, problem

CALVADOS = {"name": "Département du Calvados", "type": "department"}


def _grant(**fields: Any) -> dict[str, Any]:
    return {"funder": CALVADOS, "purpose": "operating", **fields}


def test_the_threshold_is_an_annual_amount_per_granting_authority(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2023-01-02")
    c = f"/v1/coops/{coop}"
    # 60,000 € over four years: 15,000 € a year, no agreement needed
    multi = post(
        client,
        f"{c}/grants",
        _grant(
            amount="60000.00",
            awarded_on="2024-01-15",
            period_start="2024-01-01",
            period_end="2027-12-31",
        ),
    )
    # a one-off 8,000 € in 2025 from the same department: 23,000 € that year, not above
    post(client, f"{c}/grants", _grant(amount="8000.00", awarded_on="2025-02-01"))
    # 0.01 € more in 2025 passes the threshold: this grant needs the agreement
    refused = problem(
        client,
        f"{c}/grants",
        _grant(amount="0.01", awarded_on="2025-03-01"),
        422,
        "agreement-required",
    )
    assert "in 2025" in refused["detail"] and "23000.01" in refused["detail"]
    assert refused["rule"] == "R14"
    post(
        client, f"{c}/grants", _grant(amount="0.01", awarded_on="2025-03-01", agreement_ref="CV-25")
    )
    # another authority's grants do not add up with the department's
    other = {"name": "Région Normandie", "type": "region"}
    post(
        client,
        f"{c}/grants",
        {**_grant(amount="20000.00", awarded_on="2025-03-02"), "funder": other},
    )
    # an amendment to 100,000 €: 25,000 € a year, above 23,000 € alone
    amend = f"{c}/grants/{multi['id']}/amendments"
    body = {"amount": "100000.00", "reason": "avenant n°1", "effective_date": "2026-01-10"}
    refused = problem(client, amend, body, 422, "agreement-required")
    assert "25000.00" in refused["detail"]
    post(client, amend, {**body, "agreement_ref": "CV-AV1"})


def test_two_grants_of_one_authority_in_a_year_back_dated_or_not(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2023-01-02")
    c = f"/v1/coops/{coop}"
    post(client, f"{c}/grants", _grant(amount="12000.00", awarded_on="2024-06-01"))
    refused = problem(
        client,
        f"{c}/grants",
        _grant(amount="12000.00", awarded_on="2024-09-01"),
        422,
        "agreement-required",
    )
    assert "24000.00" in refused["detail"]
    # back-dated before the first: lawful on its own date, but the June grant then takes
    # the department's 2024 total to 24,000 € without an agreement — refused the same way
    refused = problem(
        client,
        f"{c}/grants",
        _grant(amount="12000.00", awarded_on="2024-03-01"),
        409,
        "agreement-required",
    )
    assert "2024-06-01" in refused["detail"]
    listed = client.get(f"{c}/grants").json()["grants"]
    assert [g["awarded"] for g in listed] == ["12000.00"]


def test_sieg_de_minimis_has_its_own_ceiling_and_cumulates(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2023-01-02")
    c = f"/v1/coops/{coop}"
    agglo = {"name": "Caen la Mer", "type": "intercommunality"}

    def award(amount: str, on: str, **more: Any) -> Any:
        return client.post(
            f"{c}/grants",
            json={
                "funder": agglo,
                "purpose": "operating",
                "amount": amount,
                "awarded_on": on,
                "agreement_ref": f"CV-{on}",
                "de_minimis": True,
                **more,
            },
        )

    sieg = award("700000.00", "2024-02-01", de_minimis_regime="sieg")
    assert sieg.status_code == 201, sieg.text
    assert sieg.json()["warnings"]  # 700,000 of 750,000: above 80 %
    grant = client.get(f"{c}/grants/{sieg.json()['id']}").json()
    assert grant["de_minimis_regime"] == "sieg"
    # general de minimis aid cumulates with SIEG aid up to its own 300,000 €
    general = award("1000.00", "2024-03-01")
    assert general.status_code == 409 and general.json()["type"] == "/errors/de-minimis-ceiling"
    assert "300000.00" in general.json()["detail"]
    over = award("50000.01", "2024-03-01", de_minimis_regime="sieg")
    assert over.status_code == 409 and "750000.00" in over.json()["detail"]
    assert award("50000.00", "2024-03-01", de_minimis_regime="sieg").status_code == 201
    bad = award("10.00", "2024-03-01", de_minimis_regime="other")
    assert bad.status_code == 422, bad.text
    not_de_minimis = award("10.00", "2024-03-01", de_minimis_regime="sieg", de_minimis=False)
    assert not_de_minimis.status_code == 422, not_de_minimis.text


def test_left_to_justify_is_net_of_clawbacks(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2023-01-02")
    c = f"/v1/coops/{coop}"
    grant = post(client, f"{c}/grants", _grant(amount="10000.00", awarded_on="2024-01-10"))
    g = f"{c}/grants/{grant['id']}"
    post(client, f"{g}/instalments", {"amount": "8000.00", "effective_date": "2024-02-01"})
    post(client, f"{g}/justifications", {"amount": "4000.00", "effective_date": "2024-12-01"})
    post(
        client,
        f"{g}/clawbacks",
        {"amount": "1500.00", "reason": "dépenses non réalisées", "effective_date": "2025-01-15"},
    )
    shown = client.get(g).json()
    assert (shown["received"], shown["clawed_back"], shown["justified"], shown["to_justify"]) == (
        "8000.00",
        "1500.00",
        "4000.00",
        "2500.00",
    )
    too_much = {"amount": "2500.01", "effective_date": "2025-02-01"}
    refused = problem(
        client, f"{g}/justifications", too_much, 409, "justification-exceeds-received"
    )
    assert "2500.00" in refused["detail"]
    post(client, f"{g}/justifications", {"amount": "2500.00", "effective_date": "2025-02-01"})
    assert client.get(g).json()["to_justify"] == "0.00"
