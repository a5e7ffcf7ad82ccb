"""The funding issue's "Done when" scenario, over HTTP only (R11, R12, R14, R15).

A tiers-lieu SCIC, La Fabrique du Coin (SAS, 50 € shares), is funded from five sources.
Every figure asserted below is computed by hand from this ledger; the arithmetic is in
the comments next to the literals.

Capital (R15: member capital, public share vs the 50 % cap)

    date        member                  category        shares  subscribed      paid
    2019-03-01  Alice Martin            salaries            40    2 000.00  2 000.00
    2019-03-01  Bob Leroy               usagers             20    1 000.00    250.00
    2019-03-01  Commune de Saint-Lô     collectivites*      40    2 000.00  2 000.00
    2024-01-15  Camille Petit           soutiens            30    1 500.00  1 500.00
    2025-04-01  Commune de Saint-Lô     collectivites*      20    1 000.00  1 000.00
    (* public body)

Funding events (effective date; all recorded at 2026-11-23 10:00 UTC, except the
correction, recorded a day later)

    date        funder (type)                      event                          amount
    2023-09-01  Préfecture de la Manche            ESUS approval, to 2028-08-31        -
    2024-01-15  Région Normandie (region)          operating grant awarded     60 000.00
                  agreement CONV-RN-2024-017, funded period 2024-01-01..2025-12-31
    2024-02-15  Région Normandie                   instalment 1 received       36 000.00
    2024-03-01  Département de la Manche (dept)    investment grant awarded    20 000.00
                  period 2024-03-01..2025-02-28, depreciation 5 years from 2024-07-01
    2024-05-01  Union européenne (eu)              FEDER 2021-2027 awarded     40 000.00
                  investment, agreement FEDER-NO-2024-0042, period 2024-05-01..2026-04-30
    2024-06-01  Union européenne                   advance received            16 000.00
    2024-06-01  France Active Normandie (private)  30 titres participatifs    30 000.00
    2024-07-15  Département de la Manche           instalment received         10 000.00
    2024-09-01  Fonds de partage solidaire (priv.) ESUS loan, 1.5 %, 84 months 15 000.00
    2024-10-15  Département de la Manche           instalment received  (!)    10 000.00
    2025-01-31  Région Normandie                   justified (year 2024)       30 000.00
    2025-02-28  Département de la Manche           justified                   10 000.00
    2025-03-01  Région Normandie                   instalment 2 received       18 000.00
    2025-06-15  Union européenne                   justified                   12 000.00
    2025-09-01  Union européenne                   clawed back (partial)        4 000.00
    ----------  recorded 2026-11-24 ---------------------------------------------------
    (2024-10-15) Département de la Manche          correction: the (!) instalment was a
                                                   payment notice, not cash: reversed

Funders for concentration (grants net awarded + titles outstanding + ESUS loans):
Région 60 000, EU 40 000 (36 000 after the clawback), France Active 30 000,
Département 20 000, Fonds de partage solidaire 15 000.
Multi-year agreements (period > 366 days): Région (730 days) and EU (729 days); the
Département's grant (364 days) is one-off.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.conftest import SteppingClock


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def mix(client: TestClient, coop: str, **params: str) -> dict[str, Any]:
    response = client.get(f"/v1/coops/{coop}/funding-mix", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def by_type(m: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    return {
        r["type"]: (r["awarded"], r["received"], r["justified"], r["clawed_back"])
        for r in m["grants"]["by_funder_type"]
    }


def by_purpose(m: dict[str, Any]) -> dict[str, tuple[str, str, str, str]]:
    return {
        r["purpose"]: (r["awarded"], r["received"], r["justified"], r["clawed_back"])
        for r in m["grants"]["by_purpose"]
    }


def cliff(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["month"], r["amount"]) for r in m["funding_cliff"]]


@pytest.fixture
def books(client: TestClient, clock: SteppingClock) -> dict[str, str]:
    """Records the ledger of the module docstring; returns the ids the tests need."""
    coop = create_coop(client)
    v1 = f"/v1/coops/{coop}"

    # -- capital -------------------------------------------------------------------------
    alice = admit(client, coop, "Alice Martin", "salaries")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    town = admit(client, coop, "Commune de Saint-Lô", "collectivites", kind="organisation")
    camille = admit(client, coop, "Camille Petit", "soutiens", on="2024-01-15")
    subscribe(client, coop, alice, 40, "2000.00")
    subscribe(client, coop, bob, 20, "250.00")
    subscribe(client, coop, town, 40, "2000.00")
    subscribe(client, coop, camille, 30, "1500.00", on="2024-01-15")
    subscribe(client, coop, town, 20, "1000.00", on="2025-04-01")

    # -- ESUS approval (R12): incorporated 2019-03-01, so 5 years from 2023-09-01 --------
    post(
        client,
        f"{v1}/esus-approvals",
        {
            "granted_on": "2023-09-01",
            "expires_on": "2028-08-31",
            "authority": "Préfecture de la Manche",
            "reference": "ESUS-50-2023-014",
        },
    )

    # -- grants (R14) ----------------------------------------------------------------------
    region = post(
        client,
        f"{v1}/grants",
        {
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "60000.00",
            "awarded_on": "2024-01-15",
            "agreement_ref": "CONV-RN-2024-017",  # public and > 23,000 €: agreement required
            "period_start": "2024-01-01",
            "period_end": "2025-12-31",
            "justify_by": "2026-06-30",
            "conditions": "animation du tiers-lieu, 2024-2025",
        },
    )
    department = post(
        client,
        f"{v1}/grants",
        {
            "funder": {"name": "Département de la Manche", "type": "department"},
            "purpose": "investment",
            "amount": "20000.00",
            "awarded_on": "2024-03-01",
            "period_start": "2024-03-01",
            "period_end": "2025-02-28",
            "depreciation": {"start": "2024-07-01", "years": 5},
        },
    )
    eu = post(
        client,
        f"{v1}/grants",
        {
            "funder": {"name": "Union européenne", "type": "eu"},
            "purpose": "investment",
            "amount": "40000.00",
            "awarded_on": "2024-05-01",
            "programme": "FEDER 2021-2027",
            "agreement_ref": "FEDER-NO-2024-0042",
            "period_start": "2024-05-01",
            "period_end": "2026-04-30",
        },
    )
    rg, dp, ue = (f"{v1}/grants/{g['id']}" for g in (region, department, eu))

    post(client, f"{rg}/instalments", {"amount": "36000.00", "effective_date": "2024-02-15"})
    post(client, f"{ue}/instalments", {"amount": "16000.00", "effective_date": "2024-06-01"})

    # -- titres participatifs (R11) and the ESUS loan (R12) ------------------------------
    titles = post(
        client,
        f"{v1}/participative-titles",
        {
            "holder": {"name": "France Active Normandie", "type": "private"},
            "count": 30,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0.05",
            "issued_on": "2024-06-01",
        },
    )
    post(client, f"{dp}/instalments", {"amount": "10000.00", "effective_date": "2024-07-15"})
    loan = post(
        client,
        f"{v1}/esus-investments",
        {
            "investor": {"name": "Fonds de partage solidaire", "type": "private"},
            "instrument": "loan",
            "amount": "15000.00",
            "effective_date": "2024-09-01",
            "loan": {"rate": "0.015", "term_months": 84},
        },
    )
    mistaken = post(
        client, f"{dp}/instalments", {"amount": "10000.00", "effective_date": "2024-10-15"}
    )

    post(client, f"{rg}/justifications", {"amount": "30000.00", "effective_date": "2025-01-31"})
    post(client, f"{dp}/justifications", {"amount": "10000.00", "effective_date": "2025-02-28"})
    post(client, f"{rg}/instalments", {"amount": "18000.00", "effective_date": "2025-03-01"})
    post(client, f"{ue}/justifications", {"amount": "12000.00", "effective_date": "2025-06-15"})
    post(
        client,
        f"{ue}/clawbacks",
        {
            "amount": "4000.00",
            "effective_date": "2025-09-01",
            "reason": "dépenses inéligibles au contrôle FEDER",
        },
    )

    # -- the correction, recorded a day later ----------------------------------------------
    before_correction = clock.now.isoformat()
    clock.advance(days=1)
    post(
        client,
        f"{v1}/corrections",
        {
            "reverses": mistaken["event_ids"][0],
            "reason": "avis de paiement saisi comme encaissement",
        },
    )
    return {
        "coop": coop,
        "before_correction": before_correction,
        "region": region["funder_id"],
        "region_grant": region["id"],
        "department": department["funder_id"],
        "eu": eu["funder_id"],
        "eu_grant": eu["id"],
        "france_active": titles["holder_id"],
        "esus_fund": loan["investor_id"],
    }


def test_as_at_end_of_2024(client, books) -> None:
    m = mix(client, books["coop"], as_of="2024-12-31")
    assert m["capital"]["subscribed"] == "6500.00"  # 2,000 + 1,000 + 2,000 + 1,500
    assert m["capital"]["paid"] == "5750.00"  # 2,000 + 250 + 2,000 + 1,500
    assert m["capital"]["public_share"] == "0.3077"  # 2,000 / 6,500 = 0.30769
    assert m["capital"]["public_cap"] == "0.50"
    assert [(r["key"], r["subscribed"], r["paid"]) for r in m["capital"]["by_category"]] == [
        ("salaries", "2000.00", "2000.00"),
        ("usagers", "1000.00", "250.00"),
        ("collectivites", "2000.00", "2000.00"),
        ("soutiens", "1500.00", "1500.00"),
    ]
    assert [(r["key"], r["subscribed"]) for r in m["capital"]["by_college"]] == [
        ("A", "2000.00"),
        ("B", "2500.00"),
        ("C", "2000.00"),
    ]  # B = usagers + soutiens

    # (awarded, received, justified, clawed back); the Département received 10,000 only:
    # its 2024-10-15 instalment is reversed as at its own effective date.
    assert by_type(m) == {
        "region": ("60000.00", "36000.00", "0.00", "0.00"),
        "department": ("20000.00", "10000.00", "0.00", "0.00"),
        "eu": ("40000.00", "16000.00", "0.00", "0.00"),
    }
    assert by_purpose(m) == {
        "operating": ("60000.00", "36000.00", "0.00", "0.00"),
        "investment": ("60000.00", "26000.00", "0.00", "0.00"),
    }  # 20k+40k; 10k+16k
    assert m["grants"]["net_awarded"] == "120000.00"  # 60,000 + 20,000 + 40,000
    assert m["quasi_equity"] == {
        "total": "30000.00",
        "issued": "30000.00",
        "redeemed": "0.00",
        "account": "1671",
    }  # 30 × 1,000
    assert m["esus"]["by_instrument"] == {"shares": "0.00", "titles": "0.00", "loan": "15000.00"}
    assert m["esus"]["total"] == "15000.00"
    assert m["esus"]["approval"]["reference"] == "ESUS-50-2023-014"
    assert m["esus"]["approval"]["expires_soon"] is False
    # 6,500 capital + 120,000 grants + 30,000 titles + 15,000 loan
    assert m["total_funding"] == "171500.00"
    # funders: 60,000 + 20,000 + 40,000 + 30,000 + 15,000 = 165,000
    assert m["ratios"] == {
        "public_share_of_capital": "0.3077",
        "grants_to_total_funding": "0.6997",  # 120,000 / 171,500 = 0.69971
        "capital_to_total_funding": "0.0379",  # 6,500 / 171,500 = 0.03790
        "quasi_equity_to_own_funds": "0.8219",  # 30,000 / (6,500 + 30,000) = 0.82192
        "subsidies_to_revenue": None,
        "largest_funder_share": "0.3636",  # Région: 60,000 / 165,000 = 0.36364
        # (60² + 20² + 40² + 30² + 15²) / 165² = 6,725 / 27,225 = 0.24702
        "herfindahl": "0.2470",
        # (Région 60,000 + EU 40,000) / 120,000 = 0.83333
        "multi_year_grant_share": "0.8333",
    }
    # periods ending in (2024-12-31, 2025-12-31]: Département 2025-02-28, Région 2025-12-31
    assert cliff(m) == [("2025-02", "20000.00"), ("2025-12", "60000.00")]


def test_as_at_mid_2025(client, books) -> None:
    m = mix(client, books["coop"], as_of="2025-06-30")
    assert m["capital"]["subscribed"] == "7500.00"  # 6,500 + the Commune's 1,000 of 2025-04
    assert m["capital"]["paid"] == "6750.00"  # 5,750 + 1,000
    assert m["capital"]["public_share"] == "0.4000"  # (2,000 + 1,000) / 7,500
    assert by_type(m) == {
        "region": ("60000.00", "54000.00", "30000.00", "0.00"),  # 36,000 + 18,000
        "department": ("20000.00", "10000.00", "10000.00", "0.00"),
        "eu": ("40000.00", "16000.00", "12000.00", "0.00"),
    }
    assert by_purpose(m) == {
        "operating": ("60000.00", "54000.00", "30000.00", "0.00"),
        "investment": ("60000.00", "26000.00", "22000.00", "0.00"),
    }  # 10k + 12k justified
    assert m["grants"]["net_awarded"] == "120000.00"
    assert m["quasi_equity"]["total"] == "30000.00"
    assert m["esus"]["by_instrument"]["loan"] == "15000.00"
    assert m["total_funding"] == "172500.00"  # 7,500 + 120,000 + 30,000 + 15,000
    ratios = m["ratios"]
    assert ratios["grants_to_total_funding"] == "0.6957"  # 120,000 / 172,500 = 0.69565
    assert ratios["largest_funder_share"] == "0.3636"  # funders unchanged since 2024
    assert ratios["herfindahl"] == "0.2470"
    assert ratios["multi_year_grant_share"] == "0.8333"
    # periods ending in (2025-06-30, 2026-06-30]: Région 2025-12-31, EU 2026-04-30
    assert cliff(m) == [("2025-12", "60000.00"), ("2026-04", "40000.00")]


def test_as_at_end_of_2025_after_the_clawback(client, books) -> None:
    m = mix(client, books["coop"], as_of="2025-12-31")
    assert (m["capital"]["subscribed"], m["capital"]["paid"], m["capital"]["public_share"]) == (
        "7500.00",
        "6750.00",
        "0.4000",
    )
    assert by_type(m) == {
        "region": ("60000.00", "54000.00", "30000.00", "0.00"),
        "department": ("20000.00", "10000.00", "10000.00", "0.00"),
        "eu": ("40000.00", "16000.00", "12000.00", "4000.00"),
    }
    assert by_purpose(m) == {
        "operating": ("60000.00", "54000.00", "30000.00", "0.00"),
        "investment": ("60000.00", "26000.00", "22000.00", "4000.00"),
    }
    assert m["grants"]["net_awarded"] == "116000.00"  # 120,000 − 4,000 clawed back
    assert m["quasi_equity"]["total"] == "30000.00"
    assert m["esus"]["by_instrument"] == {"shares": "0.00", "titles": "0.00", "loan": "15000.00"}
    assert m["total_funding"] == "168500.00"  # 7,500 + 116,000 + 30,000 + 15,000
    # funders: 60,000 + 20,000 + 36,000 + 30,000 + 15,000 = 161,000
    assert m["ratios"] == {
        "public_share_of_capital": "0.4000",
        "grants_to_total_funding": "0.6884",  # 116,000 / 168,500 = 0.68843
        "capital_to_total_funding": "0.0445",  # 7,500 / 168,500 = 0.04451
        "quasi_equity_to_own_funds": "0.8000",  # 30,000 / (7,500 + 30,000)
        "subsidies_to_revenue": None,
        "largest_funder_share": "0.3727",  # 60,000 / 161,000 = 0.37267
        # (60² + 20² + 36² + 30² + 15²) / 161² = 6,421 / 25,921 = 0.24771
        "herfindahl": "0.2477",
        # (60,000 + 36,000) / 116,000 = 0.82759
        "multi_year_grant_share": "0.8276",
    }
    # (2025-12-31, 2026-12-31]: the Région's period ends on as_of itself, so only the EU
    # grant is left, net of its clawback: 40,000 − 4,000.
    assert cliff(m) == [("2026-04", "36000.00")]


def test_as_known_before_the_correction(client, books) -> None:
    """As the ledger stood before the correction was recorded, the Département's
    mistaken 10,000 instalment still counts as received; nothing else differs."""
    then = mix(client, books["coop"], as_of="2024-12-31", known_at=books["before_correction"])
    now = mix(client, books["coop"], as_of="2024-12-31")
    assert by_type(then)["department"] == ("20000.00", "20000.00", "0.00", "0.00")  # 10k+10k
    assert by_purpose(then)["investment"] == ("60000.00", "36000.00", "0.00", "0.00")  # 20+16
    assert by_type(now)["department"] == ("20000.00", "10000.00", "0.00", "0.00")
    # received money is not funding: awards net of clawbacks are, so totals are unchanged
    assert then["total_funding"] == now["total_funding"] == "171500.00"
    assert then["ratios"] == now["ratios"]
    assert then["funding_cliff"] == now["funding_cliff"]
    assert then["known_at"] is not None and now["known_at"] is None

    # A second before the books were keyed in, the ledger knew nothing: no capital, no
    # funding, and no ESUS approval either (it was recorded with everything else).
    void = mix(client, books["coop"], as_of="2024-12-31", known_at="2026-11-23T09:59:59+00:00")
    assert (void["capital"]["subscribed"], void["total_funding"]) == ("0.00", "0.00")
    assert void["grants"]["by_funder_type"] == [] and void["funding_cliff"] == []
    assert void["esus"]["approval"] is None


def test_flows_of_2025(client, books) -> None:
    """`from`/`to` keep the flows whose effective date falls within [from, to]: in 2025
    no grant was awarded, no title issued and no loan made; one clawback happened."""
    m = mix(
        client, books["coop"], **{"as_of": "2025-12-31", "from": "2025-01-01", "to": "2025-12-31"}
    )
    assert (m["from"], m["to"]) == ("2025-01-01", "2025-12-31")
    assert by_type(m) == {
        "region": ("0.00", "18000.00", "30000.00", "0.00"),
        "department": ("0.00", "0.00", "10000.00", "0.00"),
        "eu": ("0.00", "0.00", "12000.00", "4000.00"),
    }
    assert by_purpose(m) == {
        "operating": ("0.00", "18000.00", "30000.00", "0.00"),
        "investment": ("0.00", "0.00", "22000.00", "4000.00"),
    }  # 10,000 + 12,000
    assert m["grants"]["net_awarded"] == "-4000.00"  # 0 awarded − 4,000 clawed back
    assert m["quasi_equity"]["total"] == "0.00"
    assert m["esus"]["by_instrument"]["loan"] == "0.00"
    # Capital is a stock, shown as at as_of (not a flow of the period): 7,500.
    assert m["capital"]["subscribed"] == "7500.00"
    assert m["total_funding"] == "3500.00"  # 7,500 − 4,000 + 0 + 0
    # No funder gave anything positive in 2025: concentration is 0, not a division by 0.
    assert m["ratios"]["largest_funder_share"] == "0.0000"
    assert m["ratios"]["herfindahl"] == "0.0000"


def test_one_funder_and_its_grants(client, books) -> None:
    coop = books["coop"]
    region = client.get(
        f"/v1/coops/{coop}/funders/{books['region']}", params={"as_of": "2025-12-31"}
    ).json()
    assert (region["name"], region["type"]) == ("Région Normandie", "region")
    assert region["funding"] == "60000.00"
    # 60,000 / total funding 168,500 = 0.35608 (the largest-funder share, 0.3727, is
    # over funders only: capital is not a funder)
    assert region["share_of_total_funding"] == "0.3561"
    assert [g["id"] for g in region["grants"]] == [books["region_grant"]]

    eu = client.get(
        f"/v1/coops/{coop}/funders/{books['eu']}", params={"as_of": "2025-12-31"}
    ).json()
    assert eu["funding"] == "36000.00"  # 40,000 − 4,000
    assert eu["share_of_total_funding"] == "0.2136"  # 36,000 / 168,500 = 0.21365
    before_clawback = client.get(
        f"/v1/coops/{coop}/funders/{books['eu']}", params={"as_of": "2025-06-30"}
    ).json()
    assert before_clawback["share_of_total_funding"] == "0.2319"  # 40,000 / 172,500

    fa = client.get(
        f"/v1/coops/{coop}/funders/{books['france_active']}", params={"as_of": "2025-12-31"}
    ).json()
    assert fa["funding"] == "30000.00" and fa["grants"] == []
    assert fa["participative_titles"][0]["outstanding_amount"] == "30000.00"
    assert fa["participative_titles"][0]["redeemable_from"] == "2031-06-01"  # + 7 years
    assert fa["share_of_total_funding"] == "0.1780"  # 30,000 / 168,500 = 0.17804

    fund = client.get(
        f"/v1/coops/{coop}/funders/{books['esus_fund']}", params={"as_of": "2025-12-31"}
    ).json()
    assert [(i["instrument"], i["amount"]) for i in fund["esus_investments"]] == [
        ("loan", "15000.00")
    ]
    assert fund["share_of_total_funding"] == "0.0890"  # 15,000 / 168,500 = 0.08902

    listed = client.get(f"/v1/coops/{coop}/grants", params={"funder": books["eu"]}).json()
    assert len(listed["grants"]) == 1
    g = listed["grants"][0]
    assert (g["id"], g["funder"], g["programme"], g["agreement_ref"]) == (
        books["eu_grant"],
        {"name": "Union européenne", "type": "eu"},
        "FEDER 2021-2027",
        "FEDER-NO-2024-0042",
    )
    # today's state of the grant: 16,000 advance, 12,000 justified, 4,000 clawed back
    assert (
        g["awarded"],
        g["received"],
        g["justified"],
        g["clawed_back"],
        g["to_receive"],
        g["to_justify"],
    ) == ("40000.00", "16000.00", "12000.00", "4000.00", "24000.00", "0.00")
    region_grants = client.get(
        f"/v1/coops/{coop}/grants", params={"funder": books["region"]}
    ).json()["grants"]
    assert [(x["received"], x["justified"], x["to_receive"]) for x in region_grants] == [
        ("54000.00", "30000.00", "6000.00")
    ]  # 36,000 + 18,000 of 60,000

    department = client.get(
        f"/v1/coops/{coop}/grants", params={"funder": books["department"]}
    ).json()["grants"]
    assert [(x["received"], x["depreciation"]) for x in department] == [
        ("10000.00", {"start": "2024-07-01", "years": 5})
    ]  # the reversed 10,000 is gone
