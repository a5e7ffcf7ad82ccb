"""The member's side and the manager's inbox as pages (the app in process): each
refusal is a page in French — a wrong e-mail next to its field, another member's form
404, the inbox for managers only, an R3 refusal with its rule, a decline without a
reason — and nothing is written by a refused form."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.contacts import change_log
from scic.projections.tables import members
from scic.service import Service
from tests.api.conftest import admit, create_coop, issue_token, subscribe
from tests.web.conftest import csrf_of, signed_in


def _party(service: Service, member_id: str) -> str:
    with service.engine.connect() as conn:
        return str(
            conn.execute(
                sa.select(members.c.party_id).where(members.c.member_id == member_id)
            ).scalar_one()
        )


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&")


def _post(web: TestClient, form_path: str, action: str, **data: str) -> Any:
    csrf = csrf_of(web.get(form_path).text)
    return web.post(action, data={"csrf": csrf, **data}, follow_redirects=False)


def test_the_member_side_and_the_inbox_refuse_in_french(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "usagers")
    subscribe(client, coop, alice, 10, "500.00")
    mairie = admit(client, coop, "Mairie du Coin", "collectivites", kind="organisation")
    subscribe(client, coop, mairie, 10, "500.00")
    as_alice = signed_in(app, issue_token(service, "member", coop, _party(service, alice)).secret)
    as_mairie = signed_in(app, issue_token(service, "member", coop, _party(service, mairie)).secret)
    manager = signed_in(app, issue_token(service, "manager", coop).secret)

    page = as_alice.get(f"/dashboard/members/{alice}")
    assert "Mon espace associé" in page.text and "Corriger mes coordonnées" in page.text

    # a wrong e-mail: said next to the field, nothing changed
    contact = f"/dashboard/members/{alice}/contact"
    wrong = _post(
        as_alice, contact, contact, name="Alice Martin", email="alice@", address="", phone=""
    )
    assert wrong.status_code == 422
    assert "Ce n'est pas une adresse électronique." in _text(wrong.text)
    with service.engine.connect() as conn:
        assert change_log(conn, coop, alice) == []
    fine = _post(
        as_alice,
        contact,
        contact,
        name="Alice Martin",
        email="alice@example.org",
        address="3 rue des Lilas\r\nLyon",
        phone="",
    )
    assert fine.status_code == 303 and fine.headers["location"].endswith("done=contact")
    with service.engine.connect() as conn:
        log = change_log(conn, coop, alice)
    assert {c["field"] for c in log} == {"email", "address"}

    # another member's forms: 404, as the API answers
    assert as_alice.get(f"/dashboard/members/{mairie}/contact").status_code == 404
    assert as_alice.get(f"/dashboard/members/{mairie}/requests/new").status_code == 404
    assert as_alice.get(f"/dashboard/members/{mairie}/data").status_code == 404
    # the inbox is a manager's
    assert as_alice.get("/dashboard/requests").status_code == 403
    accountant = signed_in(app, issue_token(service, "accountant", coop).secret)
    assert accountant.get("/dashboard/requests").status_code == 403

    # bad request input: French words next to the field
    new = f"/dashboard/members/{mairie}/requests/new"
    zero = _post(
        as_mairie,
        new,
        f"/dashboard/members/{mairie}/requests",
        kind="subscription",
        shares="0",
        paid="",
        message="",
    )
    assert zero.status_code == 422 and "Un nombre entier de parts" in _text(zero.text)
    sent = _post(
        as_mairie,
        new,
        f"/dashboard/members/{mairie}/requests",
        kind="subscription",
        shares="5",
        paid="",
        message="",
    )
    assert sent.status_code == 303

    # the manager accepts: R3 refuses, the inbox says so with the rule, the member sees it
    inbox = manager.get("/dashboard/requests")
    request_id = re.search(r'data-request="(req_[0-9a-f]+)"', inbox.text)[1]  # type: ignore[index]
    refused = _post(manager, "/dashboard/requests", f"/dashboard/requests/{request_id}/accept")
    assert refused.status_code == 409
    assert "R3" in _text(refused.text) and "pas pu être acceptée" in _text(refused.text)
    mine = as_mairie.get(f"/dashboard/members/{mairie}")
    assert "Refusée par une règle : R3" in _text(mine.text)

    # a decline needs its reason
    sent = _post(
        as_alice,
        f"/dashboard/members/{alice}/requests/new",
        f"/dashboard/members/{alice}/requests",
        kind="withdrawal",
        shares="2",
        paid="",
        message="",
    )
    assert sent.status_code == 303
    inbox = manager.get("/dashboard/requests")
    # the pending row of Alice's request (the Mairie's was refused)
    row = r'<tr data-request="(req_[0-9a-f]+)"><td>[^<]*<time[^>]*>[^<]*</time></td>'
    pending = re.search(row + r'<td><a href="/dashboard/members/' + alice, inbox.text)
    assert pending is not None
    short = _post(
        manager, "/dashboard/requests", f"/dashboard/requests/{pending[1]}/decline", reason="no"
    )
    assert short.status_code == 422 and "motif du refus" in _text(short.text)
    done = _post(
        manager,
        "/dashboard/requests",
        f"/dashboard/requests/{pending[1]}/decline",
        reason="Après l'AG de juin",
    )
    assert done.status_code == 303
    assert "Refusée : Après l'AG de juin" in _text(as_alice.get(f"/dashboard/members/{alice}").text)

    # preferences and the data export
    saved = _post(
        as_alice,
        f"/dashboard/members/{alice}",
        f"/dashboard/members/{alice}/mail-preferences",
        lang="en",
        opted_out="on",
    )
    assert saved.status_code == 303
    data = as_alice.get(f"/dashboard/members/{alice}/data")
    assert data.status_code == 200 and "attachment" in data.headers["content-disposition"]
    assert data.json()["mail_preferences"] == {"lang": "en", "opted_out": True}


def test_a_sepa_mandate_from_the_members_page_by_the_member_and_by_the_manager(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "usagers")
    bob = admit(client, coop, "Bob Leroy", "usagers")
    as_alice = signed_in(app, issue_token(service, "member", coop, _party(service, alice)).secret)
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    form = f"/dashboard/members/{alice}/sepa-mandate"

    page = as_alice.get(f"/dashboard/members/{alice}")
    assert "Aucun mandat" in _text(page.text) and form in page.text
    assert "Alice Martin" in as_alice.get(form).text  # the holder's name offered
    # a wrong IBAN checksum: said next to the field, nothing kept
    fields = {"debtor_name": "Alice Martin", "signed_on": "2026-10-12", "bic": "", "reference": ""}
    wrong = _post(as_alice, form, form, iban="FR76 1010 7001 0112 3456 7890 128", **fields)
    assert wrong.status_code == 409
    assert "Cet IBAN n'est pas valable" in _text(wrong.text)
    assert client.get(f"/v1/coops/{coop}/members/{alice}/sepa-mandates").json() == {
        "sepa_mandates": []
    }
    fine = _post(as_alice, form, form, iban="FR76 1010 7001 0112 3456 7890 129", **fields)
    assert fine.status_code == 303 and fine.headers["location"].endswith("done=mandate")
    shown = _text(as_alice.get(f"/dashboard/members/{alice}?done=mandate").text)
    assert "Le mandat de prélèvement SEPA est enregistré." in shown
    assert "FR76 1010 7001 0112 3456 7890 129" in shown and "en vigueur" in shown
    # another member's form: 404
    assert as_alice.get(f"/dashboard/members/{bob}/sepa-mandate").status_code == 404

    # the manager records Bob's from Bob's page, then revokes it
    bob_form = f"/dashboard/members/{bob}/sepa-mandate"
    assert bob_form in manager.get(f"/dashboard/members/{bob}").text
    made = _post(
        manager,
        bob_form,
        bob_form,
        iban="FR14 2004 1010 0505 0001 3M02 606",
        **{**fields, "debtor_name": "Bob Leroy"},
    )
    assert made.status_code == 303
    (mandate,) = client.get(f"/v1/coops/{coop}/members/{bob}/sepa-mandates").json()["sepa_mandates"]
    revoke = f"/dashboard/members/{bob}/sepa-mandates/{mandate['id']}/revoke"
    done = _post(manager, f"/dashboard/members/{bob}", revoke)
    assert done.status_code == 303 and done.headers["location"].endswith("done=mandate-revoked")
    (after,) = client.get(f"/v1/coops/{coop}/members/{bob}/sepa-mandates").json()["sepa_mandates"]
    assert after["status"] == "revoked"
