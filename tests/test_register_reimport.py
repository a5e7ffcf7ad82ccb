"""A member register imported again: what the ledger holds is matched and skipped, new
lines land, contradictions are listed (or, with --apply-corrections, corrected), from the
command line and from `POST /v1/coops/{coop}/imports`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from ledger.db import create_engine
from ledger.schema import events as ledger_events
from scic.api.app import create_app
from scic.demo import COOP
from scic.projections import tables, views
from scic.service import open_service
from scic.write.commands import COMMANDS
from scic.write.cooperative import CreateCoop
from scic.write.pipeline import Context, execute
from tests.api.conftest import bearer, issue_token
from tests.test_cli import scic
from tests.test_register_import import csv_file, xlsx

HEADERS = [
    "N° d'associé",
    "Nom",
    "Catégorie",
    "Date d'admission",
    "Parts",
    "Montant versé",
    "Date de souscription",
    "Versement",
    "Date du versement",
]
REGISTER: list[list[Any]] = [
    ["1", "Jeanne Dupont", "Usagers et bénéficiaires", "15/03/2024", 4, "50,00", None,
     "150,00", "01/06/2024"],
    ["2", "Atelier Bois", "partenaires", "01/04/2024", 20, "1 000,00"],
    ["1", "Jeanne Dupont", None, None, 2, "25,00", "01/09/2024"],
    ["3", "Commune de Saint-Pierre", "collectivites", "02/05/2024", 10, "125,50"],
    ["4", "Paul Martin", "Salariés", "10/05/2024"],
]  # fmt: skip
DATES = [date(2024, 3, 31), date(2024, 6, 30), date(2024, 9, 30), date(2025, 1, 1)]


def _coop(url: str, name: str) -> str:
    service = open_service(url)
    try:
        with service.store.write() as session:
            body = CreateCoop.model_validate({**COOP, "name": name, "siren": None})
            return execute(
                session, Context(None, "test", service.today()), COMMANDS["coops"], body
            ).id
    finally:
        service.close()


@pytest.fixture
def coop(database_url: str) -> Iterator[tuple[str, str]]:
    yield database_url, _coop(database_url, "La Filature du Vallon")


def _events(url: str) -> int:
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one())
    finally:
        engine.dispose()


def _tables(url: str, coop_id: str, dates: list[date] = DATES) -> list[Any]:
    """The capital table by member (name, number, figures) as at each of `dates`."""
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            numbers = dict(
                conn.execute(
                    sa.select(tables.members.c.member_id, tables.members.c.number).where(
                        tables.members.c.coop_id == coop_id
                    )
                ).all()
            )
            out = []
            for on in dates:
                table = views.capital_table(conn, coop_id, on, None, "member")
                out.append(
                    sorted(
                        (
                            r.label,
                            numbers.get(r.key),
                            r.holding.shares,
                            r.holding.subscribed_cents,
                            r.holding.paid_cents,
                        )
                        for r in table.rows
                    )
                )
            return out
    finally:
        engine.dispose()


def test_the_same_register_twice_changes_nothing(coop, tmp_path) -> None:
    url, coop_id = coop
    path = xlsx(tmp_path / "registre.xlsx", REGISTER, HEADERS)
    first = scic("import", str(path), "--coop", coop_id, url=url)
    assert first.returncode == 0, first.stderr
    assert "imported 4 members, 4 subscriptions, 1 payment" in first.stdout
    events, table = _events(url), _tables(url, coop_id)

    again = scic("import", str(path), "--coop", coop_id, url=url)

    assert again.returncode == 0, again.stderr
    assert "4 members, 4 subscriptions, 1 payment already recorded; nothing to do" in again.stdout
    assert _events(url) == events and _tables(url, coop_id) == table
    dry = scic("import", str(path), "--coop", coop_id, "--dry-run", url=url)
    assert "already recorded; nothing to do" in dry.stdout
    # the register's numbers are the members' numbers
    assert [row[1] for row in table[-1]] == ["2", "3", "1"]


def test_a_grown_register_records_only_its_new_lines(coop, tmp_path) -> None:
    url, coop_id = coop
    scic("import", str(xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS)), "--coop", coop_id, url=url)
    events = _events(url)
    grown = [
        *REGISTER,
        # a payment alone, on the subscription of 01/09/2024 of member 1
        ["1", "Jeanne Dupont", None, None, None, None, "01/09/2024", "75,00", "15/10/2024"],
        ["5", "Léa Roux", "usagers", "01/10/2024", 2, "25,00"],
    ]
    path = xlsx(tmp_path / "v2.xlsx", grown, HEADERS)
    dry = scic("import", str(path), "--coop", coop_id, "--dry-run", url=url)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: 1 member, 1 subscription, 1 payment from v2.xlsx would be recorded" in (
        dry.stdout
    )
    assert _events(url) == events

    result = scic("import", str(path), "--coop", coop_id, url=url)

    assert result.returncode == 0, result.stderr
    assert "imported 1 member, 1 subscription, 1 payment from v2.xlsx" in result.stdout
    assert "(4 members, 4 subscriptions, 1 payment already recorded)" in result.stdout
    assert _events(url) == events + 3
    fresh = _coop(url, "Fraîche")
    scic("import", str(path), "--coop", fresh, url=url)
    assert _tables(url, coop_id) == _tables(url, fresh)
    jeanne = [r for r in _tables(url, coop_id)[-1] if r[0] == "Jeanne Dupont"]
    assert jeanne == [("Jeanne Dupont", "1", 6, 300_00, 300_00)]


def test_an_edited_register_lists_then_applies_its_corrections(coop, tmp_path) -> None:
    url, coop_id = coop
    scic("import", str(xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS)), "--coop", coop_id, url=url)
    events, before = _events(url), _tables(url, coop_id)
    edited = [list(line) for line in REGISTER]
    edited[1][4:6] = [10, "500,00"]  # Atelier Bois: 10 shares, not 20
    edited[0][7] = "100,00"  # Jeanne's payment of 01/06/2024: 100, not 150
    edited[3][1] = "Commune de Saint-Pierre-sur-Mer"  # the name's spelling
    path = xlsx(tmp_path / "v2.xlsx", edited, HEADERS)

    refused = scic("import", str(path), "--coop", coop_id, url=url)

    assert refused.returncode == 1
    err = refused.stderr
    assert (
        "v2.xlsx line 3 (Atelier Bois, n° 2): subscription of 2024-04-01: the ledger holds "
        "20 shares on 2024-04-01, 1000.00 € paid then; the file says 10 shares on 2024-04-01, "
        "500.00 € paid then" in err
    ), err
    assert "line 2 (Jeanne Dupont, n° 1): payment of 2024-06-01" in err
    assert "the ledger holds 150.00 €; the file says 100.00 €" in err
    assert "contact (name)" in err and "Saint-Pierre-sur-Mer" in err
    assert "3 contradictions in v2.xlsx; nothing written (--apply-corrections" in err
    assert _events(url) == events and _tables(url, coop_id) == before

    dry = scic("import", str(path), "--coop", coop_id, "--apply-corrections", "--dry-run", url=url)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would correct line") == 3
    assert "would correct line 3 (Atelier Bois, n° 2): subscription of 2024-04-01" in dry.stdout
    assert _events(url) == events

    fixed = scic("import", str(path), "--coop", coop_id, "--apply-corrections", url=url)

    assert fixed.returncode == 0, fixed.stderr
    assert "and 3 corrections from v2.xlsx" in fixed.stdout
    # the ledger now says what the file says, at every date
    fresh = _coop(url, "Fraîche")
    assert scic("import", str(path), "--coop", fresh, url=url).returncode == 0
    assert _tables(url, coop_id) == _tables(url, fresh)
    assert _tables(url, coop_id) != before
    # and the file again is nothing to do
    again = scic("import", str(path), "--coop", coop_id, url=url)
    assert "already recorded; nothing to do" in again.stdout, again.stderr
    # each correction says the file was its reason
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        reasons = conn.execute(
            sa.text("SELECT data FROM events WHERE type = 'EventReversed' AND tenant_id = :c"),
            {"c": coop_id},
        ).scalars()
        texts = [str(r) for r in reasons]
    engine.dispose()
    assert len(texts) == 2 and all("register v2.xlsx, line" in t for t in texts)


def test_an_admission_date_cannot_be_corrected(coop, tmp_path) -> None:
    url, coop_id = coop
    scic("import", str(xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS)), "--coop", coop_id, url=url)
    events = _events(url)
    edited = [list(line) for line in REGISTER]
    edited[4][3] = "11/05/2024"  # Paul Martin admitted a day later
    path = xlsx(tmp_path / "v2.xlsx", edited, HEADERS)
    for extra in ((), ("--apply-corrections",)):
        refused = scic("import", str(path), "--coop", coop_id, *extra, url=url)
        assert refused.returncode == 1
        assert (
            "line 6 (Paul Martin, n° 4): admission date: the ledger holds 2024-05-10; the file "
            "says 2024-05-11 (no correction can change it" in refused.stderr
        ), refused.stderr
    assert _events(url) == events


def test_a_register_without_numbers_matches_by_name_and_date(coop, tmp_path) -> None:
    url, coop_id = coop
    lines = [
        "Nom;Catégorie;Date d'admission;Parts;Montant versé",
        "Élise Février;salaries;03/02/2024;25;1 250,00",
        "Léo Blanc;Bénévoles et soutiens;2024-02-05;3;37,50",
    ]
    path = csv_file(tmp_path / "associes.csv", lines)
    assert scic("import", str(path), "--coop", coop_id, url=url).returncode == 0
    again = scic("import", str(path), "--coop", coop_id, url=url)
    assert "2 members, 2 subscriptions, 0 payments already recorded; nothing to do" in (
        again.stdout
    )
    homonym = csv_file(tmp_path / "homonyme.csv", [lines[0], "Léo Blanc;usagers;2024-03-05;1;50"])
    refused = scic("import", str(homonym), "--coop", coop_id, url=url)
    assert refused.returncode == 1
    assert "Léo Blanc admitted on 2024-02-05" in refused.stderr
    assert "give the register's numbers to tell homonyms apart" in refused.stderr


def test_a_misspelt_category_gets_its_column_and_a_suggestion(coop, tmp_path) -> None:
    url, coop_id = coop
    events = _events(url)
    path = csv_file(
        tmp_path / "fautes.csv",
        [
            "Nom;Catégorie;Collège;Date d'admission;Parts;Montant versé",
            "Ana Costa;Salarie;Collège des salariés;2024-03-01;1;50",  # no accent, no plural
            "Bruno Petit;Salriés;;2024-03-01;1;50",
            "Chloé Roy;usagers;Collège des salariés;2024-03-01;1;50",
            "Denis Lam;usagers;Colège des usager;2024-03-01;1;50",
        ],
    )
    result = scic("import", str(path), "--coop", coop_id, url=url)
    assert result.returncode == 1
    err = result.stderr
    assert "line 2" not in err  # "Salarie" is "Salariés" spelt without accent or plural
    assert (
        "line 3, column B (Catégorie): unknown category 'Salriés'; did you mean 'Salariés "
        "(salaries)'" in err
    ), err
    assert "line 4, column C (Collège): category 'Usagers et bénéficiaires' votes in " in err
    assert "line 5, column C (Collège): unknown college 'Colège des usager'; did you mean " in err
    assert "Collège des usagers (USA)" in err
    assert _events(url) == events


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("binary.csv", b"\x00\x01\x02PNG\x00", "neither a CSV text file nor an .xlsx workbook"),
        ("empty.xlsx", b"", "the file is empty"),
        ("header.csv", b"Nom\n", "the file has a header but no member line"),
        ("no-name.csv", "Parts;Catégorie\n1;usagers\n".encode(), "no name column"),
    ],
)
def test_a_file_that_is_no_register_is_one_clear_message(
    coop, tmp_path, name, content, words
) -> None:
    url, coop_id = coop
    path = tmp_path / name
    path.write_bytes(content)
    result = scic("import", str(path), "--coop", coop_id, url=url)
    assert result.returncode == 1 and words in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    said = [line for line in result.stderr.splitlines() if line.startswith(name)]
    assert len(said) == 1 and "nothing written" in result.stderr  # one message


def test_merged_cells_and_formulas_are_refused(coop, tmp_path) -> None:
    url, coop_id = coop
    events = _events(url)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(REGISTER[0])
    sheet.append(REGISTER[2])
    sheet.merge_cells("B2:B3")
    book.save(tmp_path / "merged.xlsx")
    merged = scic("import", str(tmp_path / "merged.xlsx"), "--coop", coop_id, url=url)
    assert merged.returncode == 1 and "merged cells (B2:B3)" in merged.stderr, merged.stderr

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([*REGISTER[1][:5], "=E2*50"])
    book.save(tmp_path / "formula.xlsx")
    formula = scic("import", str(tmp_path / "formula.xlsx"), "--coop", coop_id, url=url)
    assert formula.returncode == 1 and "formulas (F2 (=E2*50))" in formula.stderr
    assert "paste values only" in formula.stderr
    assert _events(url) == events


def test_one_number_for_two_names_is_refused_with_both_lines(coop, tmp_path) -> None:
    url, coop_id = coop
    path = csv_file(
        tmp_path / "doublon.csv",
        [
            "N° d'associé;Nom;Catégorie;Date d'admission;Parts;Montant versé",
            "7;Ana Costa;usagers;2024-03-01;1;50",
            "8;Bruno Petit;usagers;2024-03-01;1;50",
            "007;Chloé Roy;usagers;2024-03-02;1;50",
        ],
    )
    result = scic("import", str(path), "--coop", coop_id, url=url)
    assert result.returncode == 1
    assert (
        "line 4, column A (N° d'associé): number 007 is given to Chloé Roy here and to Ana "
        "Costa on line 2: one number, one member" in result.stderr
    ), result.stderr


# -- the same from the API -------------------------------------------------------------


@pytest.fixture
def api(coop) -> Iterator[tuple[TestClient, str, str]]:
    url, coop_id = coop
    service = open_service(url)
    manager = issue_token(service, "manager", coop_id)
    with TestClient(create_app(service), headers=bearer(manager.secret)) as client:
        yield client, url, coop_id
    service.close()


def _post(client: TestClient, coop_id: str, path: Path, **form: str) -> Any:
    with path.open("rb") as handle:
        return client.post(
            f"/v1/coops/{coop_id}/imports",
            files={"file": (path.name, handle, "application/octet-stream")},
            data=form,
        )


def test_the_api_imports_a_register_once(api, tmp_path) -> None:
    client, url, coop_id = api
    path = xlsx(tmp_path / "registre.xlsx", REGISTER, HEADERS)
    dry = _post(client, coop_id, path, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["new"] == {"members": 4, "subscriptions": 4, "payments": 1}
    assert dry.json()["dry_run"] is True and _events(url) == 1

    first = _post(client, coop_id, path)
    assert first.status_code == 201, first.text
    assert first.json()["summary"].startswith("imported 4 members, 4 subscriptions, 1 payment")
    events = _events(url)

    again = _post(client, coop_id, path)
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["nothing_to_do"] is True
    assert body["already_recorded"] == {"members": 4, "subscriptions": 4, "payments": 1}
    assert body["summary"] == (
        "4 members, 4 subscriptions, 1 payment already recorded; nothing to do"
    )
    assert _events(url) == events


def test_the_api_lists_contradictions_and_refuses_bad_files(api, tmp_path) -> None:
    client, url, coop_id = api
    _post(client, coop_id, xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS))
    events = _events(url)
    edited = [list(line) for line in REGISTER]
    edited[1][4:6] = [10, "500,00"]
    path = xlsx(tmp_path / "v2.xlsx", edited, HEADERS)
    refused = _post(client, coop_id, path)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"] == "/errors/register-contradicts-ledger"
    assert refused.headers["content-type"].startswith("application/problem+json")
    [contradiction] = problem["contradictions"]
    assert contradiction["line"] == 3 and contradiction["correctable"] is True
    assert "20 shares" in contradiction["ledger"] and "10 shares" in contradiction["file"]
    fixed = _post(client, coop_id, path, apply_corrections="true")
    assert fixed.status_code == 201, fixed.text
    assert len(fixed.json()["corrections"]) == 1
    assert _events(url) == events + 2  # the reversal and the new subscription

    (tmp_path / "image.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    bad = _post(client, coop_id, tmp_path / "image.csv")
    assert bad.status_code == 422 and bad.json()["type"] == "/errors/register-refused"
    assert "neither a CSV text file nor an .xlsx workbook" in bad.json()["detail"]
    accountant = issue_token(client.app.state.service, "accountant", coop_id)  # type: ignore[attr-defined]
    with TestClient(client.app, headers=bearer(accountant.secret)) as reader:
        assert _post(reader, coop_id, path).status_code == 403


def test_a_payment_line_needs_a_subscription_to_pay(coop, tmp_path) -> None:
    url, coop_id = coop
    scic("import", str(xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS)), "--coop", coop_id, url=url)
    events = _events(url)
    lines = [
        *REGISTER,
        # Paul Martin holds no subscription: there is nothing this payment can pay
        ["4", "Paul Martin", None, None, None, None, None, "50,00", "01/12/2024"],
    ]
    result = scic("import", str(xlsx(tmp_path / "v2.xlsx", lines, HEADERS)), "--coop", coop_id,
                  "--apply-corrections", url=url)  # fmt: skip
    assert result.returncode == 1
    assert "line 7 (Paul Martin, n° 4): payment:" in result.stderr, result.stderr
    assert "(say which subscription it pays, or add the subscription's line)" in result.stderr
    assert _events(url) == events


def _every_date(url: str, *coop_ids: str) -> list[date]:
    """Each day something happens in these cooperatives, the day before it, and a year
    on: the capital table can differ on no other day."""
    engine = create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            days = set(
                conn.execute(
                    sa.select(sa.distinct(ledger_events.c.effective_date)).where(
                        ledger_events.c.tenant_id.in_(coop_ids)
                    )
                ).scalars()
            )
    finally:
        engine.dispose()
    return sorted({d for day in days for d in (day - timedelta(days=1), day)} | {date(2026, 1, 1)})


def test_the_api_records_a_grown_register_with_a_payment_only_line(api, tmp_path) -> None:
    client, url, coop_id = api
    _post(client, coop_id, xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS))
    events = _events(url)
    grown = [
        *REGISTER,
        # a payment alone: on Jeanne's subscription of 01/09/2024, named by its date
        ["1", "Jeanne Dupont", None, None, None, None, "01/09/2024", "75,00", "15/10/2024"],
        ["5", "Léa Roux", "usagers", "01/10/2024", 2, "25,00"],
    ]
    path = xlsx(tmp_path / "v2.xlsx", grown, HEADERS)
    dry = _post(client, coop_id, path, dry_run="true")
    assert dry.status_code == 200, dry.text
    assert dry.json()["new"] == {"members": 1, "subscriptions": 1, "payments": 1}
    assert _events(url) == events

    grew = _post(client, coop_id, path)

    assert grew.status_code == 201, grew.text
    body = grew.json()
    assert body["new"] == {"members": 1, "subscriptions": 1, "payments": 1}
    assert body["already_recorded"] == {"members": 4, "subscriptions": 4, "payments": 1}
    assert _events(url) == events + 3
    jeanne = [r for r in _tables(url, coop_id)[-1] if r[0] == "Jeanne Dupont"]
    assert jeanne == [("Jeanne Dupont", "1", 6, 300_00, 300_00)]
    again = _post(client, coop_id, path)
    assert again.status_code == 200 and again.json()["already_recorded"] == {
        "members": 5,
        "subscriptions": 5,
        "payments": 2,
    }, again.text


def test_the_api_names_the_column_of_a_misspelt_category(api, tmp_path) -> None:
    client, url, coop_id = api
    events = _events(url)
    lines = [list(line) for line in REGISTER]
    lines[3][2] = "Colectivités"  # Commune de Saint-Pierre, line 5
    refused = _post(client, coop_id, xlsx(tmp_path / "fautes.xlsx", lines, HEADERS))
    assert refused.status_code == 422, refused.text
    [finding] = refused.json()["findings"]
    assert finding["line"] == 5 and finding["column"] == "C (Catégorie)"
    assert finding["message"].startswith("unknown category 'Colectivités'; did you mean ")
    assert "'Collectivités territoriales (collectivites)'" in finding["message"]
    assert _events(url) == events


def test_the_api_corrects_a_register_into_a_fresh_import_at_every_date(api, tmp_path) -> None:
    client, url, coop_id = api
    _post(client, coop_id, xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS))
    edited = [list(line) for line in REGISTER]
    edited[1][4:6] = [10, "500,00"]  # Atelier Bois: 10 shares, not 20
    edited[0][7:9] = ["100,00", "01/07/2024"]  # Jeanne paid on another day
    edited[2][4:6] = [3, "37,50"]  # Jeanne's second subscription: 3 shares, not 2
    path = xlsx(tmp_path / "v2.xlsx", edited, HEADERS)
    listed = _post(client, coop_id, path)
    assert listed.status_code == 409, listed.text
    said = {
        (c["line"], c["what"]): (c["ledger"], c["file"]) for c in listed.json()["contradictions"]
    }
    assert said[(3, "subscription of 2024-04-01")][0].startswith("20 shares")
    assert said[(3, "subscription of 2024-04-01")][1].startswith("10 shares")
    assert said[(4, "subscription of 2024-09-01")][1].startswith("3 shares")
    # the payment of 01/06 the file no longer has, listed against Jeanne's line
    assert said[(2, "payment of 2024-06-01 on the subscription of 2024-03-15")] == (
        "150.00 €",
        "no such payment",
    )
    dry = _post(client, coop_id, path, apply_corrections="true", dry_run="true")
    assert dry.status_code == 200 and len(dry.json()["corrections"]) == 3, dry.text

    fixed = _post(client, coop_id, path, apply_corrections="true")

    assert fixed.status_code == 201, fixed.text
    fresh = _coop(url, "Fraîche")
    assert scic("import", str(path), "--coop", fresh, url=url).returncode == 0
    days = _every_date(url, coop_id, fresh)
    assert len(days) > 10
    corrected, imported = _tables(url, coop_id, days), _tables(url, fresh, days)
    for day, mine, theirs in zip(days, corrected, imported, strict=True):
        assert mine == theirs, day
    assert _post(client, coop_id, path).json()["nothing_to_do"] is True


def test_the_api_refuses_a_flag_or_a_field_it_cannot_read(api, tmp_path) -> None:
    client, url, coop_id = api
    path = xlsx(tmp_path / "registre.xlsx", REGISTER, HEADERS)
    events = _events(url)
    for form in ({"dry_run": "ture"}, {"dryrun": "true"}, {"apply_corrections": "2"}):
        refused = _post(client, coop_id, path, **form)
        assert refused.status_code == 422, (form, refused.text)
        assert refused.json()["type"] == "/errors/invalid-request"
        assert next(iter(form)) in refused.json()["detail"]
    assert _events(url) == events  # a misspelt dry run never writes
    assert _post(client, coop_id, path, dry_run="false").status_code == 201


def test_a_file_problem_beside_contradictions_offers_no_correction(coop, tmp_path) -> None:
    """Corrections cannot record a file that also has a problem: the message says what to
    fix, and offers no --apply-corrections that would refuse again."""
    url, coop_id = coop
    scic("import", str(xlsx(tmp_path / "v1.xlsx", REGISTER, HEADERS)), "--coop", coop_id, url=url)
    events = _events(url)
    lines = [list(line) for line in REGISTER]
    lines[1][4:6] = [10, "500,00"]  # a contradiction
    lines[3][2] = "Colectivités"  # and a problem
    path = xlsx(tmp_path / "v2.xlsx", lines, HEADERS)
    for extra in ((), ("--apply-corrections",)):
        result = scic("import", str(path), "--coop", coop_id, *extra, url=url)
        assert result.returncode == 1
        err = result.stderr
        assert "v2.xlsx line 5, column C (Catégorie): unknown category 'Colectivités'" in err
        assert "Field required" not in err  # one message for the cell
        assert "line 3 (Atelier Bois, n° 2): subscription of 2024-04-01" in err
        assert "2 problems in v2.xlsx; nothing written\n" in err, err
        assert "--apply-corrections records" not in err
    assert _events(url) == events


def _merged(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append(REGISTER[0])
    sheet.append(REGISTER[2])
    sheet.merge_cells("B2:B3")
    book.save(path)
    return path


def _formula(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    sheet.append([*REGISTER[1][:5], "=E2*50"])
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("name", "make", "words"),
    [
        ("photo.xlsx", lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00"), "neither a CSV"),
        ("vide.csv", lambda p: p.write_bytes(b""), "the file is empty"),
        ("sans-nom.csv", lambda p: p.write_bytes("Parts;Catégorie\n1;usagers\n".encode()),
         "no name column"),
        ("fusion.xlsx", _merged, "merged cells (B2:B3)"),
        ("formule.xlsx", _formula, "formulas (F2 (=E2*50))"),
        ("doublon.csv", lambda p: p.write_bytes(
            "N° d'associé;Nom;Catégorie;Date d'admission\n7;Ana Costa;usagers;2024-03-01\n"
            "7;Chloé Roy;usagers;2024-03-02\n".encode()),
         "number 7 is given to Chloé Roy here and to Ana Costa on line 2"),
    ],
)  # fmt: skip
def test_the_api_refuses_a_file_that_is_no_register_in_one_answer(
    api, tmp_path, name, make, words
) -> None:
    client, url, coop_id = api
    events = _events(url)
    path = tmp_path / name
    make(path)
    refused = _post(client, coop_id, path, apply_corrections="true")
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["type"] == "/errors/register-refused"
    assert len(problem["findings"]) == 1 and words in problem["detail"], problem
    assert _events(url) == events
