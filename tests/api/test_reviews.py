"""R10 over HTTP: a cooperative review recorded, the periodic review counted from it, and
loss-making years counted since it, in a row or not."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import admit, create_coop, subscribe
from tests.api.test_accounting import post, problem


def _findings(client: TestClient, coop: str, on: str) -> dict[str, Any]:
    response = client.get(f"/v1/coops/{coop}/compliance", params={"as_of": on})
    assert response.status_code == 200, response.text
    return {f["code"]: f for f in response.json()["findings"]}


def test_three_loss_making_years_not_in_a_row_call_for_a_review(client: TestClient) -> None:
    coop = create_coop(client, incorporated_on="2018-01-02", statutory_floor="100.00")
    c = f"/v1/coops/{coop}"
    subscribe(
        client,
        coop,
        admit(client, coop, "Zoé", "salaries", on="2018-01-02"),
        100,
        "5000.00",
        "2018-01-02",
    )
    for year, result in (
        (2018, "-200.00"),
        (2019, "150.00"),
        (2020, "-90.00"),
        (2021, "300.00"),
        (2022, "-40.00"),
    ):
        post(client, f"{c}/fiscal-years/{year}/close", {"result": result})
    found = _findings(client, coop, "2023-02-01")["cooperative-review-triggered"]["figures"]
    assert (found["fiscal_year"], found["loss_making_years"], found["due_on"]) == (
        2022,
        3,
        "2023-06-30",
    )
    assert found["status"] == "due"
    listed = client.get(f"{c}/fiscal-years").json()["cooperative_review"]
    assert listed == [
        {
            "year": 2022,
            "rule": "R10",
            "reason": "3 loss-making fiscal years since the incorporation",
        }
    ]
    late = _findings(client, coop, "2023-07-01")["cooperative-review-triggered"]["figures"]
    assert late["status"] == "overdue"
    # a review whose report was made available on 2021-04-15 counts the losses after it
    post(
        client,
        f"{c}/reviews",
        {
            "report_made_available_on": "2021-04-15",
            "reviewer": "Réviseur agréé",
            "reference": "RC-21",
        },
    )
    after = _findings(client, coop, "2023-07-01")
    assert "cooperative-review-triggered" not in after
    periodic = after["cooperative-review"]["figures"]
    assert (periodic["last_review"], periodic["due_on"], periodic["status"]) == (
        "2021-04-15",
        "2026-04-15",
        "ok",
    )
    assert client.get(f"{c}/fiscal-years").json()["cooperative_review"] == []
    # before incorporation, or a report not yet made available: refused, nothing written
    events = len(client.get(f"{c}/events", params={"limit": 500}).json()["events"])
    early = {"report_made_available_on": "2017-12-31", "reviewer": "R", "reference": "X"}
    problem(client, f"{c}/reviews", early, 422, "date-before-incorporation")
    future = {"report_made_available_on": "2100-01-04", "reviewer": "R", "reference": "X"}
    refused = problem(client, f"{c}/reviews", future, 422, "review-in-future")
    assert refused["rule"] == "R10" and "2100-01-04" in refused["detail"]
    problem(
        client, f"{c}/reviews", {"report_made_available_on": "2022-01-04"}, 422, "invalid-request"
    )
    assert len(client.get(f"{c}/events", params={"limit": 500}).json()["events"]) == events
