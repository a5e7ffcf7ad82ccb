"""Member and funder documents over HTTP: the PDFs are read back (pypdf: names, figures
in French format, dates) and rendered to PNG under test-artefacts/documents/; the same
request gives the same bytes; a certificate as at two dates differs exactly by the
movements between them; every refusal (another cooperative's member, another funder's
grant, a date before admission, an organisation's tax statement…) is problem+json."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ClientFor, admit, create_coop, subscribe
from tests.conftest import BACKEND

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("SCIC_SCREENSHOTS", ROOT / "test-artefacts" / "screenshots"))
PROFILE = {"registered_office": "12 rue des Ateliers, 69001 Lyon", "purpose": "Tiers-lieu"}


def pdf_text(body: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(body))
    return "\n".join(page.extract_text() for page in reader.pages)


def keep_png(body: bytes, name: str) -> Path:
    """The first page as PNG beside the browser screenshots (for people to look at)."""
    folder = ARTEFACTS.parent / "documents" / BACKEND
    folder.mkdir(parents=True, exist_ok=True)
    page = pypdfium2.PdfDocument(body)[0]
    path = folder / f"{name}.png"
    page.render(scale=1.5).to_pil().save(path)
    assert path.stat().st_size > 10_000  # a rendered page, not an empty image
    return path


def money(text: str) -> int:
    return int(Decimal(text) * 100)


@pytest.fixture
def coop(client: TestClient) -> dict[str, Any]:
    """Élodie (person) subscribes 25 shares of 50 € with 500 € paid in 2019, pays 750 € in
    2020, subscribes 4 more in 2021; the Mairie (organisation) holds 10."""
    coop = create_coop(client)
    assert client.put(f"/v1/coops/{coop}/profile", json=PROFILE).status_code == 200
    elodie = admit(client, coop, "Élodie Marchand", "usagers")
    first = subscribe(client, coop, elodie, 25, "500.00")["id"]
    paid = client.post(
        f"/v1/coops/{coop}/payments",
        json={"subscription_id": first, "amount": "750.00", "effective_date": "2020-06-15"},
    )
    assert paid.status_code == 201, paid.text
    second = subscribe(client, coop, elodie, 4, "200.00", on="2021-02-10")["id"]
    mairie = admit(client, coop, "Mairie du Coin", "collectivites", kind="organisation")
    subscribe(client, coop, mairie, 10, "500.00")
    return {"id": coop, "elodie": elodie, "mairie": mairie, "first": first, "second": second}


def closed(doc: dict[str, Any]) -> None:
    """The JSON is exactly its documented schema (DocumentJson: no key it does not list)."""
    from scic.api.routes.documents import DocumentJson

    DocumentJson.model_validate(doc)


def _doc(client: TestClient, coop: dict[str, Any], path: str, **params: Any) -> Any:
    response = client.get(f"/v1/coops/{coop['id']}/{path}", params=params)
    assert response.status_code == 200, response.text
    return response


def test_certificate_pdf_names_the_member_and_figures_in_french(
    client: TestClient, coop: dict[str, Any]
) -> None:
    path = f"members/{coop['elodie']}/documents/certificate"
    response = _doc(client, coop, path, as_of="2021-03-01")
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "Attestation de détention de parts sociales" in text
    assert "Élodie Marchand" in text
    assert "La Fabrique du Coin" in text and "SIREN 732829320" in text
    assert "12 rue des Ateliers, 69001 Lyon" in text
    assert "SCIC SAS à capital variable" in text
    assert "au 01/03/2021" in text
    assert "Parts 29" in text
    assert "Souscrit 1 450,00 €" in text
    assert "Libéré 1 450,00 €" in text
    assert "Reste à libérer 0,00 €" in text
    assert "Usagers et soutiens" in text  # the college of its category then
    assert "10/02/2021" in text  # the second subscription, with its date
    again = _doc(client, coop, path, as_of="2021-03-01")
    assert again.content == response.content  # byte-identical when produced again
    keep_png(response.content, "certificate_fr")


def test_certificate_in_english_on_request(client: TestClient, coop: dict[str, Any]) -> None:
    path = f"members/{coop['elodie']}/documents/certificate"
    by_query = _doc(client, coop, path, as_of="2021-03-01", lang="en")
    text = pdf_text(by_query.content)
    assert "Share certificate" in text and "Shares held" in text
    assert "€1,450.00" in text and "1 March 2021" in text
    header = client.get(
        f"/v1/coops/{coop['id']}/{path}",
        params={"as_of": "2021-03-01"},
        headers={"Accept-Language": "de-DE, en;q=0.8, fr;q=0.5"},
    )
    assert header.content == by_query.content
    assert header.headers["content-language"] == "en"
    keep_png(by_query.content, "certificate_en")
    bad = client.get(f"/v1/coops/{coop['id']}/{path}", params={"lang": "de"})
    assert bad.status_code == 422 and bad.json()["type"] == "/errors/unsupported-language"


def test_certificate_at_two_dates_differs_by_the_movements_between(
    client: TestClient, coop: dict[str, Any]
) -> None:
    path = f"members/{coop['elodie']}/documents/certificate"
    early = _doc(client, coop, path, as_of="2019-12-31", format="json").json()
    late = _doc(client, coop, path, as_of="2021-03-01", format="json").json()
    closed(early)
    between = late["movements"][len(early["movements"]) :]
    assert late["movements"][: len(early["movements"])] == early["movements"]
    assert [m["effective_date"] for m in between] == ["2020-06-15", "2021-02-10"]
    assert [m["kind"] for m in between] == ["payment", "subscription"]
    for key in ("subscribed", "called", "paid"):
        moved = sum(money(m[key]) for m in between)
        assert money(late["holding"][key]) - money(early["holding"][key]) == moved
    assert late["holding"]["shares"] - early["holding"]["shares"] == sum(
        m["shares"] for m in between
    )
    assert early["holding"] == {
        "shares": 25,
        "nominal": "50.00",
        "subscribed": "1250.00",
        "called": "500.00",
        "paid": "500.00",
        "unpaid": "750.00",
    }
    assert sum(s["shares"] for s in late["subscriptions"]) == late["holding"]["shares"]
    # the PDF says the same: the early one has neither the payment nor the new shares
    early_pdf = pdf_text(_doc(client, coop, path, as_of="2019-12-31").content)
    assert "15/06/2020" not in early_pdf and "Parts 25" in early_pdf


def test_subscription_form_is_ready_to_sign(client: TestClient, coop: dict[str, Any]) -> None:
    response = _doc(client, coop, f"subscriptions/{coop['second']}/form")
    text = pdf_text(response.content)
    assert "Bulletin de souscription de parts sociales" in text
    assert "Élodie Marchand" in text
    assert "Date de la souscription 10/02/2021" in text
    assert "Parts 4" in text
    assert "Valeur nominale d'une part 50,00 €" in text
    assert "Montant souscrit 200,00 €" in text
    assert "Versé à la souscription 200,00 €" in text
    assert "Reste dû 0,00 €" in text
    assert "Capital souscrit au 10/02/2021 1 950,00 €" in text  # 25 + 10 + 4 shares
    assert "toutes lettres" in text and "statuts" in text and "Signature" in text
    assert response.content == _doc(client, coop, f"subscriptions/{coop['second']}/form").content
    first = pdf_text(_doc(client, coop, f"subscriptions/{coop['first']}/form").content)
    assert "Versé à la souscription 500,00 €" in first and "Reste dû 750,00 €" in first
    assert "À libérer au plus tard le 01/03/2024" in first
    keep_png(response.content, "subscription_form")


def test_annual_statement_gives_the_year_opening_closing_and_movements(
    client: TestClient, coop: dict[str, Any]
) -> None:
    path = f"members/{coop['elodie']}/documents/annual-statement"
    doc = _doc(client, coop, path, year=2020, format="json").json()
    closed(doc)
    assert doc["opening"]["paid"] == "500.00" and doc["closing"]["paid"] == "1250.00"
    assert [m["kind"] for m in doc["movements"]] == ["payment"]
    text = pdf_text(_doc(client, coop, path, year=2020).content)
    assert "exercice 2020, du 01/01/2020 au 31/12/2020" in text
    assert "15/06/2020" in text and "750,00 €" in text
    assert "Aucune affectation du résultat" in text
    keep_png(_doc(client, coop, path, year=2020).content, "annual_statement")


def test_tax_statement_carries_the_mandatory_mentions(
    client: TestClient, coop: dict[str, Any]
) -> None:
    path = f"members/{coop['elodie']}/documents/tax-statement"
    doc = _doc(client, coop, path, year=2020, format="json").json()
    closed(doc)
    assert doc["summary"] == {
        "paid": "750.00",
        "eligible": "750.00",
        "rates": "18 %",  # 2020-06-15: before the 25 % window opened on 2020-08-10
        "reduction": "135.00",
    }
    assert doc["issuer"]["purpose"] == "Tiers-lieu"
    assert doc["subscriptions"][0]["keep_until"] == "2024-12-31"
    assert {m["key"] for m in doc["mentions"]} >= {"conditions", "holding", "ceiling"}
    text = pdf_text(_doc(client, coop, path, year=2020).content)
    assert "199 terdecies-0 A" in text and "Élodie Marchand" in text
    assert "Objet social Tiers-lieu" in text
    assert "15/06/2020" in text and "750,00 €" in text
    assert "31/12/2024" in text
    keep_png(_doc(client, coop, path, year=2020).content, "tax_statement")


def test_grant_statement_for_its_funder(
    client: TestClient, coop: dict[str, Any], client_for: ClientFor, service: Any
) -> None:
    c = coop["id"]
    grants = []
    for name in ("Région Rhône-Alpes", "Fondation du Coin"):
        r = client.post(
            f"/v1/coops/{c}/grants",
            json={
                "funder": {"name": name, "type": "region" if "Région" in name else "foundation"},
                "purpose": "operating",
                "amount": "20000.00",
                "awarded_on": "2024-01-15",
                "justify_by": "2025-06-30",
                "de_minimis": False,
                "agreement_ref": "CONV-2024-17",
                "period_start": "2024-01-01",
                "period_end": "2024-12-31",
            },
        )
        assert r.status_code == 201, r.text
        grants.append(r.json())
    gid = grants[0]["id"]
    for kind, amount, on in (
        ("instalments", "8000.00", "2024-02-01"),
        ("instalments", "6000.00", "2024-09-01"),
        ("justifications", "5000.00", "2024-12-15"),
        ("clawbacks", "1000.00", "2025-01-10"),
    ):
        body: dict[str, Any] = {"amount": amount, "effective_date": on}
        if kind == "clawbacks":
            body["reason"] = "unspent"
        assert client.post(f"/v1/coops/{c}/grants/{gid}/{kind}", json=body).status_code == 201
    with service.engine.connect() as conn:
        from scic.projections.tables import funders

        party = (
            conn.execute(funders.select().where(funders.c.funder_id == grants[0]["funder_id"]))
            .one()
            .party_id
        )
    funder = client_for("funder", c, party)
    doc = funder.get(f"/v1/coops/{c}/grants/{gid}/statement", params={"format": "json"}).json()
    closed(doc)
    assert doc["figures"] == {
        "awarded": "20000.00",
        "received": "14000.00",
        "justified": "5000.00",
        "clawed_back": "1000.00",
        "to_receive": "6000.00",
        "to_justify": "8000.00",
    }
    assert [h["kind"] for h in doc["history"]] == [
        "awarded",
        "received",
        "received",
        "justified",
        "clawed_back",
    ]
    before = funder.get(
        f"/v1/coops/{c}/grants/{gid}/statement", params={"format": "json", "as_of": "2024-06-30"}
    ).json()
    assert before["figures"]["received"] == "8000.00"
    pdf = funder.get(f"/v1/coops/{c}/grants/{gid}/statement")
    text = pdf_text(pdf.content)
    assert "État de la subvention" in text and "CONV-2024-17" in text
    assert "du 01/01/2024 au 31/12/2024" in text and "14 000,00 €" in text
    keep_png(pdf.content, "grant_statement")
    # a funder reads no member's documents
    own = f"/v1/coops/{c}/members/{coop['elodie']}/documents/certificate"
    assert funder.get(own).status_code == 403
    # another funder's grant: 404, as if it did not exist
    other = funder.get(f"/v1/coops/{c}/grants/{grants[1]['id']}/statement")
    assert other.status_code == 404
    early = client.get(f"/v1/coops/{c}/grants/{gid}/statement", params={"as_of": "2023-12-31"})
    assert early.status_code == 422 and "2024-01-15" in early.json()["detail"]


def test_access_rules(
    client: TestClient, coop: dict[str, Any], client_for: ClientFor, service: Any
) -> None:
    c = coop["id"]
    with service.engine.connect() as conn:
        from scic.projections.tables import members

        party = (
            conn.execute(members.select().where(members.c.member_id == coop["elodie"]))
            .one()
            .party_id
        )
    member = client_for("member", c, party)
    own = f"/v1/coops/{c}/members/{coop['elodie']}/documents/certificate"
    assert member.get(own).status_code == 200
    assert member.get(f"/v1/coops/{c}/subscriptions/{coop['first']}/form").status_code == 200
    for path in (
        f"/v1/coops/{c}/members/{coop['mairie']}/documents/certificate",
        f"/v1/coops/{c}/subscriptions/nope/form",
    ):
        refused = member.get(path)
        assert refused.status_code == 404, path
        assert refused.headers["content-type"] == "application/problem+json"
    for role in ("manager", "accountant"):
        assert client_for(role, c).get(own).status_code == 200
    # another cooperative's manager does not learn the member exists
    other = create_coop(client, name="Autre SCIC", siren="552100554")
    assert client_for("manager", other).get(own).status_code == 404
    stray = client.get(f"/v1/coops/{other}/members/{coop['elodie']}/documents/certificate")
    assert stray.status_code == 404


def test_refusals(client: TestClient, coop: dict[str, Any]) -> None:
    c, m = coop["id"], coop["elodie"]
    base = f"/v1/coops/{c}/members/{m}/documents"
    early = client.get(f"{base}/certificate", params={"as_of": "2019-02-28"})
    assert early.status_code == 422
    assert early.json()["type"] == "/errors/as-of-before-admission"
    assert "2019-03-01" in early.json()["detail"]
    for params in ({"year": 2018}, {"year": 2019, "format": "xlsx"}):
        r = client.get(f"{base}/annual-statement", params=params)
        assert r.status_code in (404, 422), r.text
    organisation = client.get(
        f"/v1/coops/{c}/members/{coop['mairie']}/documents/tax-statement", params={"year": 2019}
    )
    assert organisation.status_code == 422
    assert organisation.json()["type"] == "/errors/tax-statement-for-persons"
    nothing = client.get(f"{base}/tax-statement", params={"year": 2022})
    assert nothing.status_code == 422 and nothing.json()["rule"] == "R13"
    assert "2022" in nothing.json()["detail"]
    assert client.get(f"{base}/nonsense").status_code == 422
    assert client.get(f"{base}/certificate", params={"format": "docx"}).status_code == 422
    assert client.get(f"/v1/coops/{c}/members/mbr_nobody/documents/certificate").status_code == 404
    assert client.put(f"/v1/coops/{c}/profile", json={"siege": "x"}).status_code == 422
