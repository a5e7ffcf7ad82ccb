"""`scic import register.xlsx|.csv --coop ID`: a member register kept in a spreadsheet,
imported through the commands of the API, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
import sqlalchemy as sa

from ledger.db import create_engine
from ledger.schema import events
from scic.demo import COOP
from scic.projections import tables, views
from scic.register_import import day, money
from scic.service import open_service
from scic.write.commands import COMMANDS
from scic.write.cooperative import CreateCoop
from scic.write.pipeline import Context, execute
from tests.test_cli import scic

HEADERS = [
    "Nom",
    "Type",
    "Catégorie",
    "Date d'admission",
    "Parts",
    "Montant versé (€)",
    "Versement",
    "Date du versement",
    "Remarques",
]


@pytest.fixture
def coop(database_url: str) -> Iterator[tuple[str, str]]:
    """An empty cooperative with the demo's statutes (nominal 50 €, five categories)."""
    service = open_service(database_url)
    with service.store.write() as session:
        body = CreateCoop.model_validate({**COOP, "siren": None})
        coop_id = execute(
            session, Context(None, "test", service.today()), COMMANDS["coops"], body
        ).id
    service.close()
    yield database_url, coop_id


def xlsx(path: Path, rows: list[list[Any]], headers: list[str] = HEADERS) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_file(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(line + "\r\n" for line in lines).encode(encoding))
    return path


def state(url: str, coop_id: str) -> tuple[int, list[str], views.CapitalTable]:
    """Events, names of the parties, and the capital table by member."""
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one()
            names = conn.execute(
                sa.select(tables.parties.c.name).order_by(tables.parties.c.name)
            ).scalars()
            table = views.capital_table(conn, coop_id, date(2030, 1, 1), None, "member")
            return n, list(names), table
    finally:
        engine.dispose()


def by_label(table: views.CapitalTable) -> dict[str, tuple[int, int, int]]:
    return {
        r.label: (r.holding.shares, r.holding.subscribed_cents, r.holding.paid_cents)
        for r in table.rows
    }


REGISTER: list[list[Any]] = [
    # Quarter paid at subscription, the rest paid later: a real date cell, numbers.
    ["Jeanne Dupont", "personne", "Usagers et bénéficiaires", datetime(2024, 3, 15), 4, 50.0,
     150, "01/06/2024", "parrainée"],
    ["Atelier Bois", "Personne morale", "partenaires", "2024-04-01", 20, "1 000,00"],
    # A second line for the same member: a second subscription.
    ["Jeanne Dupont", None, None, None, 2, "100,00"],
    ["Commune de Saint-Pierre", "organisation", "collectivites", "02/05/2024", 10, "125,50"],
    ["Paul Martin", None, "salaries", "10/05/2024"],  # admitted, no shares yet
]  # fmt: skip


def test_an_xlsx_register_lands_whole(coop, tmp_path) -> None:
    url, coop_id = coop
    before, _, _ = state(url, coop_id)
    path = xlsx(tmp_path / "registre.xlsx", REGISTER)

    result = scic("import", str(path), "--coop", coop_id, url=url)

    assert result.returncode == 0, result.stderr
    assert "imported 4 members, 4 subscriptions, 1 payment" in result.stdout
    assert "ignored columns: I (Remarques)" in result.stderr
    count, names, table = state(url, coop_id)
    assert names == ["Atelier Bois", "Commune de Saint-Pierre", "Jeanne Dupont", "Paul Martin"]
    assert count == before + 4 + 4 + 1
    assert by_label(table) == {
        "Jeanne Dupont": (6, 300_00, 300_00),
        "Atelier Bois": (20, 1000_00, 1000_00),
        "Commune de Saint-Pierre": (10, 500_00, 125_50),
    }
    totals = table.totals
    assert (totals.shares, totals.subscribed_cents, totals.paid_cents, totals.unpaid_cents) == (
        36,
        1800_00,
        1425_50,
        374_50,
    )


def test_dry_run_checks_everything_and_writes_nothing(coop, tmp_path) -> None:
    url, coop_id = coop
    before = state(url, coop_id)
    path = xlsx(tmp_path / "registre.xlsx", REGISTER)

    result = scic("import", str(path), "--coop", coop_id, "--dry-run", url=url)

    assert result.returncode == 0, result.stderr
    assert "dry run: 4 members, 4 subscriptions, 1 payment" in result.stdout
    assert "nothing written" in result.stdout
    assert state(url, coop_id) == before


def test_a_french_csv_with_semicolons_and_decimal_commas(coop, tmp_path) -> None:
    url, coop_id = coop
    path = csv_file(
        tmp_path / "associes.csv",
        [
            "nom;catégorie;date d'admission;nombre de parts;montant versé;date de souscription",
            "Élise Février;salaries;03/02/2024;25;1\u00a0250,00;04/02/2024",
            "Léo Blanc;Bénévoles et soutiens;2024-02-05;3;37,50;",
        ],
        encoding="cp1252",  # what Excel writes on a French Windows
    )

    result = scic("import", str(path), "--coop", coop_id, url=url)

    assert result.returncode == 0, result.stderr
    _, names, table = state(url, coop_id)
    assert names == ["Léo Blanc", "Élise Février"]
    assert by_label(table) == {
        "Élise Février": (25, 1250_00, 1250_00),
        "Léo Blanc": (3, 150_00, 37_50),
    }


def test_every_problem_is_listed_with_its_line_and_nothing_is_written(coop, tmp_path) -> None:
    url, coop_id = coop
    before = state(url, coop_id)
    path = xlsx(
        tmp_path / "registre.xlsx",
        [
            ["Ana Costa", "personne", "usagers", "31/02/2024", 4, "50"],  # line 2
            ["Bruno Petit", "robot", "usagers", "2024-03-01", "dix", "50"],  # line 3
            ["Chloé Roy", None, "inconnue", "2024-03-01", 4, "50"],  # line 4
            ["Denis Lam", None, "usagers", "2024-03-01", 4, "10"],  # line 5
            ["Eva Morel", None, "usagers", "2024-03-01", 4, "12,345"],  # line 6
            [None, None, "usagers", "2024-03-01", 1, "50"],  # line 7
            ["Farid Saïd", None, "usagers", "2024-03-01", None, "50"],  # line 8
            ["Gaëlle Hue", None, "usagers", "2024-03-01", 4, "50", "20"],  # line 9
            ["Hugo Nys", None, "usagers", "2018-01-01", 4, "200"],  # line 10
            ["Inès Vidal", None, "usagers", "2024-03-01", 4, "200"],  # line 11: fine
            ["Inès Vidal", None, "salaries", None, 1, "50"],  # line 12
            ["Jules Roche", None, "usagers", "2024-03-01", 4, "50", "200", "2024-04-01"],  # 13
        ],
    )

    result = scic("import", str(path), "--coop", coop_id, url=url)

    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    expected = [
        "line 2, column D (Date d'admission): '31/02/2024' is not a date",
        "line 3, column B (Type): 'robot' is not a kind of member",
        "line 3, column E (Parts): 'dix' is not a whole number",
        "line 4, column C (Catégorie): unknown category 'inconnue'",
        "line 5: subscription refused: R7",
        "line 6, column F (Montant versé (€)): '12,345' has more than 2 decimals",
        "line 7, column A (Nom): the member's name is empty",
        "line 8, column F (Montant versé (€)): needs the number of shares",
        "line 9, column H (Date du versement): a payment needs its payment date",
        "line 10: admission refused:",
        "line 12, column C (Catégorie): differs from line 11",
        "line 13: payment refused: R7",
    ]
    for words in expected:
        assert f"registre.xlsx {words}" in result.stderr, (words, result.stderr)
    assert "problems in registre.xlsx; nothing written" in result.stderr
    assert state(url, coop_id) == before


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("no-name.csv", "catégorie;date d'admission\nusagers;2024-01-01\n", "no name column"),
        ("empty.csv", "", "the file is empty"),
        ("broken.xlsx", "not a zip", "neither a CSV text file nor an .xlsx workbook"),
        ("old.xls", "binary", "save the sheet as .xlsx or .csv"),
    ],
)
def test_a_file_that_is_not_a_register_is_refused(coop, tmp_path, name, content, words) -> None:
    url, coop_id = coop
    before = state(url, coop_id)
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = scic("import", str(path), "--coop", coop_id, url=url)
    assert result.returncode == 1, result.stdout
    assert words in result.stderr and "Traceback" not in result.stderr
    assert state(url, coop_id) == before


def test_a_register_needs_its_existing_cooperative(coop, tmp_path) -> None:
    url, _ = coop
    path = xlsx(tmp_path / "registre.xlsx", REGISTER)
    missing = scic("import", str(path), url=url)
    assert missing.returncode == 1 and "needs --coop ID" in missing.stderr
    unknown = scic("import", str(path), "--coop", "coop_nope", url=url)
    assert unknown.returncode == 1 and "no cooperative 'coop_nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("given", "amount"),
    [("1 250,50", "1250.50"), ("1\u202f250,5 €", "1250.50"), ("1.250,50", "1250.50"),
     ("1,250.50", "1250.50"), ("12", "12.00"), (37.5, "37.50"), (100, "100.00")],
)  # fmt: skip
def test_amounts_take_french_and_spreadsheet_forms(given: Any, amount: str) -> None:
    assert money(given) == amount


@pytest.mark.parametrize(
    ("given", "iso"),
    [("15/03/2024", "2024-03-15"), ("5/3/2024", "2024-03-05"), ("2024-03-15", "2024-03-15"),
     ("15.03.2024", "2024-03-15"), (datetime(2024, 3, 15), "2024-03-15")],
)  # fmt: skip
def test_dates_take_french_and_iso_forms(given: Any, iso: str) -> None:
    assert day(given) == iso


def test_a_reference_column_tells_homonyms_apart(coop, tmp_path) -> None:
    url, coop_id = coop
    path = csv_file(
        tmp_path / "homonymes.csv",
        [
            "N° d'associé,Nom,Catégorie,Date d'admission,Parts,Montant versé",
            "12,Jean Martin,usagers,2024-01-10,2,100",
            "13,Jean Martin,salaries,2024-01-11,1,50",
            "12,Jean Martin,,,1,50",
        ],
    )
    result = scic("import", str(path), "--coop", coop_id, url=url)
    assert result.returncode == 0, result.stderr
    assert "imported 2 members, 3 subscriptions, 0 payments" in result.stdout
    _, names, table = state(url, coop_id)
    assert names == ["Jean Martin", "Jean Martin"]
    assert sorted(r.holding.shares for r in table.rows) == [1, 3]
