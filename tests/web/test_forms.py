"""The write forms through the app in process: each posts through the API's write path
(same refusals), said in French next to its field; CSRF, idempotency, roles. The
browser walk of the forms is tests/web/test_forms_browser.py."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ledger.schema import events as events_table
from scic.service import Service
from scic.web.forms.catalogue import FORMS
from scic.write.commands import COMMANDS
from tests.api.conftest import admit, create_coop, event_count, issue_token, subscribe
from tests.web.conftest import signed_in

THIN, NBSP = "\u202f", "\u00a0"


@pytest.fixture
def coop(client: TestClient) -> str:
    coop = create_coop(client)  # incorporated on 2019-03-01, shares of 50,00 €
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    admit(client, coop, "Bruno Petit", "usagers")
    return coop


def web_for(app: FastAPI, service: Service, role: str, coop: str) -> TestClient:
    return signed_in(app, issue_token(service, role, coop).secret)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden field {name}"
    return found[1]


def option_value(html: str, label: str) -> str:
    found = re.search(rf'<option value="([^"]+)"[^>]*>{re.escape(label)}', html)
    assert found, f"no option {label!r}"
    return found[1]


def field_error(html: str, name: str) -> str:
    dom = "f-" + name.replace(".", "-")
    found = re.search(rf'<p class="field-error" id="{dom}-error">([^<]*)</p>', html)
    assert found, f"no error next to {name}"
    return unescape(found[1])


def post_form(web: TestClient, path: str, values: dict[str, str], **options: Any) -> Any:
    shown = web.get(path)
    assert shown.status_code == 200, shown.text
    data = {
        "csrf": hidden(shown.text, "csrf"),
        "idempotency_key": hidden(shown.text, "idempotency_key"),
    }
    return web.post(path, data={**data, **values}, follow_redirects=False, **options)


def member_id(client: TestClient, coop: str, name: str) -> str:
    listed = client.get(f"/v1/coops/{coop}/members", params={"q": name}).json()
    return str(listed["members"][0]["id"])


def test_the_forms_cover_every_write_of_the_api_under_a_cooperative() -> None:
    assert set(FORMS) == set(COMMANDS) - {"coops"}
    for name, form in FORMS.items():
        body = COMMANDS[name].body_model or COMMANDS[name].model
        known = set(body.model_fields)
        heads = {f.name.split(".")[0] for f in form.fields}
        rows = {"categories", "colleges"} if form.rows else set()  # rows of the statutes
        assert known - heads <= rows, f"{name}: no field for {known - heads - rows}"
        for field in form.fields:
            head, _, leaf = field.name.partition(".")
            assert head in known, f"{name}: {field.name} is not a field of the API body"
            if leaf:
                nested: Any = body.model_fields[head].annotation
                inner = [a for a in getattr(nested, "__args__", (nested,)) if a is not type(None)]
                assert leaf in inner[0].model_fields, f"{name}: {field.name}"


def test_a_manager_admits_a_member_and_sees_it_recorded(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    form = web.get("/dashboard/members/new")
    assert form.status_code == 200
    for name in ("name", "kind", "category", "admitted_on", "email", "address"):
        assert f'name="{name}"' in form.text
    assert '<label for="f-name">Nom' in form.text
    assert 'type="date"' in form.text and "Salariés" in form.text  # categories by name
    response = post_form(
        web,
        "/dashboard/members/new",
        {
            "name": "Chloé Durand",
            "kind": "person",
            "category": option_value(form.text, "Usagers"),
            "admitted_on": "2024-05-02",
            "email": "chloe@example.org",
            "address": "",
        },
    )
    assert response.status_code == 303, response.text
    target = response.headers["location"]
    assert re.fullmatch(r"/dashboard/members/mbr_[0-9a-f]+", target)
    page = web.get(target)
    assert "Admission de Chloé Durand enregistrée" in page.text
    assert "Admission de" not in web.get(target).text  # shown once
    detail = client.get(f"/v1/coops/{coop}{target.removeprefix('/dashboard')}").json()
    assert detail["name"] == "Chloé Durand" and detail["category"] == "usagers"
    assert detail["admitted_on"] == "2024-05-02"
    with service.engine.connect() as conn:
        actor = conn.execute(
            sa.select(events_table.c.actor).order_by(events_table.c.position.desc()).limit(1)
        ).scalar_one()
    assert actor.startswith("token:")  # the signed-in principal, as the API records it


def test_a_subscription_with_an_amount_typed_in_french(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    bruno = member_id(client, coop, "Bruno")
    response = post_form(
        web,
        f"/dashboard/subscriptions/new?member_id={bruno}",
        {
            "member_id": "Bruno Petit",
            "shares": "30",
            "paid": f"1{THIN}500,00",
            "effective_date": "",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/dashboard/members/{bruno}"
    page = web.get(response.headers["location"])
    assert "Souscription de 30 parts de Bruno Petit enregistrée" in page.text
    holding = client.get(f"/v1/coops/{coop}/members/{bruno}").json()["holding"]
    assert holding["shares"] == 30 and holding["paid"] == "1500.00"


def test_a_refusal_is_said_next_to_its_field_in_french_and_nothing_is_recorded(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    bruno = member_id(client, coop, "Bruno")
    before = event_count(service)
    # R7: 10 shares of 50 € need at least 125 € paid at subscription
    response = post_form(
        web,
        "/dashboard/subscriptions/new",
        {"member_id": bruno, "shares": "10", "paid": "100,00"},
    )
    assert response.status_code == 409
    said = field_error(response.text, "paid")
    assert said.startswith("R7 — ") and "quart" in said
    assert 'value="100,00"' in response.text and f'value="{bruno}" selected' in response.text
    assert event_count(service) == before
    # what cannot be read is said before anything is sent
    unreadable = post_form(
        web, "/dashboard/subscriptions/new", {"member_id": bruno, "shares": "dix", "paid": "12,345"}
    )
    assert unreadable.status_code == 422
    assert field_error(unreadable.text, "shares") == "Ce n'est pas un nombre entier."
    assert field_error(unreadable.text, "paid") == "Deux décimales au plus."
    missing = post_form(
        web, "/dashboard/subscriptions/new", {"member_id": "", "shares": "", "paid": ""}
    )
    assert field_error(missing.text, "member_id") == "Obligatoire."
    unknown = post_form(
        web, "/dashboard/subscriptions/new", {"member_id": "Personne", "shares": "1", "paid": "50"}
    )
    assert field_error(unknown.text, "member_id") == "Choisissez une valeur de la liste."
    assert event_count(service) == before


def test_a_double_submit_records_once(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    bruno = member_id(client, coop, "Bruno")
    shown = web.get("/dashboard/subscriptions/new")
    data = {
        "csrf": hidden(shown.text, "csrf"),
        "idempotency_key": hidden(shown.text, "idempotency_key"),
        "member_id": bruno,
        "shares": "4",
        "paid": "200",
    }
    before = event_count(service)
    first = web.post("/dashboard/subscriptions/new", data=data, follow_redirects=False)
    second = web.post("/dashboard/subscriptions/new", data=data, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert event_count(service) == before + 1
    subs = client.get(f"/v1/coops/{coop}/members/{bruno}").json()["subscriptions"]
    assert len(subs) == 1


def test_a_form_posted_without_its_csrf_token_is_refused_and_records_nothing(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    bruno = member_id(client, coop, "Bruno")
    before = event_count(service)
    values = {"member_id": bruno, "shares": "4", "paid": "200"}
    without = web.post("/dashboard/subscriptions/new", data=values, follow_redirects=False)
    assert without.status_code == 403 and "rien n'a été enregistré" in unescape(without.text)
    wrong = web.post(
        "/dashboard/subscriptions/new", data={**values, "csrf": "x" * 43}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert event_count(service) == before


def test_forms_follow_the_api_access_rules(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    accountant = web_for(app, service, "accountant", coop)
    before = event_count(service)
    assert accountant.get("/dashboard/members/new").status_code == 403
    page = accountant.get("/dashboard/forms")
    assert page.status_code == 200
    assert "/dashboard/members/new" not in page.text
    assert "Clôturer un exercice" in unescape(page.text)
    assert "Affecter le résultat d'un exercice" in unescape(page.text)
    assert accountant.get("/dashboard/fiscal-years/2025/close/new").status_code == 200
    csrf = hidden(accountant.get("/dashboard/forms").text, "csrf")
    refused = accountant.post(
        "/dashboard/members/new",
        data={"csrf": csrf, "name": "X", "kind": "person", "category": "salaries"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert event_count(service) == before
    alice = member_id(client, coop, "Alice")
    party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    member = signed_in(app, issue_token(service, "member", coop, party).secret)
    assert member.get("/dashboard/payments/new").status_code == 403
    assert "/dashboard/forms" not in member.get(f"/dashboard/members/{alice}").text


def test_every_form_is_shown_to_a_manager(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "investment",
            "amount": "20000.00",
            "awarded_on": "2024-01-15",
            "agreement_ref": "CONV-1",
        },
    ).json()["id"]
    issue = client.post(
        f"/v1/coops/{coop}/participative-titles",
        json={
            "holder": {"name": "France Active", "type": "private"},
            "count": 10,
            "nominal": "1000.00",
            "fixed_rate": "0.02",
            "variable_rate": "0",
            "issued_on": "2024-02-01",
        },
    ).json()["id"]
    alice = member_id(client, coop, "Alice")
    party = client.get(f"/v1/coops/{coop}/members/{alice}").json()["party_id"]
    bruno = member_id(client, coop, "Bruno")
    subscribe(client, coop, bruno, 120, "6000.00")  # the capital stays above the floor
    out = client.post(
        f"/v1/coops/{coop}/withdrawals",
        json={"member_id": alice, "shares": 2, "effective_date": "2024-06-01"},
    )
    assert out.status_code == 201 and out.json()["status"] == "reimbursed", out.text
    withdrawal = out.json()["id"]
    web = web_for(app, service, "manager", coop)
    path = {
        "grant_id": grant,
        "issue_id": issue,
        "party_id": party,
        "withdrawal_id": withdrawal,
        "year": "2025",
    }
    listed = web.get("/dashboard/forms").text
    for name in FORMS:
        route = COMMANDS[name].route.format(**path)
        page = web.get(f"/dashboard/{route}/new")
        assert page.status_code == 200, (name, page.text)
        assert 'name="csrf"' in page.text and 'name="idempotency_key"' in page.text
        for field in FORMS[name].fields:
            assert f'name="{field.name}"' in page.text, (name, field.name)
        if not COMMANDS[name].path_fields:
            assert f'href="/dashboard/{route}/new"' in listed, name
    assert (
        "Région Normandie — investissement 20"
        in web.get(f"/dashboard/grants/{grant}/instalments/new").text
    )
    assert web.get("/dashboard/grants/grt_nothing/instalments/new").status_code == 404

    # the reimbursement's payout, as the statement shows it: refused next to the amount
    # when it is not what is owed, recorded when it is
    payout = f"/dashboard/reimbursements/{withdrawal}/payouts/new"
    shown = web.get(payout).text
    assert "Alice Martin — 100,00" in shown and "remboursés le 01/06/2024" in shown
    before = event_count(service)
    wrong = post_form(web, payout, {"amount": "90", "paid_on": "2024-06-10"})
    assert "après compensation de l'appel non versé" in field_error(wrong.text, "amount")
    assert event_count(service) == before
    done = post_form(web, payout, {"amount": "100", "paid_on": "2024-06-10"})
    assert done.status_code == 303, done.text
    assert event_count(service) == before + 1
    chosen = web.get(
        "/dashboard/forms/go",
        params={"form": "grant-instalments", "ident": grant},
        follow_redirects=False,
    )
    assert chosen.headers["location"] == f"/dashboard/grants/{grant}/instalments/new"


def test_a_correction_is_previewed_from_a_dry_run_then_recorded(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    bruno = member_id(client, coop, "Bruno")
    sub = subscribe(client, coop, bruno, 4, "200.00", on="2024-03-01")
    event = sub["event_ids"][0]
    web = web_for(app, service, "manager", coop)
    before = event_count(service)
    preview = post_form(
        web,
        f"/dashboard/corrections/new?reverses={event}",
        {"reverses": event, "reason": "saisie en double"},
    )
    assert preview.status_code == 200, preview.text
    reverses = re.search(r'<ul id="preview-reverses">(.*?)</ul>', preview.text, re.S)
    assert reverses and "Souscription de 200,00" in reverses[1] and "Bruno Petit" in reverses[1]
    assert event_count(service) == before  # the dry run was rolled back
    assert "Confirmer la correction" in preview.text
    confirm = web.post(
        "/dashboard/corrections/new",
        data={
            "csrf": hidden(preview.text, "csrf"),
            "idempotency_key": hidden(preview.text, "idempotency_key"),
            "confirmed": "1",
            "reverses": event,
            "reason": "saisie en double",
        },
        follow_redirects=False,
    )
    assert confirm.status_code == 303 and confirm.headers["location"] == "/dashboard/events"
    assert "Correction enregistrée" in web.get("/dashboard/events").text
    assert event_count(service) == before + 1
    holding = client.get(f"/v1/coops/{coop}/members/{bruno}").json()["holding"]
    assert holding["shares"] == 0
    again = post_form(
        web, "/dashboard/corrections/new", {"reverses": event, "reason": "encore une fois"}
    )
    assert again.status_code == 409  # the command layer's refusal, as the API's
    assert field_error(again.text, "reverses") == "Cet événement a déjà été annulé."


def test_the_statutes_form_amends_categories_and_colleges(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    form = web.get("/dashboard/statutes/new")
    assert 'name="categories.0.code" value="salaries"' in form.text
    shown = re.search(r'name="colleges\.1\.categories"[^>]* value="([^"]*)"', form.text)
    assert shown and shown[1] == "usagers, soutiens"
    assert 'name="categories.4.code" value=""' in form.text  # room for a new one
    rows = {
        "categories.0.code": "salaries",
        "categories.0.name": "Salariés",
        "categories.0.role": "employees",
        "categories.1.code": "usagers",
        "categories.1.name": "Usagers",
        "categories.1.role": "beneficiaries",
        "categories.2.code": "collectivites",
        "categories.2.name": "Collectivités",
        "categories.2.role": "public_bodies",
        "categories.2.public_body": "true",
        "categories.3.code": "soutiens",
        "categories.3.name": "Soutiens",
        "categories.3.role": "supporters",
        "categories.4.code": "benevoles",
        "categories.4.name": "Bénévoles",
        "categories.4.role": "volunteers",
        "colleges.0.code": "A",
        "colleges.0.name": "Salariés",
        "colleges.0.weight": "0,40",
        "colleges.0.categories": "salaries",
        "colleges.1.code": "B",
        "colleges.1.name": "Usagers, soutiens et bénévoles",
        "colleges.1.weight": "0,40",
        "colleges.1.categories": "usagers, soutiens, benevoles",
        "colleges.2.code": "C",
        "colleges.2.name": "Collectivités",
        "colleges.2.weight": "0,20",
        "colleges.2.categories": "collectivites",
        "effective_date": "2025-07-01",
        "reason": "AG du 30 juin 2025",
    }
    before = event_count(service)
    # a college left without weight: refused next to that row's field, nothing recorded
    refused = post_form(web, "/dashboard/statutes/new", {**rows, "colleges.2.weight": ""})
    assert refused.status_code == 422
    assert field_error(refused.text, "colleges.2.weight") == "Obligatoire."
    # a category in no college: the command layer's R4 refusal, above the form
    orphan = post_form(
        web, "/dashboard/statutes/new", {**rows, "colleges.1.categories": "usagers, soutiens"}
    )
    assert orphan.status_code == 422 and "R4" in unescape(orphan.text)
    assert event_count(service) == before
    done = post_form(web, "/dashboard/statutes/new", rows)
    assert done.status_code == 303, unescape(done.text)[-1500:]
    statutes = client.get(f"/v1/coops/{coop}", params={"as_of": "2025-07-01"}).json()["statutes"]
    assert [c["code"] for c in statutes["categories"]][-1] == "benevoles"
    assert statutes["colleges"][1]["categories"] == ["usagers", "soutiens", "benevoles"]
    assert statutes["colleges"][1]["weight"] in ("0.40", "0.4")


def test_a_former_member_whose_reimbursement_waits_pays_its_call_from_its_page(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    """R7 (C. com. L231-6): Léa holds 4 shares of 50 €, 50 € paid, 150 € called and
    unpaid; she leaves, and her reimbursement waits (R5 floor 9,900 € on 10,000 €). Her
    page offers the payment of what she owes, and nothing more is called."""
    coop = create_coop(client, statutory_floor="9900.00")
    c = f"/v1/coops/{coop}"
    staff = admit(client, coop, "Salariée", "salaries", on="2019-03-01")
    subscribe(client, coop, staff, 196, "9800.00", on="2019-03-01")
    lea = admit(client, coop, "Léa Durand", "usagers", on="2019-03-01")
    sub = subscribe(client, coop, lea, 4, "50.00", on="2019-03-01")["id"]
    call = {"subscription_id": sub, "amount": "150.00", "due_date": "2019-09-30"}
    assert client.post(f"{c}/calls", json={**call, "effective_date": "2019-06-01"}).is_success
    left = {"member_id": lea, "effective_date": "2020-01-15"}
    assert client.post(f"{c}/withdrawals", json=left).json()["status"] == "pending"
    web = web_for(app, service, "manager", coop)
    page = web.get(f"/dashboard/members/{lea}")
    start = page.text.index('id="still-owed">')
    notice = page.text[start : page.text.index("</p>", start)]
    assert "150,00\xa0€" in notice and "attend" in notice
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', page.text)
    offered = [(unescape(h), unescape(t)) for h, t in links if "subscription_id" in h]
    assert offered == [
        (
            f"/dashboard/payments/new?subscription_id={sub}",
            "Enregistrer un versement de ce qu'il reste devoir",
        )
    ]
    form = f"/dashboard/payments/new?subscription_id={sub}"
    assert f'value="{sub}" selected' in web.get(form).text
    before = event_count(service)
    over = post_form(
        web, form, {"subscription_id": sub, "amount": "150,01", "effective_date": "2020-02-01"}
    )
    assert over.status_code == 409
    said = field_error(over.text, "amount")
    assert said.startswith("R7 — ") and "avant son remboursement" in said
    assert event_count(service) == before
    done = post_form(
        web, form, {"subscription_id": sub, "amount": "100,00", "effective_date": "2020-02-01"}
    )
    assert done.status_code == 303, done.text
    page = web.get(f"/dashboard/members/{lea}")
    start = page.text.index('id="still-owed">')
    assert "50,00\xa0€" in page.text[start : page.text.index("</p>", start)]
    assert "reste devoir</a>" in page.text
    paid = {"subscription_id": sub, "amount": "50.00", "effective_date": "2020-02-02"}
    assert client.post(f"{c}/payments", json=paid).status_code == 201
    page = web.get(f"/dashboard/members/{lea}")
    assert 'id="still-owed"' not in page.text
    assert "reste devoir</a>" not in page.text and "Appeler le non-libéré" not in page.text
