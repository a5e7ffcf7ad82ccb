"""The cooperative worked from the browser, by clicking and typing only: Chromium against
uvicorn on 127.0.0.1 over the demo cooperative. The figures the pages then show are
compared with the JSON API's; every form is photographed in French and in English."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pypdf
import sqlalchemy as sa

from ledger.schema import events as events_table
from scic.web import fmt
from scic.web.forms.catalogue import FORMS
from scic.write.commands import COMMANDS
from tests.api import fec_checker
from tests.web.conftest import PASSWORD, Live, Shots, sign_in, sign_in_with_password

CONFIRMATION = "#confirmation"


def field(page: Any, name: str) -> Any:
    """A field of the form on the page, by its name (the API body's field name)."""
    return page.locator(f'form.entry [name="{name}"]')


def send(page: Any, button: str = "Enregistrer") -> None:
    with page.expect_navigation():
        page.locator("form.entry").get_by_role("button", name=button).click()


def open_form(page: Any, title: str) -> None:
    page.get_by_role("link", name="Saisie", exact=True).click()
    page.get_by_role("link", name=title, exact=True).click()


def confirmed(page: Any) -> str:
    return str(page.locator(CONFIRMATION).inner_text())


def row_of(page: Any, table: str, key: str) -> list[str]:
    return [t.strip() for t in page.locator(f"{table} tr[data-key='{key}'] td").all_inner_texts()]


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def _pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def first_account(live: Live, email: str) -> None:
    """`scic user create`, as a person installing the ledger runs it: the only step not
    taken in the browser."""
    scic = Path(sys.executable).with_name("scic")
    url = live.service.engine.url.render_as_string(hide_password=False)
    done = subprocess.run(
        [str(scic), "user", "create", "--email", email, "--name", "Camille Gérante"]
        + ["--coop", live.coop_id, "--role", "manager", "--password-stdin"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        env={**os.environ, "SCIC_DATABASE_URL": url},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def invite(page: Any, email: str, name: str, role: str, funder: str | None = None) -> str:
    """The manager invites someone from the people page; the link it shows to pass on."""
    page.get_by_role("link", name="Personnes").click()
    page.get_by_role("link", name="Inviter une personne").click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom", exact=True).fill(name)
    page.get_by_label("Rôle", exact=True).select_option(role)
    if funder is not None:
        page.get_by_label("Financeur (pour le rôle financeur)").select_option(label=funder)
    with page.expect_navigation():
        page.get_by_role("button", name="Créer l'invitation").click()
    return str(page.locator("#invitation-link").input_value())


def accept(browser: Any, live: Live, link: str, name: str) -> Any:
    """The invitee opens the link in a browser of its own and chooses a password."""
    context = browser.new_context(base_url=live.base_url, locale="fr-FR")
    page = context.new_page()
    page.goto(link)
    page.get_by_label("Votre nom").fill(name)
    page.get_by_label("Choisissez un mot de passe").fill(PASSWORD)
    page.get_by_label("Saisissez-le à nouveau").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Accepter l'invitation").click()
    return context


def test_a_cooperative_worked_from_the_browser(context: Any, live: Live, shots: Shots) -> None:
    first_account(live, "camille@filature.example")
    page = context.new_page()
    sign_in_with_password(page, "camille@filature.example")
    accountant_link = invite(
        page, "dominique@filature.example", "Dominique Comptable", "accountant"
    )

    # -- three members admitted --------------------------------------------------------
    admitted = {}
    for name, kind, category in (
        ("Marie Dupont", "Personne physique", "Salariés"),
        ("Jean Moreau", "Personne physique", "Usagers et bénéficiaires"),
        ("Atelier Vert", "Personne morale", "Partenaires et financeurs solidaires"),
    ):
        open_form(page, "Admettre un associé")
        field(page, "name").fill(name)
        field(page, "kind").select_option(label=kind)
        field(page, "category").select_option(label=category)
        field(page, "admitted_on").fill("2026-01-15")
        if name == "Marie Dupont":
            field(page, "email").fill("marie.dupont@example.org")
            shots.take(page, "form-members-filled")
        send(page)
        of = "d'" if name.startswith("A") else "de "
        assert confirmed(page) == f"Admission {of}{name} enregistrée"
        admitted[name] = page.url.rsplit("/", 1)[1]
        assert page.locator("h1").inner_text() == name
    marie, jean, atelier = admitted.values()

    # -- subscriptions: a refusal first, said next to its field ------------------------
    page.goto(f"/dashboard/members/{marie}")
    page.get_by_role("link", name="Souscrire des parts").click()
    assert field(page, "member_id").input_value() == "Marie Dupont"  # prefilled by name
    field(page, "shares").fill("10")
    field(page, "paid").fill("100")  # 10 shares of 50 € need 125 € at least (R7)
    send(page)
    error = page.locator("#f-paid-error").inner_text()
    assert error.startswith("R7 — ") and "quart" in error
    assert field(page, "paid").input_value() == "100"  # what was typed is kept
    shots.take(page, "form-subscriptions-refused")
    field(page, "paid").fill("125,00")
    field(page, "effective_date").fill("2026-02-01")
    send(page)
    assert confirmed(page) == "Souscription de 10 parts de Marie Dupont enregistrée"

    for member, shares, paid in ((jean, "4", "100,00"), (atelier, "6", "300")):
        page.goto(f"/dashboard/members/{member}")
        page.get_by_role("link", name="Souscrire des parts").click()
        field(page, "shares").fill(shares)
        field(page, "paid").fill(paid)
        field(page, "effective_date").fill("2026-02-01")
        send(page)
        assert "enregistrée" in confirmed(page)

    # -- a later payment, from the subscription's row ----------------------------------
    page.goto(f"/dashboard/members/{marie}")
    page.locator("#subscriptions").get_by_role("link", name="Enregistrer un versement").click()
    assert "Marie Dupont — 10 parts" in field(page, "subscription_id").input_value()
    field(page, "amount").fill("375,00")
    field(page, "effective_date").fill("2026-03-01")
    send(page)
    assert confirmed(page) == f"Versement de 375,00{fmt.NBSP}€ de Marie Dupont enregistré"

    # -- a transfer and a withdrawal ---------------------------------------------------
    page.get_by_role("link", name="Céder des parts").click()
    field(page, "to_member_id").fill("Jean Moreau")
    field(page, "shares").fill("2")
    field(page, "effective_date").fill("2026-03-15")
    send(page)
    assert confirmed(page) == "Cession de 2 parts de Marie Dupont à Jean Moreau enregistrée"
    page.goto(f"/dashboard/members/{atelier}")
    page.get_by_role("link", name="Retirer des parts").click()
    field(page, "shares").fill("2")
    field(page, "effective_date").fill("2026-04-01")
    field(page, "reason").fill("départ partiel")
    send(page)
    assert confirmed(page) == "Retrait de 2 parts d'Atelier Vert enregistré"

    # -- a correction, previewed first -------------------------------------------------
    page.goto(f"/dashboard/members/{jean}")
    first_row = page.locator("#history tbody tr").first  # the subscription, then the transfer
    first_row.get_by_role("link", name="Corriger").click()
    assert "Souscription de 200,00" in field(page, "reverses").input_value()
    field(page, "reason").fill("souscription saisie par erreur")
    before = live.api("manager", "/events", limit="1")
    send(page, "Prévisualiser la correction")
    preview = page.locator("#preview-reverses").inner_text()
    assert "Souscription de 200,00" in preview and "Jean Moreau" in preview
    assert live.api("manager", "/events", limit="1") == before  # the dry run left nothing
    shots.take(page, "form-corrections-preview")
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer la correction").click()
    assert confirmed(page).startswith("Correction enregistrée")

    # -- a grant and two instalments ---------------------------------------------------
    open_form(page, "Enregistrer une subvention")
    field(page, "funder.name").fill("Région Normandie")
    field(page, "funder.type").select_option(label="Région")
    field(page, "purpose").select_option(label="Investissement")
    field(page, "amount").fill("30 000,00")
    field(page, "awarded_on").fill("2026-02-10")
    field(page, "agreement_ref").fill("CONV-2026-014")
    field(page, "period_start").fill("2026-01-01")
    field(page, "period_end").fill("2027-12-31")
    send(page)
    assert confirmed(page) == (
        f"Subvention de 30{fmt.THIN}000,00{fmt.NBSP}€ de Région Normandie enregistrée"
    )
    grant_id = page.url.rsplit("#", 1)[1]
    for amount, on in (("10 000", "2026-03-01"), ("5 000,50", "2026-06-01")):
        page.locator(f"#grants tr[data-grant='{grant_id}']").get_by_role(
            "link", name="Versement reçu"
        ).click()
        field(page, "amount").fill(amount)
        field(page, "effective_date").fill(on)
        send(page)
        assert "Région Normandie enregistré" in confirmed(page)

    funder_link = invite(
        page, "region@normandie.example", "Service subventions", "funder", "Région Normandie"
    )
    with live.service.engine.connect() as conn:
        actors = set(
            conn.execute(
                sa.select(events_table.c.actor).where(events_table.c.tenant_id == live.coop_id)
            ).scalars()
        )
    assert any(a.startswith("user:") for a in actors)  # the person who typed, as actor

    # -- the figures, on the pages and from the API ------------------------------------
    api_marie = live.api("manager", f"/members/{marie}")["holding"]
    assert api_marie == {
        "shares": 8,
        "subscribed": "400.00",
        "called": "400.00",
        "paid": "400.00",
        "unpaid": "0.00",
    }
    api_jean = live.api("manager", f"/members/{jean}")["holding"]
    assert api_jean["shares"] == 2 and api_jean["paid"] == "100.00"  # corrected, then given 2
    page.get_by_role("link", name="Capital").click()
    page.get_by_role("link", name="Par associé").click()
    page.wait_for_url(re.compile(r"group_by=member"))
    table = live.api("manager", "/capital-table", group_by="member")
    for key in (marie, jean, atelier):
        row = next(r for r in table["rows"] if r["key"] == key)
        shown = row_of(page, "#capital-table", key)
        assert shown[1:4] == [fmt.euros(row[k]) for k in ("subscribed", "paid", "unpaid")]
    assert page.locator("#total-subscribed").inner_text() == fmt.euros(
        table["totals"]["subscribed"]
    )
    page.get_by_role("link", name="Financements").click()
    mix = live.api("manager", "/funding-mix")
    assert page.locator("#total-funding").inner_text() == fmt.euros(mix["total_funding"])
    region = next(t for t in mix["grants"]["by_funder_type"] if t["type"] == "region")
    assert Decimal(region["awarded"]) >= Decimal("30000.00")
    cell = page.locator("#by-funder-type tr[data-type='region'] td").first
    assert cell.inner_text() == fmt.euros(region["awarded"])
    grant = live.api("manager", f"/grants/{grant_id}")
    assert grant["received"] == "15000.50" and grant["awarded"] == "30000.00"
    shots.take(page, "funding-after-forms")

    # -- the accountant closes a year and records its allocation -----------------------
    accountant = accept(context.browser, live, accountant_link, "Dominique Roy")
    try:
        books = accountant.pages[0]
        books.get_by_role("link", name="Saisie", exact=True).click()
        assert books.get_by_role("link", name="Admettre un associé").count() == 0
        books.get_by_label("Clôturer un exercice").fill("2021")
        with books.expect_navigation():
            books.get_by_role("button", name="Ouvrir").first.click()
        assert books.url.endswith("/dashboard/fiscal-years/2021/close/new")
        field(books, "result").fill("10 000,00")
        send(books, "Clôturer l'exercice")
        assert confirmed(books) == "Exercice 2021 clôturé"
        books.goto("/dashboard/fiscal-years/2021/surplus-allocation/new")
        field(books, "legal_reserve").fill("1 000,00")  # R9: at least 15 %
        field(books, "statutory_reserve").fill("9 000,00")
        field(books, "decided_on").fill("2022-06-15")
        send(books)
        error = books.locator("#f-legal_reserve-error").inner_text()
        assert error.startswith("R9 — ")
        field(books, "legal_reserve").fill("1 500,00")
        field(books, "statutory_reserve").fill("8 500,00")
        send(books)
        assert confirmed(books) == "Affectation du résultat de 2021 enregistrée"
        years = live.api("accountant", "/fiscal-years")["fiscal_years"]
        closed = next(y for y in years if y["year"] == 2021)
        assert closed["status"] == "closed" and closed["result"] == "10000.00"
        assert closed["allocated"] is True

        # -- and downloads the year's FEC and the member register, in XLSX and PDF ----
        books.goto("/dashboard/fiscal-years/2021")
        with books.expect_download() as got:
            books.get_by_role("link", name="Télécharger le FEC").click()
        content = Path(got.value.path()).read_bytes()
        start, end = date.fromisoformat(closed["start"]), date.fromisoformat(closed["end"])
        assert fec_checker.check(got.value.suggested_filename, content, start, end) == []
        books.goto("/dashboard/reports")
        register = books.locator(
            "section", has=books.get_by_role("heading", name="Registre des associés")
        )
        for chosen in ("xlsx", "pdf"):
            register.get_by_label("Format").select_option(chosen)
            with books.expect_download() as got:
                register.get_by_role("button", name="Télécharger").click()
            assert got.value.suggested_filename.endswith(f".{chosen}")
            data = Path(got.value.path()).read_bytes()
            text = _xlsx_text(data) if chosen == "xlsx" else _pdf_text(data)
            assert all(name in text for name in admitted), (chosen, text[:500])
    finally:
        accountant.close()

    # -- the funder of the new grant sees only its grants ------------------------------
    funder_context = accept(context.browser, live, funder_link, "Service subventions")
    try:
        seen = funder_context.pages[0]
        seen.get_by_role("link", name="Subventions", exact=True).click()
        listed = seen.locator("#grants tr[data-grant]").evaluate_all(
            "rows => rows.map(r => r.dataset.grant)"
        )
        assert listed == [grant_id]
        assert seen.get_by_role("link", name="Saisie").count() == 0
        response = seen.goto(f"/dashboard/grants/{grant_id}/instalments/new")
        assert response is not None and response.status == 403
    finally:
        funder_context.close()


def test_every_form_in_french_and_in_english(context: Any, live: Live, shots: Shots) -> None:
    page = context.new_page()
    sign_in(page, live.tokens["manager"])
    grant = live.api("manager", "/grants")["grants"][0]["id"]
    issue = live.api("manager", "/participative-titles")["issues"][0]["id"]
    member = live.api("manager", "/members")["members"][0]["id"]
    party = live.api("manager", f"/members/{member}")["party_id"]
    path = {"grant_id": grant, "issue_id": issue, "party_id": party, "year": "2022"}
    page.goto("/dashboard/forms")
    shots.take(page, "forms-list")
    for name, form in FORMS.items():
        route = COMMANDS[name].route.format(**path)
        for lang, title in (("fr", None), ("en", form.title.format(**path))):
            response = page.goto(f"/dashboard/{route}/new?lang={lang}")
            assert response is not None and response.status == 200, (name, lang)
            if title is not None:
                assert page.locator("h1").inner_text() == title
            for f in form.fields:
                assert page.locator(f'form.entry [name="{f.name}"]').count() == 1, f.name
            shots.take(page, f"form-{name}-{lang}")
