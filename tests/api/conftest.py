"""An API client on a fresh database, with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.api.app import create_app
from scic.service import Service, open_service


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def service(database_url: str, clock: Clock) -> Iterator[Service]:
    service = open_service(database_url, clock=clock)
    yield service
    service.close()


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service)) as client:
        yield client


def event_count(service: Service) -> int:
    with service.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


TIERS_LIEU: dict[str, Any] = {
    "name": "La Fabrique du Coin",
    "legal_form": "SAS",
    "share_nominal": "50.00",
    "statutory_floor": "5000.00",
    "siren": "732829320",
    "incorporated_on": "2019-03-01",
    "categories": [
        {"code": "salaries", "name": "Salariés", "role": "employees"},
        {"code": "usagers", "name": "Usagers", "role": "beneficiaries"},
        {"code": "collectivites", "name": "Collectivités", "public_body": True,
         "role": "public_bodies"},
        {"code": "soutiens", "name": "Soutiens", "role": "supporters"},
    ],
    "colleges": [
        {"code": "A", "name": "Salariés", "weight": "0.40", "categories": ["salaries"]},
        {"code": "B", "name": "Usagers et soutiens", "weight": "0.40",
         "categories": ["usagers", "soutiens"]},
        {"code": "C", "name": "Collectivités", "weight": "0.20", "categories": ["collectivites"]},
    ],
}


def create_coop(client: TestClient, **overrides: Any) -> str:
    response = client.post("/v1/coops", json={**TIERS_LIEU, **overrides})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def admit(client: TestClient, coop: str, name: str, category: str,
          on: str = "2019-03-01", kind: str = "person") -> str:
    response = client.post(f"/v1/coops/{coop}/members", json={
        "name": name, "kind": kind, "category": category, "admitted_on": on})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def subscribe(client: TestClient, coop: str, member: str, shares: int, paid: str,
              on: str = "2019-03-01") -> dict[str, Any]:
    response = client.post(f"/v1/coops/{coop}/subscriptions", json={
        "member_id": member, "shares": shares, "paid": paid, "effective_date": on})
    assert response.status_code == 201, response.text
    return response.json()
