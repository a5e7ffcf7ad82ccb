"""A member lookup reads the member and its history in two statements, whatever the
history holds: the member row, then its category spells, movements, subscriptions and
withdrawals in one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import ClientFor
from tests.api.test_view_totals import mixed_history

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@contextmanager
def statements(service: Service) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    sa.event.listen(service.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(service.engine, "before_cursor_execute", count)


def member_named(client: TestClient, coop: str, name: str) -> dict[str, Any]:
    listed = client.get(f"/v1/coops/{coop}/members", params={"status": "all"}).json()
    (found,) = [m for m in listed["members"] if m["name"] == name]
    return found


def test_a_member_lookup_is_two_statements(
    client: TestClient, client_for: ClientFor, service: Service
) -> None:
    coop = mixed_history(client)
    bob = member_named(client, coop, "Bob")["id"]
    manager = client_for("manager", coop)
    assert manager.get(f"/v1/coops/{coop}/members/{bob}").status_code == 200  # token cached
    with statements(service) as seen:
        response = manager.get(f"/v1/coops/{coop}/members/{bob}")
    assert response.status_code == 200, response.text
    assert len(seen) == 2, seen
    body = response.json()
    # categories in timeline order: the back-dated change sits before the earlier-recorded one
    assert [(c["category"], c["from"]) for c in body["categories"]] == [
        ("usagers", "2019-03-01"),
        ("salaries", "2021-02-01"),
        ("soutiens", "2022-01-01"),
    ]
    assert [(s["subscribed_on"], s["shares"]) for s in body["subscriptions"]] == [
        ("2020-07-01", 20)
    ]
    # the reimbursement reversed puts the withdrawal back in the queue
    assert [(w["requested_on"], w["shares"], w["status"]) for w in body["withdrawals"]] == [
        ("2022-06-01", 5, "pending"),
        ("2022-07-01", 2, "reimbursed"),
    ]
    kinds = [(m["kind"], m["effective_date"]) for m in body["history"]]
    assert kinds[0] == ("subscription", "2020-07-01")
    assert ("reversal", "2022-06-01") in kinds
    assert body["holding"]["subscribed"] == "750.00"


def test_a_member_of_another_cooperative_is_not_found(client: TestClient) -> None:
    coop = mixed_history(client)
    other = client.post(
        "/v1/coops/" + coop + "/members",
        json={"name": "Eve", "kind": "person", "category": "usagers"},
    )
    assert other.status_code == 201
    assert client.get(f"/v1/coops/coop_nowhere/members/{other.json()['id']}").status_code == 404
