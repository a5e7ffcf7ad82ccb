"""Funding judged on the ledger's own timeline, over HTTP (R11, R12, R14): a back-dated
command is decided on the funding as at its date, and refused when it makes a later
event unlawful; nothing is written when it is."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import create_coop
from tests.api.test_refusals import refused

FOUNDATION = {"name": "Fondation du Bocage", "type": "foundation"}


def post(client: TestClient, coop: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/v1/coops/{coop}/{path}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def de_minimis(client: TestClient, coop: str, amount: str, on: str, **kw: Any) -> dict[str, Any]:
    body = {
        "funder": FOUNDATION,
        "purpose": "operating",
        "amount": amount,
        "awarded_on": on,
        "de_minimis": True,
        **kw,
    }
    return post(client, coop, "grants", body)


def test_a_back_dated_grant_over_a_later_grants_window_is_refused(client, service) -> None:
    coop = create_coop(client)
    de_minimis(client, coop, "170000.00", "2025-04-10")
    later = de_minimis(client, coop, "110000.00", "2025-09-15")  # 280,000 of 300,000
    body = {
        "funder": FOUNDATION,
        "purpose": "operating",
        "amount": "40000.00",
        "awarded_on": "2024-11-05",  # alone in its own window, 2021-11-06..2024-11-05
        "de_minimis": True,
    }
    problem = refused(
        client, service, "POST", f"/v1/coops/{coop}/grants", body, 409, "de-minimis-ceiling", "R14"
    )
    assert f"grant {later['id']} of 2025-09-15" in problem["detail"]
    assert "320000.00" in problem["detail"]
    assert "already in the ledger" in problem["detail"]
    # up to what the later window leaves (300,000 exactly) is lawful
    assert de_minimis(client, coop, "20000.00", "2024-11-05")["warnings"] == []


def test_an_override_on_the_later_grant_lets_the_back_dated_one_in(client) -> None:
    coop = create_coop(client)
    de_minimis(client, coop, "170000.00", "2025-04-10")
    de_minimis(
        client,
        coop,
        "110000.00",
        "2025-09-15",
        de_minimis_override="regional recovery scheme, notified to the Commission",
    )
    assert de_minimis(client, coop, "40000.00", "2024-11-05")["id"].startswith("grt_")


def test_a_back_dated_instalment_is_judged_at_its_date(client, service) -> None:
    coop = create_coop(client)
    award = post(
        client,
        coop,
        "grants",
        {
            "funder": {"name": "Région Bretagne", "type": "region"},
            "purpose": "investment",
            "amount": "36400.00",
            "awarded_on": "2024-05-06",
            "agreement_ref": "RB-2024-117",
        },
    )
    path = f"grants/{award['id']}"
    post(
        client, coop, f"{path}/instalments", {"amount": "30000.00", "effective_date": "2024-10-01"}
    )

    def at(kind: str, amount: str, on: str, **kw: Any) -> tuple[str, str, dict[str, Any]]:
        return (
            "POST",
            f"/v1/coops/{coop}/{path}/{kind}",
            {"amount": amount, "effective_date": on, **kw},
        )

    # lawful on 2024-07-01, but the instalment of 2024-10-01 would then exceed the award
    problem = refused(
        client,
        service,
        *at("instalments", "8000.00", "2024-07-01"),
        409,
        "instalment-exceeds-award",
        "R14",
    )
    assert "2024-10-01" in problem["detail"]
    refused(client, service, *at("instalments", "100.00", "2024-04-01"), 422, "date-before-award")
    # judged on what was received then (nothing), not on today's 30,000
    refused(
        client,
        service,
        *at("justifications", "500.00", "2024-06-01"),
        409,
        "justification-before-payment",
        "R14",
    )
    post(client, coop, f"{path}/instalments", {"amount": "6400.00", "effective_date": "2024-07-01"})
    refused(
        client,
        service,
        *at("clawbacks", "7000.00", "2024-08-01", reason="unspent"),
        409,
        "clawback-exceeds-received",
        "R14",
    )
    refused(
        client,
        service,
        *at("justifications", "6500.00", "2024-09-01"),
        409,
        "justification-exceeds-received",
        "R14",
    )
    post(
        client,
        coop,
        f"{path}/justifications",
        {"amount": "6400.00", "effective_date": "2024-09-01"},
    )
    detail = client.get(f"/v1/coops/{coop}/{path}").json()
    assert (detail["received"], detail["justified"]) == ("36400.00", "6400.00")


def test_correcting_an_instalment_a_later_justification_rests_on_is_refused(
    client, service
) -> None:
    coop = create_coop(client)
    award = de_minimis(client, coop, "18750.00", "2024-01-15")
    path = f"grants/{award['id']}"
    first = post(
        client, coop, f"{path}/instalments", {"amount": "9000.00", "effective_date": "2024-02-01"}
    )
    second = post(
        client, coop, f"{path}/instalments", {"amount": "4000.00", "effective_date": "2024-03-01"}
    )
    post(
        client,
        coop,
        f"{path}/justifications",
        {"amount": "8500.00", "effective_date": "2024-06-30"},
    )
    problem = refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/corrections",
        {"reverses": first["id"], "reason": "paid to the wrong cooperative"},
        409,
        "reverse-later-events-first",
    )
    assert problem["detail"].startswith("R14 — on 2024-06-30")
    post(client, coop, "corrections", {"reverses": second["id"], "reason": "bank error"})
    assert client.get(f"/v1/coops/{coop}/{path}").json()["received"] == "9000.00"


def test_titles_and_esus_are_judged_at_their_date(client, service) -> None:
    coop = create_coop(client)
    issue = post(
        client,
        coop,
        "participative-titles",
        {
            "holder": {"name": "Caisse Solidaire", "type": "private"},
            "count": 120,
            "nominal": "250.00",
            "fixed_rate": "0.02",
            "variable_rate": "0",
            "issued_on": "2019-04-02",
        },
    )
    path = f"participative-titles/{issue['id']}"
    post(client, coop, f"{path}/redemptions", {"count": 80, "effective_date": "2026-05-04"})
    redeem = f"/v1/coops/{coop}/{path}/redemptions"
    # 50 on 2026-04-15 is lawful then (120 out), but leaves 70 for the 80 of 2026-05-04
    refused(
        client,
        service,
        "POST",
        redeem,
        {"count": 50, "effective_date": "2026-04-15"},
        409,
        "redemption-exceeds-outstanding",
        "R11",
    )
    refused(
        client,
        service,
        "POST",
        redeem,
        {"count": 1, "effective_date": "2019-03-20", "at_liquidation": True},
        422,
        "date-before-issue",
        "R11",
    )
    invest = {
        "investor": {"name": "Fonds Territoire", "type": "private"},
        "instrument": "titles",
        "title_issue_id": issue["id"],
        "amount": "3000.00",
    }
    refused(
        client,
        service,
        "POST",
        f"/v1/coops/{coop}/esus-investments",
        {**invest, "effective_date": "2019-03-20"},
        422,
        "date-before-issue",
        "R11",
    )
    post(
        client,
        coop,
        "esus-approvals",
        {
            "granted_on": "2023-02-01",
            "expires_on": "2028-01-31",
            "authority": "DREETS",
            "reference": "E-88",
        },
    )
    before = post(client, coop, "esus-investments", {**invest, "effective_date": "2022-11-30"})
    during = post(client, coop, "esus-investments", {**invest, "effective_date": "2023-02-01"})
    assert before["warnings"] and during["warnings"] == []
