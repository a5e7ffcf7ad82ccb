"""SEPA direct-debit mandates: recorded by a manager or by the member itself, one in
force at a time, the IBAN checked, revoked, and erased with the party (no event: a
mandate is personal data kept outside the chain)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.bank.tables import sepa_mandates
from scic.service import Service
from tests.api.conftest import ClientFor, admit, create_coop, event_count

ALICE_IBAN = "FR76 1010 7001 0112 3456 7890 129"


def _url(coop: str, member: str) -> str:
    return f"/v1/coops/{coop}/members/{member}/sepa-mandates"


def _mandate(**fields: Any) -> dict[str, Any]:
    return {"signed_on": "2026-10-12", "debtor_name": "Alice Martin", "iban": ALICE_IBAN, **fields}


def test_a_manager_records_lists_and_revokes_a_mandate(
    client: TestClient, client_for: ClientFor, service: Service
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    manager = client_for("manager", coop)
    before = event_count(service)
    made = manager.post(_url(coop, alice), json=_mandate(reference="SCIC-2026-0042"))
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["reference"], body["signed_on"], body["iban"], body["status"]) == (
        "SCIC-2026-0042",
        "2026-10-12",
        ALICE_IBAN,
        "active",
    )
    assert event_count(service) == before  # personal data: no event
    listed = manager.get(_url(coop, alice)).json()["sepa_mandates"]
    assert [m["id"] for m in listed] == [body["id"]]

    # one mandate in force at a time
    second = manager.post(_url(coop, alice), json=_mandate())
    assert second.status_code == 409
    assert second.json()["type"] == "/errors/sepa-mandate-in-force"

    revoked = manager.post(f"{_url(coop, alice)}/{body['id']}/revocation")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked" and revoked.json()["revoked_at"]
    again = manager.post(f"{_url(coop, alice)}/{body['id']}/revocation")
    assert again.status_code == 409
    assert again.json()["type"] == "/errors/sepa-mandate-not-in-force"

    # a new one after revocation, its reference made when none is given
    fresh = manager.post(_url(coop, alice), json=_mandate(bic="CCBPFRPPMTG"))
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["reference"].startswith("SCIC-") and fresh.json()["bic"] == "CCBPFRPPMTG"
    # a reference is unique in the cooperative
    bob = admit(client, coop, "Bob Leroy", "usagers")
    taken = manager.post(_url(coop, bob), json=_mandate(reference="SCIC-2026-0042"))
    assert taken.status_code == 409
    assert taken.json()["type"] == "/errors/sepa-mandate-reference-taken"


def test_bad_mandates_are_refused_and_nothing_is_kept(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    cases = [
        ({"iban": "FR76 1010 7001 0112 3456 7890 128"}, 422, "invalid-iban"),  # checksum
        ({"bic": "ZZZZ"}, 422, "invalid-bic"),
        ({"reference": "RUM_avec_souligné"}, 422, "invalid-request"),  # not SEPA's characters
        ({"debtor_name": ""}, 422, "invalid-request"),
    ]
    for fields, status, slug in cases:
        response = client.post(_url(coop, alice), json=_mandate(**fields))
        assert response.status_code == status, (fields, response.text)
        assert response.json()["type"] == f"/errors/{slug}", fields
    missing = client.post(_url(coop, "mbr_nobody"), json=_mandate())
    assert missing.status_code == 404
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(sepa_mandates)).scalar() == 0


def test_a_member_records_its_own_mandate_and_no_one_elses(
    client: TestClient, client_for: ClientFor
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    alice_party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    member = client_for("member", coop, alice_party)
    own = member.post(_url(coop, alice), json=_mandate())
    assert own.status_code == 201, own.text
    assert member.get(_url(coop, alice)).json()["sepa_mandates"][0]["id"] == own.json()["id"]
    assert member.post(_url(coop, bob), json=_mandate()).status_code == 404
    assert member.get(_url(coop, bob)).status_code == 404
    assert client_for("accountant", coop).get(_url(coop, alice)).status_code == 403
    revoked = member.post(f"{_url(coop, alice)}/{own.json()['id']}/revocation")
    assert revoked.status_code == 200, revoked.text


def test_erasing_the_party_erases_its_mandates(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    made = client.post(_url(coop, alice), json=_mandate(reference="SCIC-ALICE-1"))
    assert made.status_code == 201
    erased = client.post(f"/v1/coops/{coop}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text
    (after,) = client.get(_url(coop, alice)).json()["sepa_mandates"]
    assert (after["reference"], after["debtor_name"], after["iban"], after["bic"]) == (
        "SCIC-ALICE-1",
        None,
        None,
        None,
    )
    assert after["status"] == "erased"
    with service.engine.connect() as conn:
        stored = conn.execute(sa.select(sepa_mandates)).mappings().one()
    assert ALICE_IBAN.replace(" ", "") not in str(dict(stored))
    refused = client.post(_url(coop, alice), json=_mandate())
    assert refused.status_code == 409 and refused.json()["type"] == "/errors/party-erased"
