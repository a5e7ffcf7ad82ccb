"""The register import page in a real browser: a manager uploads an .xlsx register,
reviews the dry run, confirms it; uploads it again and is told there is nothing to do;
uploads an edited register, sees what it contradicts, corrects it; a file that is no
register is refused. Each step is checked against the JSON API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import openpyxl  # type: ignore[import-untyped, unused-ignore]

from scic.access import tokens
from tests.api.conftest import TIERS_LIEU
from tests.web.conftest import Live, Shots, sign_in

HEADERS = ["N° d'associé", "Nom", "Catégorie", "Date d'admission", "Parts", "Montant versé",
           "Date de souscription", "Versement", "Date du versement"]  # fmt: skip
REGISTER: list[list[Any]] = [
    ["1", "Jeanne Dupont", "Usagers", "15/03/2024", 4, "50,00", None, "150,00", "01/06/2024"],
    ["2", "Atelier Bois", "soutiens", "01/04/2024", 20, "1 000,00"],
    ["3", "Commune de Saint-Pierre", "Collectivites", "02/05/2024", 10, "125,50"],
]


def _xlsx(path: Path, lines: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for line in lines:
        sheet.append(line)
    book.save(path)
    return path


def _coop(live: Live) -> tuple[str, str, httpx.Client]:
    """A cooperative of its own on the live server, its manager's token and API client."""
    with live.service.engine.begin() as conn:
        admin = tokens.issue(conn, role="admin", now=live.clock(), created_by="test")
    with httpx.Client(
        base_url=live.base_url, headers={"Authorization": f"Bearer {admin.secret}"}
    ) as client:
        created = client.post("/v1/coops", json={**TIERS_LIEU, "siren": None})
        assert created.status_code == 201, created.text
        coop = created.json()["id"]
    with live.service.engine.begin() as conn:
        manager = tokens.issue(
            conn, role="manager", now=live.clock(), coop_id=coop, created_by="test"
        ).secret
    api = httpx.Client(
        base_url=f"{live.base_url}/v1/coops/{coop}",
        headers={"Authorization": f"Bearer {manager}"},
    )
    return coop, manager, api


def _check(page: Any, path: Path, *, correct: bool = False) -> str:
    page.goto("/dashboard/imports")
    page.get_by_label("Fichier du registre").set_input_files(str(path))
    if correct:
        page.get_by_label("Corriger le registre selon le fichier", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier (rien n'est enregistré)").click()
    return str(page.locator("main").inner_text())


def _table(api: httpx.Client) -> list[tuple[str, int, str, str]]:
    rows = api.get("/capital-table", params={"group_by": "member"}).json()["rows"]
    return sorted((r["label"], r["shares"], r["subscribed"], r["paid"]) for r in rows)


def test_a_register_uploaded_reviewed_confirmed_then_again_then_corrected(
    context: Any, live: Live, shots: Shots, tmp_path: Path
) -> None:
    coop, manager, api = _coop(live)
    page = context.new_page()
    sign_in(page, manager)
    register = _xlsx(tmp_path / "registre.xlsx", REGISTER)

    review = _check(page, register)

    assert "3 associé(s), 3 souscription(s), 1 versement(s) seront enregistrés" in review
    assert api.get("/members").json()["members"] == []  # the review wrote nothing
    shots.take(page, "import-review")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer l'import").click()
    assert "3 associé(s), 3 souscription(s), 1 versement(s) enregistrés" in (
        page.locator("#summary").inner_text()
    )
    members = api.get("/members").json()["members"]
    assert {m["name"]: m["number"] for m in members} == {
        "Jeanne Dupont": "1",
        "Atelier Bois": "2",
        "Commune de Saint-Pierre": "3",
    }
    table = _table(api)
    assert ("Jeanne Dupont", 4, "200.00", "200.00") in table

    again = _check(page, register)

    assert "3 associé(s), 3 souscription(s), 1 versement(s) déjà enregistrés : rien à faire" in (
        again
    )
    assert page.get_by_role("button", name="Confirmer l'import").count() == 0
    assert _table(api) == table

    edited = [list(line) for line in REGISTER]
    edited[1][4:6] = [10, "500,00"]  # Atelier Bois: 10 shares, not 20
    edited_path = _xlsx(tmp_path / "registre-corrige.xlsx", edited)
    listed = _check(page, edited_path)
    assert "contredit le registre : rien n'est enregistré" in listed
    row = page.locator("#contradictions tbody tr")
    assert row.count() == 1 and "Atelier Bois" in row.inner_text()
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[2:] == [
        "souscription du 01/04/2024",
        "20 part(s) le 01/04/2024, 1\u202f000,00\u00a0€ versés alors",
        "10 part(s) le 01/04/2024, 500,00\u00a0€ versés alors",
        "possible",
    ], cells
    assert page.get_by_role("button", name="Confirmer l'import").count() == 0
    shots.take(page, "import-contradictions")

    fixing = _check(page, edited_path, correct=True)
    assert "et 1 correction(s) seront enregistrés" in fixing
    assert page.locator("#corrections tbody tr").count() == 1
    assert _table(api) == table  # still only reviewed
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer l'import").click()
    assert "et 1 correction(s) enregistrés" in page.locator("#summary").inner_text()
    assert ("Atelier Bois", 10, "500.00", "500.00") in _table(api)
    assert "rien à faire" in _check(page, edited_path)

    (tmp_path / "photo.xlsx").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    refused = _check(page, tmp_path / "photo.xlsx")
    assert "Le fichier photo.xlsx n'est pas importé" in refused
    assert "neither a CSV text file nor an .xlsx workbook" in refused
    api.close()
