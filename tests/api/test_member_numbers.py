"""Member numbers (n° d'associé): given at admission or assigned in sequence, unique in
the cooperative, carried by the admission event, shown and searched everywhere."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pypdf
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.chain import canonical_json
from ledger.schema import events
from scic.domain.members import MemberAdmitted
from scic.events import build_registry
from scic.service import Service
from tests.api.conftest import create_coop, issue_token, subscribe


def _admit(client: TestClient, coop: str, name: str, **extra: Any) -> Any:
    return client.post(
        f"/v1/coops/{coop}/members",
        json={
            "name": name,
            "kind": "person",
            "category": "usagers",
            "admitted_on": "2019-03-01",
            **extra,
        },
    )


def _members(client: TestClient, coop: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/v1/coops/{coop}/members", params=params)
    assert response.status_code == 200, response.text
    members: list[dict[str, Any]] = response.json()["members"]
    return members


def test_numbers_given_or_assigned_in_sequence(client: TestClient, service: Service) -> None:
    coop = create_coop(client)
    first = _admit(client, coop, "Anne Martin").json()["id"]
    given = _admit(client, coop, "Basile Roux", number="12").json()["id"]
    after = _admit(client, coop, "Chloé Petit").json()["id"]
    numbers = {m["id"]: m["number"] for m in _members(client, coop)}
    assert numbers == {first: "1", given: "12", after: "13"}
    detail = client.get(f"/v1/coops/{coop}/members/{given}").json()
    assert detail["number"] == "12"
    # the admission event carries it
    with service.engine.connect() as conn:
        data = conn.execute(
            sa.select(events.c.data).where(
                events.c.type == "MemberAdmitted", events.c.subject_id == given
            )
        ).scalar_one()
    assert data["number"] == "12"


def test_a_number_already_used_is_409(client: TestClient) -> None:
    coop = create_coop(client)
    assert _admit(client, coop, "Anne Martin", number="A-7").status_code == 201
    assert _admit(client, coop, "Basile Roux", number="12").status_code == 201
    for taken in ("12", "012", "a-7"):
        refused = _admit(client, coop, "Chloé Petit", number=taken)
        assert refused.status_code == 409, refused.text
        assert refused.json()["type"].endswith("/member-number-taken")
        assert taken in refused.json()["detail"]
    # another cooperative may use the same numbers
    other = create_coop(client, siren="552100554")
    assert _admit(client, other, "Anne Martin", number="12").status_code == 201
    # and a batch cannot give one number twice
    batch = client.post(
        f"/v1/coops/{coop}/batch",
        json={
            "commands": [
                {
                    "type": "members",
                    "body": {"name": n, "kind": "person", "category": "usagers", "number": "40"},
                }
                for n in ("Denis", "Émile")
            ]
        },
    )
    assert batch.status_code == 409, batch.text
    assert len(_members(client, coop)) == 2


def test_a_malformed_number_is_422(client: TestClient) -> None:
    coop = create_coop(client)
    for bad in ("", " 12", "12\n", "n°12", "x" * 21, 12):
        refused = _admit(client, coop, "Anne Martin", number=bad)
        assert refused.status_code == 422, (bad, refused.text)
    assert _members(client, coop) == []


def test_search_finds_a_member_by_number(client: TestClient) -> None:
    coop = create_coop(client)
    _admit(client, coop, "Anne Martin", number="012")
    _admit(client, coop, "Basile Roux", number="A-3")
    _admit(client, coop, "Chloé Petit", number="120")
    for q, name in (("12", "Anne Martin"), ("n° 012", "Anne Martin"), ("a-3", "Basile Roux")):
        assert [m["name"] for m in _members(client, coop, q=q)] == [name], q
    assert [m["name"] for m in _members(client, coop, q="martin")] == ["Anne Martin"]


def test_an_admission_without_a_number_keeps_its_bytes() -> None:
    """Admissions stored before numbers existed read, fold and hash as before."""
    stored = {"member_id": "m", "party_id": "p", "kind": "person", "category": "c"}
    registry = build_registry()
    assert registry.validate("MemberAdmitted", stored) == stored
    assert canonical_json(MemberAdmitted.model_validate(stored).model_dump(mode="json")) == (
        '{"category":"c","kind":"person","member_id":"m","party_id":"p"}'
    )
    assert MemberAdmitted.model_validate(stored).number is None


def test_every_register_format_shows_the_numbers(client: TestClient) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martin", number="A-7").json()["id"]
    basile = _admit(client, coop, "Basile Roux", number="12").json()["id"]
    subscribe(client, coop, anne, 2, "100.00")
    subscribe(client, coop, basile, 1, "50.00")
    url = f"/v1/coops/{coop}/reports/member-register"
    doc = client.get(url, params={"as_of": "2020-01-01"}).json()
    numbers = {r["name"]: r["number"] for r in doc["tables"][0]["rows"]}
    assert numbers == {"Anne Martin": "A-7", "Basile Roux": "12"}

    body = client.get(url, params={"as_of": "2020-01-01", "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = next(i for i, r in enumerate(rows) if "N° d'associé" in r)
    col = rows[header].index("N° d'associé")
    name_col = rows[header].index("Associé")
    found = {r[name_col]: r[col] for r in rows[header + 1 :] if len(r) > name_col}
    assert found["Anne Martin"] == "A-7" and found["Basile Roux"] == "12"

    body = client.get(url, params={"as_of": "2020-01-01", "format": "xlsx"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    header_row = [c.value for c in sheet[5]]
    col, name_col = header_row.index("N° d'associé"), header_row.index("Associé")
    cells = {r[name_col]: r[col] for r in sheet.iter_rows(min_row=6, values_only=True)}
    assert cells["Anne Martin"] == "A-7" and cells["Basile Roux"] == "12"

    body = client.get(url, params={"as_of": "2020-01-01", "format": "pdf"}).content
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    lines = text.splitlines()
    assert any("A-7" in line and "Anne Martin" in line for line in lines), text
    assert any("12" in line and "Basile Roux" in line for line in lines), text

    ocf = client.get(f"/v1/coops/{coop}/reports/ocf", params={"as_of": "2020-01-01"})
    assert ocf.status_code == 200, ocf.text
    assert "A-7" in ocf.text and '"12"' in ocf.text


def _read_back(client: TestClient, url: str, params: dict[str, Any], key: str) -> list[Any]:
    """{name: number} as each format of a report shows it: JSON, CSV, XLSX (openpyxl) and
    PDF (pypdf, the lines naming each member)."""
    found: list[Any] = []
    doc = client.get(url, params=params).json()
    found.append({r["name"]: r[key] for r in doc["tables"][0]["rows"]})
    body = client.get(url, params={**params, "format": "csv"}).content
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = next(i for i, r in enumerate(rows) if "N° d'associé" in r)
    col, name_col = rows[header].index("N° d'associé"), rows[header].index("Associé")
    found.append({r[name_col]: r[col] for r in rows[header + 1 :] if len(r) > name_col})
    body = client.get(url, params={**params, "format": "xlsx"}).content
    sheet = openpyxl.load_workbook(io.BytesIO(body)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(values) if "N° d'associé" in r)
    col, name_col = values[header].index("N° d'associé"), values[header].index("Associé")
    found.append({r[name_col]: r[col] for r in values[header + 1 :] if r[name_col]})
    body = client.get(url, params={**params, "format": "pdf"}).content
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    found.append(text.splitlines())
    return found


def test_the_movements_register_and_the_tax_certificates_show_the_numbers(
    client: TestClient,
) -> None:
    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martin", number="A-7").json()["id"]
    basile = _admit(client, coop, "Basile Roux", number="12").json()["id"]
    subscribe(client, coop, anne, 2, "100.00")
    subscribe(client, coop, basile, 1, "50.00")
    for report, params in (
        ("movements", {"as_of": "2020-01-01"}),
        ("tax-certificates", {"as_of": "2019-12-31", "year": "2019"}),
    ):
        as_json, as_csv, as_xlsx, pdf_lines = _read_back(
            client, f"/v1/coops/{coop}/reports/{report}", params, "member_number"
        )
        for shown in (as_json, as_csv, as_xlsx):
            assert shown["Anne Martin"] == "A-7" and shown["Basile Roux"] == "12", (report, shown)
        assert any("A-7" in line and "Anne Martin" in line for line in pdf_lines), report
        assert any("12" in line and "Basile Roux" in line for line in pdf_lines), report


def test_certificates_exports_and_pages_show_the_number(
    client: TestClient, service: Service
) -> None:
    from tests.web.conftest import signed_in

    coop = create_coop(client)
    anne = _admit(client, coop, "Anne Martin", number="A-7").json()["id"]
    _admit(client, coop, "Basile Roux", number="12")
    subscribe(client, coop, anne, 2, "100.00")
    member = f"/v1/coops/{coop}/members/{anne}"
    # the share certificate, in PDF (read back) and in English
    for lang, words in (("fr", "N° d'associé A-7"), ("en", "Member number A-7")):
        pdf = client.get(
            f"{member}/documents/certificate",
            params={"as_of": "2020-01-01", "lang": lang},
        )
        assert pdf.status_code == 200, pdf.text
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
        assert words in text, text
    # the member's data export (GDPR)
    data = client.get(f"{member}/data")
    assert data.status_code == 200 and data.json()["member"]["number"] == "A-7", data.text
    # the members list, its search, and the member page
    web = signed_in(client.app, issue_token(service, "manager", coop).secret)  # type: ignore[arg-type]
    listing = web.get("/dashboard/members")
    assert listing.status_code == 200
    assert re.search(r"<td>A-7</td><th scope=\"row\"><a [^>]*>Anne Martin</a>", listing.text)
    assert re.search(r"<td>12</td><th scope=\"row\"><a [^>]*>Basile Roux</a>", listing.text)
    found = web.get("/dashboard/members", params={"q": "a-7"}).text
    assert "Anne Martin" in found and "Basile Roux" not in found
    page = web.get(f"/dashboard/members/{anne}").text
    assert re.search(
        r"<dt>N° d&#39;associé</dt><dd>A-7</dd>|<dt>N° d'associé</dt><dd>A-7</dd>", page
    )
