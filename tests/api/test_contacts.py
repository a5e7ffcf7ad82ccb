"""Contact corrections: `PATCH …/members/{id}/contact` by a manager or the member itself,
each change logged (who, when, the value replaced) outside the events; erasure erases
the logged values too."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.projections.tables import contact_changes, parties
from scic.service import Service
from tests.api.conftest import ClientFor, create_coop, event_count


def _admit(client: TestClient, coop: str, name: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/coops/{coop}/members",
        json={
            "name": name,
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2019-03-01",
            "email": "anne@example.org",
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _url(coop: str, member: str) -> str:
    return f"/v1/coops/{coop}/members/{member}/contact"


def test_a_manager_corrects_and_every_change_is_logged(
    client: TestClient, client_for: ClientFor, service: Service
) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martinn")
    manager = client_for("manager", coop)
    events_before = event_count(service)
    response = manager.patch(
        _url(coop, anne["id"]),
        json={"name": "Anne Martin", "phone": "+33 6 12 34 56 78", "email": "anne@example.org"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == "Anne Martin" and body["phone"] == "+33 6 12 34 56 78"
    assert body["changed"] == ["name", "phone"]  # the e-mail was already that
    assert event_count(service) == events_before  # no event: contact data is not chained
    # the search finds the corrected spelling
    found = client.get(f"/v1/coops/{coop}/members", params={"q": "martin"}).json()["members"]
    assert [m["name"] for m in found] == ["Anne Martin"]
    log = manager.get(f"/v1/coops/{coop}/members/{anne['id']}/contact-changes")
    assert log.status_code == 200, log.text
    changes = log.json()["changes"]
    assert [(c["field"], c["previous"], c["value"]) for c in changes] == [
        ("name", "Anne Martinn", "Anne Martin"),
        ("phone", None, "+33 6 12 34 56 78"),
    ]
    actor = f"token:{manager.token_id}:manager"  # type: ignore[attr-defined]
    assert all(c["changed_by"] == actor for c in changes)
    assert all(c["changed_at"].endswith("Z") for c in changes)
    # null clears a field (not the name)
    cleared = manager.patch(_url(coop, anne["id"]), json={"phone": None})
    assert cleared.status_code == 200 and cleared.json()["phone"] is None


def test_the_member_corrects_its_own_and_no_other(
    client: TestClient, client_for: ClientFor
) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martin")
    bob = _admit(client, coop, "Bob Leroy")
    member = client_for("member", coop, anne["party_id"])
    own = member.patch(_url(coop, anne["id"]), json={"address": "3 rue des Lilas\n75011 Paris"})
    assert own.status_code == 200, own.text
    assert own.json()["address"] == "3 rue des Lilas\n75011 Paris"
    assert member.patch(_url(coop, bob["id"]), json={"phone": "0612345678"}).status_code == 404
    # the log is the managers'
    assert member.get(f"/v1/coops/{coop}/members/{anne['id']}/contact-changes").status_code == 403
    accountant = client_for("accountant", coop)
    assert accountant.patch(_url(coop, anne["id"]), json={"phone": "0612"}).status_code == 403


def test_refusals_change_nothing(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martin")
    other = create_coop(client, siren="552100554")
    for body in (
        {"name": "Anne\x07Martin"},
        {"name": "Anne\u0085Martin"},
        {"address": "3 rue\x00"},
        {"email": "anne.example.org"},
        {"email": "anne@example"},
        {"email": "an ne@example.org"},
        {"phone": "call me"},
        {"name": None},
        {"name": ""},
        {},
        {"nickname": "Nanou"},
    ):
        refused = client.patch(_url(coop, anne["id"]), json=body)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    # a member of another cooperative is not found there
    assert client.patch(_url(other, anne["id"]), json={"phone": "0612345678"}).status_code == 404
    assert client.patch(_url(coop, "mbr_nobody"), json={"phone": "0612345678"}).status_code == 404
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(contact_changes)).scalar() == 0
        name = conn.execute(
            sa.select(parties.c.name).where(parties.c.party_id == anne["party_id"])
        ).scalar()
    assert name == "Anne Martin"


def test_erasure_erases_the_logged_values(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martinn")
    client.patch(_url(coop, anne["id"]), json={"name": "Anne Martin", "phone": "0612345678"})
    erased = client.post(
        f"/v1/coops/{coop}/parties/{anne['party_id']}/erasure", json={"reason": "demande RGPD"}
    )
    assert erased.status_code == 201, erased.text
    log = client.get(f"/v1/coops/{coop}/members/{anne['id']}/contact-changes").json()["changes"]
    assert [(c["field"], c["previous"], c["value"], c["erased"]) for c in log] == [
        ("name", None, None, True),
        ("phone", None, None, True),
    ]
    with service.engine.connect() as conn:
        row = (
            conn.execute(sa.select(parties).where(parties.c.party_id == anne["party_id"]))
            .mappings()
            .one()
        )
        stored = conn.execute(sa.select(contact_changes)).mappings().all()
    assert row["name"] is None and row["phone"] is None and row["email"] is None
    assert all("Martin" not in str(dict(r)) and "0612" not in str(dict(r)) for r in stored)
    # an erased party is corrected no more
    again = client.patch(_url(coop, anne["id"]), json={"name": "Anne Martin"})
    assert again.status_code == 409, again.text
