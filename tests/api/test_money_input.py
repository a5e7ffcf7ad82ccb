"""Money at the API edge is a decimal string: a JSON number is refused (422) whatever
its value, before anything is written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import admit, create_coop, event_count


@pytest.mark.parametrize("paid", [50, 50.0, 50.5, True], ids=["int", "float", "fraction", "bool"])
def test_a_number_is_not_an_amount(client: TestClient, service: Service, paid: Any) -> None:
    coop = create_coop(client)
    member = admit(client, coop, "Alice", "salaries")
    before = event_count(service)
    refused = client.post(
        f"/v1/coops/{coop}/subscriptions",
        json={"member_id": member, "shares": 1, "paid": paid, "effective_date": "2019-03-01"},
    )
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "/errors/invalid-request"
    assert problem["errors"][0]["loc"] == ["body", "paid"]
    assert "decimal string" in problem["detail"]
    assert event_count(service) == before
    accepted = client.post(
        f"/v1/coops/{coop}/subscriptions",
        json={"member_id": member, "shares": 1, "paid": "50.00", "effective_date": "2019-03-01"},
    )
    assert accepted.status_code == 201, accepted.text


def test_integer_amounts_are_refused_in_every_money_field(client: TestClient) -> None:
    grant = client.post(
        f"/v1/coops/{create_coop(client)}/grants",
        json={
            "funder": {"name": "Région", "type": "region"},
            "purpose": "operating",
            "amount": 8000,
            "awarded_on": "2024-02-01",
        },
    )
    assert grant.status_code == 422 and grant.json()["errors"][0]["loc"] == ["body", "amount"]
    coop = client.post("/v1/coops", json={"name": "X", "share_nominal": 50})
    assert coop.status_code == 422
    assert ["body", "share_nominal"] in [e["loc"] for e in coop.json()["errors"]]
