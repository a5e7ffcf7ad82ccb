"""An API client on a fresh database, with a clock the tests move by hand.

`client` carries an admin token (admin may do everything), so tests about the ledger need
not think about access; `client_for(role, coop, party)` gives a client holding a token of
another role, and `anonymous` one holding none (tests/api/test_access.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from stdnum import luhn  # type: ignore[import-untyped, unused-ignore]

from scic.access import tokens
from scic.api.app import create_app
from scic.service import Service, open_service
from tests.conftest import SteppingClock


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


@pytest.fixture
def service(database_url: str, clock: SteppingClock) -> Iterator[Service]:
    service = open_service(database_url, clock=clock)
    yield service
    service.close()


@pytest.fixture
def app(service: Service) -> FastAPI:
    return create_app(service)


def issue_token(
    service: Service, role: str, coop: str | None = None, party: str | None = None, **options: Any
) -> tokens.Issued:
    """A token written straight into the test database (as `scic token create` does)."""
    with service.engine.begin() as conn:
        return tokens.issue(
            conn,
            role=role,
            now=service.store.clock(),
            coop_id=coop,
            party_id=party,
            created_by="test",
            **options,
        )


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(app: FastAPI, service: Service) -> Iterator[TestClient]:
    admin = issue_token(service, "admin")
    with TestClient(app, headers=bearer(admin.secret)) as client:
        client.token_id = admin.token_id  # type: ignore[attr-defined]
        yield client


ClientFor = Callable[..., TestClient]


@pytest.fixture
def client_for(app: FastAPI, service: Service) -> ClientFor:
    """`client_for("manager", coop)`, `client_for("member", coop, party_id)`…: a client
    with a new token of that role (its id in `client.token_id`)."""

    def make(
        role: str, coop: str | None = None, party: str | None = None, **options: Any
    ) -> TestClient:
        issued = issue_token(service, role, coop, party, **options)
        client = TestClient(app, headers=bearer(issued.secret))
        client.token_id = issued.token_id  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app)


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
        {
            "code": "collectivites",
            "name": "Collectivités",
            "public_body": True,
            "role": "public_bodies",
        },
        {"code": "soutiens", "name": "Soutiens", "role": "supporters"},
    ],
    "colleges": [
        {"code": "A", "name": "Salariés", "weight": "0.40", "categories": ["salaries"]},
        {
            "code": "B",
            "name": "Usagers et soutiens",
            "weight": "0.40",
            "categories": ["usagers", "soutiens"],
        },
        {"code": "C", "name": "Collectivités", "weight": "0.20", "categories": ["collectivites"]},
    ],
}


def free_siren(client: TestClient) -> str:
    """TIERS_LIEU's SIREN for the first cooperative, then others (a SIREN is unique)."""
    taken = {c["siren"] for c in client.get("/v1/coops").json().get("coops", [])}
    for prefix in range(73282932, 73282932 + 100_000):  # stateful runs create hundreds
        siren = f"{prefix}{luhn.calc_check_digit(str(prefix))}"
        if siren not in taken:
            return siren
    raise AssertionError("no free SIREN left")


def create_coop(client: TestClient, **overrides: Any) -> str:
    if "siren" not in overrides:
        overrides["siren"] = free_siren(client)
    response = client.post("/v1/coops", json={**TIERS_LIEU, **overrides})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def admit(
    client: TestClient,
    coop: str,
    name: str,
    category: str,
    on: str = "2019-03-01",
    kind: str = "person",
) -> str:
    response = client.post(
        f"/v1/coops/{coop}/members",
        json={"name": name, "kind": kind, "category": category, "admitted_on": on},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def subscribe(
    client: TestClient, coop: str, member: str, shares: int, paid: str, on: str = "2019-03-01"
) -> dict[str, Any]:
    response = client.post(
        f"/v1/coops/{coop}/subscriptions",
        json={"member_id": member, "shares": shares, "paid": paid, "effective_date": on},
    )
    assert response.status_code == 201, response.text
    return response.json()
