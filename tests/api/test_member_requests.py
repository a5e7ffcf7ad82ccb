"""Members' requests over HTTP: a request is not an event (the capital does not move)
until a manager accepts it, which runs the real command with its rules (an R3 or R7
refusal is kept on the request, shown to both sides, and mailed); declines carry a
reason; a decision is made once; the GDPR export holds all of a member's data."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.mail.tables import mail_outbox
from scic.projections.tables import members
from scic.service import Service
from tests.api.conftest import ClientFor, admit, create_coop, event_count, subscribe


def _party(service: Service, member_id: str) -> str:
    with service.engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(members.c.party_id).where(members.c.member_id == member_id)
            ).scalar_one()
        )


def _mails(service: Service) -> list[tuple[str, str | None, dict[str, Any]]]:
    with service.engine.connect() as conn:
        return [
            (r.kind, r.member_id, r.params)
            for r in conn.execute(sa.select(mail_outbox).order_by(mail_outbox.c.created_at))
        ]


@pytest.fixture
def coop(client: TestClient, service: Service, client_for: ClientFor) -> dict[str, Any]:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "usagers")
    subscribe(client, coop, alice, 10, "500.00")
    mairie = admit(client, coop, "Mairie du Coin", "collectivites", kind="organisation")
    subscribe(client, coop, mairie, 10, "500.00")
    return {
        "id": coop,
        "alice": alice,
        "mairie": mairie,
        "as_alice": client_for("member", coop, _party(service, alice)),
        "as_mairie": client_for("member", coop, _party(service, mairie)),
        "manager": client_for("manager", coop),
    }


def test_a_request_waits_then_the_manager_accepts_it(
    coop: dict[str, Any], service: Service
) -> None:
    c, alice = coop["id"], coop["alice"]
    before = event_count(service)
    made = coop["as_alice"].post(
        f"/v1/coops/{c}/members/{alice}/requests",
        json={"kind": "subscription", "shares": 3, "message": "Pour le nouvel atelier"},
    )
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["status"] == "pending" and request["paid"] == "150.00"  # all of it
    assert event_count(service) == before  # a request is not an event
    inbox = coop["manager"].get(f"/v1/coops/{c}/requests", params={"status": "pending"})
    assert [r["id"] for r in inbox.json()["requests"]] == [request["id"]]
    assert inbox.json()["requests"][0]["member_name"] == "Alice Martin"
    accepted = coop["manager"].post(f"/v1/coops/{c}/requests/{request['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["outcome_id"].startswith("sub_")
    held = coop["as_alice"].get(f"/v1/coops/{c}/members/{alice}").json()
    assert held["holding"]["shares"] == 13
    mine = coop["as_alice"].get(f"/v1/coops/{c}/members/{alice}/requests").json()["requests"]
    assert [(r["status"], r["outcome_id"]) for r in mine] == [
        ("accepted", accepted.json()["outcome_id"])
    ]
    kinds = [(k, m) for k, m, _ in _mails(service)]
    assert ("request-received", alice) in kinds
    assert ("request-accepted", alice) in kinds
    assert ("subscription-confirmed", alice) in kinds
    again = coop["manager"].post(f"/v1/coops/{c}/requests/{request['id']}/accept")
    assert again.status_code == 409 and again.json()["type"] == "/errors/request-not-pending"
    assert held["holding"]["shares"] == 13


def test_an_r3_refusal_is_kept_on_the_request_and_told_to_the_member(
    coop: dict[str, Any], service: Service
) -> None:
    c, mairie = coop["id"], coop["mairie"]
    made = (
        coop["as_mairie"]
        .post(
            f"/v1/coops/{c}/members/{mairie}/requests", json={"kind": "subscription", "shares": 5}
        )
        .json()
    )
    before = event_count(service)
    refused = coop["manager"].post(f"/v1/coops/{c}/requests/{made['id']}/accept")
    assert refused.status_code == 409
    assert refused.json()["rule"] == "R3"
    assert refused.json()["type"] == "/errors/public-capital-cap"
    assert event_count(service) == before  # nothing half-written
    seen = coop["as_mairie"].get(f"/v1/coops/{c}/members/{mairie}/requests").json()["requests"]
    assert seen[0]["status"] == "refused" and seen[0]["rule"] == "R3"
    assert seen[0]["refusal"] == "public-capital-cap" and seen[0]["reason"]
    declined = [p for k, m, p in _mails(service) if k == "request-declined" and m == mairie]
    assert declined and declined[0]["rule"] == "R3"
    held = coop["manager"].get(f"/v1/coops/{c}/members/{mairie}").json()
    assert held["holding"]["shares"] == 10


def test_an_r7_refusal_and_a_decline_with_its_reason(coop: dict[str, Any]) -> None:
    c, alice = coop["id"], coop["alice"]
    low = (
        coop["as_alice"]
        .post(
            f"/v1/coops/{c}/members/{alice}/requests",
            json={"kind": "subscription", "shares": 4, "paid": "10.00"},
        )
        .json()
    )
    refused = coop["manager"].post(f"/v1/coops/{c}/requests/{low['id']}/accept")
    assert refused.status_code == 409 and refused.json()["rule"] == "R7"
    out = (
        coop["as_alice"]
        .post(f"/v1/coops/{c}/members/{alice}/requests", json={"kind": "withdrawal", "shares": 2})
        .json()
    )
    assert (
        coop["manager"]
        .post(f"/v1/coops/{c}/requests/{out['id']}/decline", json={"reason": "ok"})
        .status_code
        == 422
    )  # a reason of three characters at least
    declined = coop["manager"].post(
        f"/v1/coops/{c}/requests/{out['id']}/decline",
        json={"reason": "Attendez la clôture de l'exercice"},
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert declined.json()["reason"] == "Attendez la clôture de l'exercice"
    late = coop["manager"].post(f"/v1/coops/{c}/requests/{out['id']}/accept")
    assert late.status_code == 409 and late.json()["type"] == "/errors/request-not-pending"


def test_a_withdrawal_request_accepted_records_the_withdrawal(coop: dict[str, Any]) -> None:
    c, alice = coop["id"], coop["alice"]
    out = (
        coop["as_alice"]
        .post(f"/v1/coops/{c}/members/{alice}/requests", json={"kind": "withdrawal", "shares": 2})
        .json()
    )
    accepted = coop["manager"].post(f"/v1/coops/{c}/requests/{out['id']}/accept").json()
    assert accepted["status"] == "accepted"
    withdrawals = coop["manager"].get(f"/v1/coops/{c}/members/{alice}").json()["withdrawals"]
    assert [w["shares"] for w in withdrawals] == [2]
    assert withdrawals[0]["id"] == accepted["outcome_id"]


def test_who_may_ask_read_and_decide(
    coop: dict[str, Any], client: TestClient, client_for: ClientFor
) -> None:
    c, alice, mairie = coop["id"], coop["alice"], coop["mairie"]
    made = (
        coop["as_alice"]
        .post(f"/v1/coops/{c}/members/{alice}/requests", json={"kind": "subscription", "shares": 1})
        .json()
    )
    # another member's requests: 404, as if the member did not exist
    assert (
        coop["as_alice"]
        .post(
            f"/v1/coops/{c}/members/{mairie}/requests", json={"kind": "subscription", "shares": 1}
        )
        .status_code
        == 404
    )
    assert coop["as_alice"].get(f"/v1/coops/{c}/members/{mairie}/requests").status_code == 404
    # only managers read the inbox and decide
    assert coop["as_alice"].get(f"/v1/coops/{c}/requests").status_code == 403
    assert coop["as_alice"].post(f"/v1/coops/{c}/requests/{made['id']}/accept").status_code == 403
    accountant = client_for("accountant", c)
    assert accountant.get(f"/v1/coops/{c}/requests").status_code == 403
    other = create_coop(client, name="Autre SCIC", siren="552100554")
    stranger = client_for("manager", other)
    assert stranger.post(f"/v1/coops/{c}/requests/{made['id']}/accept").status_code == 404
    assert client.post(f"/v1/coops/{other}/requests/{made['id']}/accept").status_code == 404
    # bad input
    for body in (
        {"kind": "subscription", "shares": 0},
        {"kind": "gift", "shares": 1},
        {"kind": "subscription", "shares": 1, "paid": 50},
        {"kind": "subscription", "shares": 1, "surprise": True},
    ):
        r = coop["as_alice"].post(f"/v1/coops/{c}/members/{alice}/requests", json=body)
        assert r.status_code == 422, body
    with_paid = coop["as_alice"].post(
        f"/v1/coops/{c}/members/{alice}/requests",
        json={"kind": "withdrawal", "shares": 1, "paid": "50.00"},
    )
    assert with_paid.status_code == 422
    assert with_paid.json()["type"] == "/errors/paid-with-withdrawal"


def test_a_member_downloads_all_its_data(coop: dict[str, Any]) -> None:
    c, alice = coop["id"], coop["alice"]
    coop["as_alice"].patch(
        f"/v1/coops/{c}/members/{alice}/contact", json={"address": "3 rue des Lilas, Lyon"}
    )
    coop["as_alice"].post(
        f"/v1/coops/{c}/members/{alice}/requests", json={"kind": "withdrawal", "shares": 1}
    )
    response = coop["as_alice"].get(f"/v1/coops/{c}/members/{alice}/data")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert data["member"]["name"] == "Alice Martin"
    assert data["member"]["holding"]["shares"] == 10
    assert data["contact"]["address"] == "3 rue des Lilas, Lyon"
    assert [ch["field"] for ch in data["contact_changes"]] == ["address"]
    assert [r["kind"] for r in data["requests"]] == ["withdrawal"]
    assert data["mail_preferences"] == {"lang": "fr", "opted_out": False}
    assert data["cooperative"]["name"] == "La Fabrique du Coin"
    # the export is exactly its documented schema: nothing more, nothing left out
    from scic.api.routes.member_requests import MemberData

    assert MemberData.model_validate(data).model_dump(mode="json").keys() == data.keys()
    assert set(data["cooperative"]) == {"id", "name", "siren"}
    assert set(data["contact"]) == {"name", "email", "address", "phone"}
    assert coop["as_alice"].get(f"/v1/coops/{c}/members/{coop['mairie']}/data").status_code == 404
