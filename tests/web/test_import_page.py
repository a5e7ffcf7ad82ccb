"""The register import page: upload, review the dry run, confirm; a second upload of the
same register has nothing to do; contradictions are shown in French, nothing written."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import create_coop, event_count, issue_token
from tests.web.conftest import csrf_of, signed_in

REGISTER = "\r\n".join(
    [
        "N° d'associé;Nom;Catégorie;Date d'admission;Parts;Montant versé",
        "1;Anne Martin;Salariés;01/03/2019;2;100,00",
        "2;Basile Roux;usagers;15/03/2019;1;50,00",
    ]
).encode()


def _upload(web: TestClient, content: bytes, **fields: str) -> str:
    page = web.get("/dashboard/imports")
    assert page.status_code == 200, page.text
    response = web.post(
        "/dashboard/imports",
        data={"csrf": csrf_of(page.text), **fields},
        files={"register": ("registre.csv", content, "text/csv")},
    )
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def _confirm(web: TestClient, review: str) -> str:
    data = {
        name: value
        for name, value in re.findall(r'name="(\w+)" value="([^"]*)"', review)
        if name in ("csrf", "name", "file_data", "apply_corrections")
    }
    response = web.post("/dashboard/imports/confirm", data=data)
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


def test_upload_review_confirm_then_nothing_to_do(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    web = signed_in(app, issue_token(service, "manager", coop).secret)
    before = event_count(service)

    review = _upload(web, REGISTER)

    assert "2 associé(s), 2 souscription(s), 0 versement(s) seront enregistrés" in review
    assert 'id="confirm"' in review
    assert event_count(service) == before  # the review wrote nothing

    done = _confirm(web, review)

    assert "2 associé(s), 2 souscription(s), 0 versement(s) enregistrés" in done
    assert event_count(service) == before + 4
    members = client.get(f"/v1/coops/{coop}/members").json()["members"]
    assert {m["name"]: m["number"] for m in members} == {"Anne Martin": "1", "Basile Roux": "2"}

    again = _upload(web, REGISTER)
    assert "2 associé(s), 2 souscription(s), 0 versement(s) déjà enregistrés : rien à faire" in (
        again
    )
    assert 'id="confirm"' not in again


def test_contradictions_and_bad_files_are_shown_and_nothing_is_written(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    web = signed_in(app, issue_token(service, "manager", coop).secret)
    _confirm(web, _upload(web, REGISTER))
    before = event_count(service)
    edited = REGISTER.replace(b"1;Anne Martin;Salari\xc3\xa9s;01/03/2019;2;100,00",
                              b"1;Anne Martin;Salari\xc3\xa9s;01/03/2019;3;150,00")  # fmt: skip

    shown = _upload(web, edited)
    assert "contredit le registre : rien n'est enregistré" in shown
    row = re.search(r"<tr><td>2</td><td>Anne Martin, n° 1</td>(.*?)</tr>", shown, re.S)
    assert row, shown
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row[1])]
    assert cells == [
        "souscription du 01/03/2019",
        "2 part(s) le 01/03/2019, 100,00\u00a0€ versés alors",
        "3 part(s) le 01/03/2019, 150,00\u00a0€ versés alors",
        "possible",
    ]
    assert "Cochez « Corriger le registre selon le fichier »" in shown

    fixing = _upload(web, edited, apply_corrections="1")
    assert "et 1 correction(s) seront enregistrés" in fixing
    _confirm(web, fixing)
    assert event_count(service) == before + 2  # the reversal and the new subscription

    garbage = _upload(web, b"\x00\x01PNG")
    assert "neither a CSV text file nor an .xlsx workbook" in garbage
    assert event_count(service) == before + 2


def test_only_a_manager_imports_and_the_form_needs_its_csrf(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    accountant = signed_in(app, issue_token(service, "accountant", coop).secret)
    assert accountant.get("/dashboard/imports").status_code == 403
    web = signed_in(app, issue_token(service, "manager", coop).secret)
    web.get("/dashboard/imports")
    forged = web.post(
        "/dashboard/imports",
        data={"csrf": "forged"},
        files={"register": ("registre.csv", REGISTER, "text/csv")},
    )
    assert forged.status_code == 400
    assert "Le formulaire a expiré" in html.unescape(forged.text)


def test_what_cannot_be_corrected_says_why_in_the_page_language(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    web = signed_in(app, issue_token(service, "manager", coop).secret)
    _confirm(web, _upload(web, REGISTER))
    before = event_count(service)
    edited = REGISTER.replace(
        b"2;Basile Roux;usagers;15/03/2019", b"2;Basile Roux;usagers;16/03/2019"
    )
    edited += b"\r\n1;Anne Martin;;;;;;"  # a payment-only line...
    edited = edited.replace(
        b"Montant vers\xc3\xa9",
        b"Montant vers\xc3\xa9;Date de souscription;Versement;Date du versement",
    )
    edited = edited.replace(
        b"1;Anne Martin;;;;;;", b"1;Anne Martin;;;;;2019-06-01;20,00;2019-07-01"
    )

    shown = _upload(web, edited, apply_corrections="1")

    assert "contredit le registre : rien n'est enregistré" in shown, shown
    assert "date d'admission" in shown and "15/03/2019" in shown and "16/03/2019" in shown
    assert "impossible (une admission ne s'annule pas)" in shown
    # ...on a subscription the ledger does not hold: another reason than an admission
    assert (
        "un versement de 20,00\u00a0€ sur la souscription du 01/06/2019, que le registre ne "
        "contient pas" in shown
    )
    assert "impossible (dites quelle souscription il paie, ou ajoutez la ligne" in shown
    assert "Cochez « Corriger" not in shown
    assert 'id="confirm"' not in shown

    web.cookies.set("scic_lang", "en")
    english = _upload(web, edited)
    assert "The file registre.csv contradicts the register: nothing is recorded" in english
    assert "impossible (an admission is never reversed)" in english
    assert "admission date" in english
    assert event_count(service) == before
