"""Reports over HTTP: every report in every format carries the JSON's figures (XLSX read
back with openpyxl, PDF text read back with pypdf, CSV parsed), files are byte-identical
from one export to the next, the capital variation and the registers reconcile with the
capital table, and bad requests are problem+json."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.demo import seed_demo
from scic.projections.tables import coops, funders, members
from scic.reports.formats import french
from scic.service import Service
from tests.api.conftest import ClientFor, admit, create_coop, subscribe
from tests.live import scic_script

TABLE_REPORTS = (
    "member-register",
    "movements",
    "capital-variation",
    "grant-statement",
    "titles-schedule",
    "tax-certificates",
)
DEMO_YEARS = range(2019, 2026)


@pytest.fixture
def demo(service: Service, client: TestClient) -> str:
    seed_demo(service)
    with service.engine.connect() as conn:
        return str(conn.execute(sa.select(coops.c.coop_id)).scalar_one())


def _get(client: TestClient, coop: str, name: str, **params: Any) -> Any:
    response = client.get(f"/v1/coops/{coop}/reports/{name}", params=params)
    assert response.status_code == 200, response.text
    return response


def _cents(text: str | None) -> int | None:
    return None if text is None else int(Decimal(text) * 100)


def _expected_cells(table: dict[str, Any]) -> list[list[Any]]:
    """The JSON rows (and totals) as typed values: cents, dates, ints, text."""
    out = []
    for row in [*table["rows"], *([table["totals"]] if table["totals"] else [])]:
        cells: list[Any] = []
        for column in table["columns"]:
            value = row.get(column["key"])
            if value is None or value == "":  # an empty cell reads back as None
                cells.append(None)
            elif column["kind"] == "money":
                cells.append(_cents(value))
            elif column["kind"] == "date":
                cells.append(date.fromisoformat(value))
            elif column["kind"] == "rate":
                cells.append(Decimal(value))
            else:
                cells.append(value)
        out.append(cells)
    return out


def _xlsx_cells(sheet: Any, table: dict[str, Any]) -> list[list[Any]]:
    header = [c.value for c in sheet[5]]
    assert header == [c["label"] for c in table["columns"]]
    assert sheet.freeze_panes == "A6"
    out = []
    for row in sheet.iter_rows(min_row=6):
        cells: list[Any] = []
        for column, cell in zip(table["columns"], row, strict=True):
            value = cell.value
            if value is None:
                cells.append(None)
            elif column["kind"] == "money":
                assert isinstance(value, int | float) and "€" in cell.number_format
                cells.append(round(value * 100))
            elif column["kind"] == "date":
                assert isinstance(value, datetime)
                cells.append(value.date())
            elif column["kind"] == "rate":
                cells.append(Decimal(str(value)))
            elif column["kind"] == "bool":
                cells.append(value == "oui")
            else:
                cells.append(value)
        out.append(cells)
    return out


def _check_xlsx(body: bytes, doc: dict[str, Any]) -> None:
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.properties.modified == book.properties.created == datetime(2000, 1, 1)
    assert len(book.worksheets) == len(doc["tables"])
    for sheet, table in zip(book.worksheets, doc["tables"], strict=True):
        assert doc["coop"]["name"] in sheet["A1"].value
        assert sheet["B3"].value.date() == date.fromisoformat(doc["as_of"])
        assert _xlsx_cells(sheet, table) == _expected_cells(table)


def _check_pdf(body: bytes, doc: dict[str, Any]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(body))
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert reader.pages[0].mediabox.width in (595, 595.28, 842, 841.89)  # A4
    assert doc["coop"]["name"] in text and f"SIREN {doc['coop']['siren']}" in text
    assert french.day(date.fromisoformat(doc["as_of"])) in text
    assert f"Page {len(pages)}/{len(pages)}" in pages[-1]
    lines = text.splitlines()
    for table in doc["tables"]:
        rows = [*table["rows"], *([table["totals"]] if table["totals"] else [])]
        for row in rows:
            figures = [
                french.euros(_cents(row[c["key"]]) or 0)
                for c in table["columns"]
                if c["kind"] == "money" and row.get(c["key"]) is not None
            ]
            # every figure of the row on one line of the PDF, in order
            assert any(_in_order(figures, line) for line in lines), (row, figures)


def _in_order(parts: list[str], line: str) -> bool:
    at = 0
    for part in parts:
        found = line.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _check_csv(body: bytes, doc: dict[str, Any]) -> None:
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    for table in doc["tables"]:
        header = [c["label"] for c in table["columns"]]
        start = rows.index(header) + 1
        expected = _expected_cells(table)
        got = rows[start : start + len(expected)]
        for want, have in zip(expected, got, strict=True):
            for column, w, h in zip(table["columns"], want, have, strict=True):
                if column["kind"] == "money" and w is not None:
                    assert int(Decimal(h.replace(",", ".")) * 100) == w
                elif column["kind"] == "date" and w is not None:
                    assert date.fromisoformat(h) == w


@pytest.mark.parametrize("name", TABLE_REPORTS)
def test_every_format_carries_the_json_figures(client: TestClient, demo: str, name: str) -> None:
    params: dict[str, Any] = {"year": 2024}
    doc = _get(client, demo, name, **params).json()
    assert doc["report"] == name and doc["coop"]["siren"] == "852916345"
    assert any(t["rows"] for t in doc["tables"]), "the demo fills every report"
    for fmt, check in (("xlsx", _check_xlsx), ("pdf", _check_pdf), ("csv", _check_csv)):
        first = _get(client, demo, name, format=fmt, **params)
        assert first.headers["content-disposition"] == (
            f'attachment; filename="{name}_852916345_2024.{fmt}"'
        )
        check(first.content, doc)
        again = _get(client, demo, name, format=fmt, **params)
        assert again.content == first.content, f"{name}.{fmt} is not byte-identical"


def _capital(client: TestClient, coop: str, on: date, group_by: str) -> dict[str, Any]:
    response = client.get(
        f"/v1/coops/{coop}/capital-table", params={"as_of": on.isoformat(), "group_by": group_by}
    )
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _check_variation(client: TestClient, coop: str, **params: Any) -> dict[str, Any]:
    doc = _get(client, coop, "capital-variation", **params).json()
    start, end = date.fromisoformat(doc["start"]), date.fromisoformat(doc["as_of"])
    for table, group_by in zip(doc["tables"], ("category", "college"), strict=True):
        opening = {
            r["key"]: r for r in _capital(client, coop, start - timedelta(1), group_by)["rows"]
        }
        closing_table = _capital(client, coop, end, group_by)
        closing = {r["key"]: r for r in closing_table["rows"]}
        for row in table["rows"]:
            c = {k: _cents(row[k]) or 0 for k in row if k not in ("key", "label")}
            flows = c["subscriptions"] - c["reimbursements"] + c["transfers"] + c["corrections"]
            assert c["opening"] + c["reclassified"] + flows == c["closing"], row
            was = opening.get(row["key"])
            assert c["opening"] == (_cents(was["subscribed"]) if was else 0), row
            now = closing.get(row["key"])
            assert c["closing"] == (_cents(now["subscribed"]) if now else 0), row
            assert c["paid"] == (_cents(now["paid"]) if now else 0), row
            assert row["closing_shares"] == (now["shares"] if now else 0)
        totals = table["totals"]
        assert totals["closing"] == closing_table["totals"]["subscribed"]
        assert totals["closing_shares"] == closing_table["totals"]["shares"]
    return doc


def test_capital_variation_reconciles_with_the_capital_table_on_the_demo(
    client: TestClient, demo: str
) -> None:
    moved = 0
    for year in DEMO_YEARS:
        doc = _check_variation(client, demo, year=year)
        totals = doc["tables"][0]["totals"]
        moved += _cents(totals["reimbursements"]) or 0
        assert doc["summary"]["Capital à la clôture"] == totals["closing"]
    assert moved > 0  # the demo reimburses someone
    _check_variation(client, demo, as_of="2025-06-30")


def test_registers_add_up_to_the_capital_table(client: TestClient, demo: str) -> None:
    for on in ("2021-12-31", "2024-08-31", "2025-12-31"):
        table = _capital(client, demo, date.fromisoformat(on), "member")["totals"]
        register = _get(client, demo, "member-register", as_of=on).json()["tables"][0]
        assert register["totals"]["subscribed"] == table["subscribed"]
        assert register["totals"]["paid"] == table["paid"]
        assert register["totals"]["shares"] == table["shares"]
        moves = _get(client, demo, "movements", as_of=on).json()["tables"][0]
        assert moves["totals"]["subscribed"] == table["subscribed"]
        assert moves["totals"]["paid"] == table["paid"]
        assert [r["number"] for r in moves["rows"]] == list(range(1, len(moves["rows"]) + 1))
        dates = [r["effective_date"] for r in moves["rows"]]
        assert dates == sorted(dates)
    kinds = {r["kind"] for r in moves["rows"]}
    assert {"Souscription", "Libération", "Appel de fonds", "Remboursement", "Retrait"} <= kinds
    assert {"Correction", "Cession (cédant)", "Cession (cessionnaire)"} <= kinds
    left = [r for r in register["rows"] if r["exited_on"]]
    assert left and all(r["liability_end"][:4] == str(int(r["exited_on"][:4]) + 5) for r in left)


def test_capital_variation_with_withdrawals_transfers_and_corrections(
    client: TestClient,
) -> None:
    coop = create_coop(client)
    ana = admit(client, coop, "Ana", "salaries")
    ben = admit(client, coop, "Ben", "usagers")
    ville = admit(client, coop, "Ville", "collectivites", kind="organisation")
    subscribe(client, coop, ana, 100, "5000.00")
    subscribe(client, coop, ben, 100, "5000.00")
    subscribe(client, coop, ville, 40, "2000.00")
    wrong = subscribe(client, coop, ben, 10, "500.00", on="2020-02-01")
    post = lambda path, body: client.post(f"/v1/coops/{coop}/{path}", json=body)  # noqa: E731
    assert (
        post(
            "transfers",
            {
                "from_member_id": ana,
                "to_member_id": ben,
                "shares": 10,
                "effective_date": "2020-03-01",
            },
        ).status_code
        == 201
    )
    assert (
        post(
            "corrections", {"reverses": wrong["event_ids"][0], "reason": "saisie en double"}
        ).status_code
        == 201
    )
    out = post("withdrawals", {"member_id": ana, "shares": 20, "effective_date": "2020-06-30"})
    assert out.status_code == 201, out.text
    assert (
        post(
            "category-changes",
            {"member_id": ben, "category": "soutiens", "effective_date": "2020-09-01"},
        ).status_code
        == 201
    )
    for year in (2019, 2020):
        doc = _check_variation(client, coop, year=year)
    rows = {r["key"]: r for r in doc["tables"][0]["rows"]}
    assert rows["salaries"]["transfers"] == "-500.00"
    assert rows["soutiens"]["transfers"] == "500.00"  # Ben's, now in his new category
    assert rows["soutiens"]["corrections"] == "-500.00"
    assert rows["soutiens"]["reclassified"] == "5000.00"
    assert rows["usagers"]["reclassified"] == "-5000.00"


def test_tax_certificates_rate_and_holding_flag(client: TestClient) -> None:
    coop = create_coop(client)
    ana = admit(client, coop, "Ana", "salaries")
    ben = admit(client, coop, "Ben", "usagers")
    fonds = admit(client, coop, "Fonds", "soutiens", kind="organisation")
    subscribe(client, coop, fonds, 200, "10000.00")
    subscribe(client, coop, ana, 20, "1000.00", on="2021-05-01")
    subscribe(client, coop, ben, 20, "1000.00", on="2023-05-01")
    withdrawn = client.post(
        f"/v1/coops/{coop}/withdrawals", json={"member_id": ana, "effective_date": "2023-06-30"}
    )
    assert withdrawn.status_code == 201 and withdrawn.json()["status"] == "reimbursed"
    y2021 = _get(client, coop, "tax-certificates", year=2021).json()["tables"][0]["rows"]
    assert [(r["name"], r["paid"], r["rates"], r["reduction"]) for r in y2021] == [
        ("Ana", "1000.00", "25 %", "250.00")
    ]  # the organisation is not an individual
    y2023 = _get(client, coop, "tax-certificates", year=2023).json()["tables"][0]["rows"]
    assert {r["name"]: (r["reduction"], r["holding_broken"], r["broken_on"]) for r in y2023} == {
        "Ana": ("0.00", True, "2023-06-30"),
        "Ben": ("180.00", False, None),
    }


def test_grant_statement_a_funder_reads_its_own_only(
    client: TestClient, client_for: ClientFor, service: Service, demo: str
) -> None:
    with service.engine.connect() as conn:
        mine, other = conn.execute(sa.select(funders.c.funder_id, funders.c.party_id)).all()[:2]
    funder = client_for("funder", demo, mine.party_id)
    url = f"/v1/coops/{demo}/reports/grant-statement"
    own = funder.get(url, params={"funder": mine.funder_id, "format": "pdf"})
    assert own.status_code == 200 and own.headers["content-type"] == "application/pdf"
    doc = funder.get(url, params={"funder": mine.funder_id}).json()
    everyone = client.get(url).json()
    assert funder.get(url, params={"funder": "own"}).json() == doc
    ids = {r["grant_id"] for r in doc["tables"][0]["rows"]}
    assert ids < {r["grant_id"] for r in everyone["tables"][0]["rows"]}
    for params in ({"funder": other.funder_id}, {}):
        refused = funder.get(url, params=params)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    assert funder.get(f"/v1/coops/{demo}/reports/member-register").status_code == 403
    with service.engine.connect() as conn:
        party = conn.execute(sa.select(members.c.party_id).limit(1)).scalar_one()
    member = client_for("member", demo, party)
    assert member.get(f"/v1/coops/{demo}/reports/member-register").status_code == 403
    accountant = client_for("accountant", demo)
    assert accountant.get(f"/v1/coops/{demo}/reports/movements").status_code == 200


@pytest.mark.parametrize(
    ("params", "status", "slug"),
    [
        ({"name": "surplus"}, 404, "report-not-found"),
        ({"format": "docx"}, 422, "unsupported-format"),
        ({"year": 2012}, 404, "fiscal-year-not-found"),
        ({"year": 2031}, 404, "fiscal-year-not-found"),
        ({"year": 1800}, 422, "invalid-request"),
        ({"as_of": "2019-04-11"}, 422, "as-of-before-incorporation"),
        ({"year": 2024, "as_of": "2023-05-01"}, 422, "as-of-outside-year"),
        ({"name": "grant-statement", "funder": "fnd_nobody"}, 404, "funder-not-found"),
    ],
)
def test_bad_requests_are_problems_not_files(
    client: TestClient, demo: str, params: dict[str, Any], status: int, slug: str
) -> None:
    name = params.pop("name", "member-register")
    response = client.get(f"/v1/coops/{demo}/reports/{name}", params={"format": "xlsx", **params})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == f"/errors/{slug}"
    assert "content-disposition" not in response.headers


def test_each_file_type_has_its_own_path_giving_the_same_bytes(
    client: TestClient, demo: str
) -> None:
    """`reports/{name}.csv|xlsx|pdf|zip` (one content type each, for generated clients)
    answer what `?format=` does; a type the report does not come as is refused alike."""
    base = f"/v1/coops/{demo}/reports"
    for name, ext in (
        ("member-register", "csv"),
        ("movements", "xlsx"),
        ("member-register", "pdf"),
    ):
        by_path = client.get(f"{base}/{name}.{ext}", params={"year": 2024})
        assert by_path.status_code == 200, by_path.text
        by_format = _get(client, demo, name, format=ext, year=2024)
        assert by_path.content == by_format.content
        assert by_path.headers["content-type"] == by_format.headers["content-type"]
        assert by_path.headers["content-disposition"] == by_format.headers["content-disposition"]
    ocf = client.get(f"{base}/ocf.zip", params={"year": 2024})
    assert ocf.status_code == 200, ocf.text
    assert ocf.headers["content-type"] == "application/zip" and ocf.content[:2] == b"PK"
    for path, slug in (("ocf.csv", "unsupported-format"), ("surplus.pdf", "report-not-found")):
        refused = client.get(f"{base}/{path}")
        assert refused.headers["content-type"] == "application/problem+json", path
        assert refused.json()["type"] == f"/errors/{slug}", refused.text


def scic(*args: str, url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCIC_DATABASE_URL": url}
    return subprocess.run(
        [scic_script(), *args], env=env, capture_output=True, text=True, timeout=300
    )


def test_cli_writes_the_same_file_as_the_api(
    client: TestClient, demo: str, database_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "registre.xlsx"
    done = scic(
        "report",
        "member-register",
        "--coop",
        demo,
        "--year",
        "2024",
        "--format",
        "xlsx",
        "-o",
        str(target),
        url=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "member-register_852916345_2024.xlsx" in done.stdout
    api = _get(client, demo, "member-register", year=2024, format="xlsx")
    assert target.read_bytes() == api.content
    missing = tmp_path / "nothing.pdf"
    refused = scic(
        "report",
        "capital-variation",
        "--coop",
        demo,
        "--year",
        "1990",
        "-o",
        str(missing),
        url=database_url,
    )
    assert refused.returncode == 2 and "fiscal year 1990 does not exist" in refused.stderr
    assert not missing.exists()
