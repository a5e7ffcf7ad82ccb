"""The dashboard's pages through the app in process: formatting, sign-in and CSRF, and
bad input answered with a message on the page (never a trace, never another's data).
The browser tests (test_browser.py) drive the same pages in Chromium."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.access import tokens
from scic.service import Service
from scic.web import fmt
from tests.api.conftest import admit, create_coop, issue_token, subscribe
from tests.conftest import SteppingClock
from tests.web.conftest import csrf_of, signed_in

THIN, NBSP = "\u202f", "\u00a0"


def test_french_formatting() -> None:
    assert fmt.euros("1250.00") == f"1{THIN}250,00{NBSP}€"
    assert fmt.euros("1234567.5") == f"1{THIN}234{THIN}567,50{NBSP}€"
    assert fmt.euros("-0.50") == f"-0,50{NBSP}€"
    assert fmt.euros("999") == f"999,00{NBSP}€"
    assert fmt.euros(None) == "—"
    assert fmt.percent("0.1234") == f"12,34{NBSP}%"
    assert fmt.percent("0.5", 0) == f"50{NBSP}%"
    assert fmt.number(12345) == f"12{THIN}345"
    assert fmt.number("0.2694", 4) == "0,2694"
    assert fmt.day("2025-12-31") == "31/12/2025"
    assert str(fmt.time_tag(date(2025, 12, 31))) == '<time datetime="2025-12-31">31/12/2025</time>'
    assert fmt.month("2026-03") == "mars 2026"


@pytest.fixture
def coop(client: TestClient) -> str:
    coop = create_coop(client)  # incorporated on 2019-03-01
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    return coop


def web_for(
    app: FastAPI, service: Service, role: str, coop: str, party: str | None = None
) -> TestClient:
    return signed_in(app, issue_token(service, role, coop, party).secret)


def alert(html: str) -> str:
    start = html.index('role="alert">') + len('role="alert">')
    return html[start : html.index("</p>", start)]


def test_sign_in_keeps_the_token_in_a_strict_cookie(
    app: FastAPI, service: Service, coop: str
) -> None:
    web = TestClient(app, base_url="https://testserver")
    form = web.get("/sign-in")
    assert 'type="password"' in form.text and form.headers["Content-Security-Policy"]
    token = issue_token(service, "manager", coop).secret
    response = web.post(
        "/sign-in", data={"csrf": csrf_of(form.text), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("scic_token="))
    assert {"Secure", "HttpOnly", "SameSite=strict", "Path=/"} <= {
        part.strip() for part in cookie.split(";")
    }
    capital = web.get("/dashboard/capital?group_by=member")
    assert capital.status_code == 200 and "Alice Martin" in capital.text
    assert f"5{THIN}00,00" not in capital.text and f"500,00{NBSP}€" in capital.text


def test_sign_in_says_when_the_address_cannot_keep_a_secure_cookie(app: FastAPI) -> None:
    warning = "pas en https"
    assert warning in TestClient(app, base_url="http://ledger.example").get("/sign-in").text
    for base in ("https://ledger.example", "http://127.0.0.1:8000", "http://localhost:8000"):
        assert warning not in TestClient(app, base_url=base).get("/sign-in").text, base


def test_forms_without_their_csrf_token_are_refused(
    app: FastAPI, service: Service, coop: str
) -> None:
    web = TestClient(app, base_url="https://testserver")
    csrf = csrf_of(web.get("/sign-in").text)
    token = issue_token(service, "manager", coop).secret
    for data, headers in (
        ({"token": token}, {}),
        ({"token": token, "csrf": "forged"}, {}),
        ({"token": token, "csrf": csrf}, {"Origin": "https://evil.example"}),
    ):
        refused = web.post("/sign-in", data=data, headers=headers, follow_redirects=False)
        assert refused.status_code == 403
        assert "formulaire" in alert(refused.text)
        assert "scic_token=scic_" not in refused.headers.get("set-cookie", "")
    signed = signed_in(app, token)
    kept = signed.post("/sign-out", data={"csrf": "forged"}, follow_redirects=False)
    assert kept.status_code == 403
    assert signed.get("/dashboard/capital").status_code == 200  # still signed in
    out = signed.post("/sign-out", data={"csrf": csrf_of(signed.get("/dashboard/capital").text)})
    assert "déconnecté" in out.text
    assert (
        signed.get("/dashboard/capital", follow_redirects=False).headers["location"] == "/sign-in"
    )


def test_expired_revoked_unknown_and_admin_tokens_get_a_message(
    app: FastAPI, service: Service, clock: SteppingClock, coop: str
) -> None:
    expiring = issue_token(service, "manager", coop, expires_at=clock() + timedelta(hours=1))
    web = signed_in(app, expiring.secret)
    assert web.get("/dashboard/capital").status_code == 200
    clock.advance(hours=2)
    expired = web.get("/dashboard/capital")
    assert expired.status_code == 401
    assert "Votre jeton a expiré" in alert(expired.text)
    assert "Alice" not in expired.text and "capital-table" not in expired.text

    revoked = issue_token(service, "manager", coop)
    web = signed_in(app, revoked.secret)
    with service.engine.begin() as conn:
        tokens.revoke(conn, revoked.token_id, clock(), "test")
    assert "révoqué" in alert(web.get("/dashboard/funding").text)

    fresh = TestClient(app, base_url="https://testserver")
    csrf = csrf_of(fresh.get("/sign-in").text)
    for token, words in (
        ("scic_0000000000000000_" + "x" * 43, "pas reconnu"),
        ("not a token", "pas reconnu"),
        (issue_token(service, "admin").secret, "jeton admin"),
    ):
        answer = fresh.post("/sign-in", data={"csrf": csrf, "token": token})
        assert answer.status_code == 401 and words in alert(answer.text)


def test_the_sign_in_form_is_throttled_like_the_api(app: FastAPI, coop: str) -> None:
    web = TestClient(app, base_url="https://testserver")
    csrf = csrf_of(web.get("/sign-in").text)
    for _ in range(10):
        web.post("/sign-in", data={"csrf": csrf, "token": "wrong"})
    throttled = web.post("/sign-in", data={"csrf": csrf, "token": "wrong"})
    assert throttled.status_code == 429 and "Trop d&#39;essais" in alert(throttled.text)


def test_an_empty_cooperative_and_a_date_before_incorporation(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    empty = create_coop(client, name="Vide")
    web = web_for(app, service, "manager", empty)
    expected = {
        "/dashboard/capital": "Aucun associé ne détenait de parts",
        "/dashboard/funding": "Aucun financement enregistré",
        "/dashboard/members": "Aucun associé",
        "/dashboard/grants": "Aucune subvention enregistrée",
        "/dashboard/reimbursements": "Aucun remboursement en attente",
        "/dashboard/compliance": "R2 — à traiter",
        "/dashboard/events": "Coopérative enregistrée",
    }
    for path, words in expected.items():
        page = web.get(path)
        assert page.status_code == 200, path
        assert words in page.text, path
    for path in ("/dashboard/capital", "/dashboard/funding", "/dashboard/compliance"):
        before = web.get(path, params={"as_of": "2010-06-30"})
        assert before.status_code == 200
        assert "30/06/2010 est antérieur à la constitution de la coopérative (01/03/2019)" in (
            before.text.replace("&#39;", "'")
        )


@pytest.mark.parametrize("as_of", ["garbage", "2025-02-30", "1899-12-31", "<script>"])
def test_a_bad_date_is_a_message(app: FastAPI, service: Service, coop: str, as_of: str) -> None:
    web = web_for(app, service, "manager", coop)
    page = web.get("/dashboard/capital", params={"as_of": as_of})
    assert page.status_code == 400
    assert "date" in alert(page.text).lower() and "Traceback" not in page.text
    assert "<script>" not in page.text


def test_the_members_page_lists_everyone_admitted_a_page_at_a_time(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    """From `GET …/members`: members without shares are listed, the search ignores accents
    and case, those who left are under « Sortis », and the list comes in pages."""
    anais = admit(client, coop, "Anaïs Lefèvre", "usagers")  # no shares yet
    for n in range(54):
        admit(client, coop, f"Usager {n:02d}", "usagers", on="2020-01-02")
    bob = admit(client, coop, "Bob Sorti", "salaries")
    subscribe(client, coop, bob, 4, "200.00")
    left = client.post(
        f"/v1/coops/{coop}/withdrawals", json={"member_id": bob, "effective_date": "2021-05-01"}
    )
    assert left.status_code == 201, left.text
    web = web_for(app, service, "manager", coop)

    found = web.get("/dashboard/members", params={"q": "ANAIS"})
    assert found.status_code == 200
    assert f'data-key="{anais}"' in found.text and "Alice Martin" not in found.text

    first = web.get("/dashboard/members")
    keys = first.text.count('<tr data-key="')
    assert keys == 50 and 'id="next-page"' in first.text
    start = first.text.index('id="next-page" href="?') + len('id="next-page" href="?')
    query = first.text[start : first.text.index('"', start)].replace("&amp;", "&")
    second = web.get(f"/dashboard/members?{query}")
    assert second.status_code == 200 and 'id="next-page"' not in second.text
    listed = first.text.count('<tr data-key="') + second.text.count('<tr data-key="')
    assert listed == 1 + 1 + 54  # Alice, Anaïs and the 54; Bob has left
    assert f'data-key="{bob}"' not in first.text + second.text

    gone = web.get("/dashboard/members", params={"status": "left", "as_of": "2021-06-01"})
    assert f'data-key="{bob}"' in gone.text and gone.text.count('<tr data-key="') == 1
    assert "01/05/2021" in gone.text

    bad = web.get("/dashboard/members", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422
    assert "Ce curseur n&#39;a pas été donné par cette liste." in alert(bad.text)  # in French


def test_a_member_sees_only_itself_in_the_members_list(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    other = admit(client, coop, "Autre Associé", "usagers")
    with service.engine.connect() as conn:
        from scic.projections.tables import members

        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == other)
        ).scalar_one()
    assert (
        'href="/dashboard/members"' in web_for(app, service, "manager", coop).get("/dashboard").text
    )
    web = web_for(app, service, "member", coop, party)
    page = web.get("/dashboard/members")
    assert page.status_code == 200
    assert f'data-key="{other}"' in page.text and "Alice Martin" not in page.text
    assert 'href="/dashboard/members"' not in web.get("/dashboard").text


def test_a_funder_by_url_gets_a_message_and_no_names(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Test", "type": "region"},
            "purpose": "operating",
            "amount": "12000.00",
            "awarded_on": "2024-01-15",
            "justify_by": "2025-06-30",
            "de_minimis": False,
        },
    ).json()
    other = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Fondation Autre", "type": "foundation"},
            "purpose": "operating",
            "amount": "3000.00",
            "awarded_on": "2024-02-01",
            "justify_by": "2025-06-30",
            "de_minimis": False,
        },
    ).json()
    party = client.get(f"/v1/coops/{coop}/funders/{grant['funder_id']}").json()
    with service.engine.connect() as conn:
        from scic.projections.tables import funders

        funder_party = (
            conn.execute(funders.select().where(funders.c.funder_id == grant["funder_id"]))
            .mappings()
            .one()["party_id"]
        )
    assert party["name"] == "Région Test"
    web = web_for(app, service, "funder", coop, funder_party)
    grants = web.get("/dashboard/grants")
    assert grants.status_code == 200
    assert grant["id"] in grants.text and other["id"] not in grants.text
    assert "Fondation Autre" not in grants.text
    for path in (
        "/dashboard/members",
        "/dashboard/capital?group_by=member",
        "/dashboard/members/" + "mbr_x",
        "/dashboard/events",
        "/dashboard/reimbursements",
        "/dashboard/compliance",
    ):
        page = web.get(path)
        assert page.status_code == 403, path
        assert "pas accessible au rôle « financeur »" in alert(page.text)
        assert "Alice" not in page.text
    for path in ("/dashboard/capital", "/dashboard/funding", "/dashboard/grants"):
        page = web.get(path)
        assert page.status_code == 200 and "Alice" not in page.text, path
        # the cooperative's name, as the funder reads it in GET /v1/coops (its own)
        assert "La Fabrique du Coin" in page.text and coop not in page.text


def test_pages_and_docs_load_nothing_from_elsewhere(
    app: FastAPI, service: Service, coop: str
) -> None:
    web = web_for(app, service, "manager", coop)
    pages: list[Any] = [web.get(p) for p in ("/dashboard/capital", "/dashboard/funding")]
    pages += [web.get("/docs"), web.get("/redoc"), web.get("/sign-in")]
    for page in pages:
        assert page.status_code == 200
        for attribute in ('src="http', "src='http", 'href="http', "url(http"):
            assert attribute not in page.text, (page.url, attribute)
    docs = web.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert "/static/vendor/redoc/redoc.standalone.js" in web.get("/redoc").text
    script = web.get("/static/vendor/redoc/redoc.standalone.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert web.get("/static/vendor/swagger-ui/LICENSE").status_code == 200
    assert web.get("/static/..%2Fpages.py").status_code == 404
    assert web.get("/static/../session.py").status_code == 404
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if not p.startswith(("/v1", "/health"))]


def test_a_former_member_page_shows_what_it_still_owes_on_its_calls(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    """R7: 4 shares of 50 €, 50 € paid, 150 € called and unpaid; 6,000 € of losses over
    200 shares give Léa 120 € to bear: 200 − 120 = 80 € owed to her is set against the
    150 € she owes, leaving 70 € still owed."""
    coop = create_coop(client, statutory_floor="0.00")
    c = f"/v1/coops/{coop}"
    staff = admit(client, coop, "Salariée", "salaries")
    subscribe(client, coop, staff, 196, "9800.00")
    lea = admit(client, coop, "Léa Durand", "usagers")
    sub = subscribe(client, coop, lea, 4, "50.00")["id"]
    call = {"subscription_id": sub, "amount": "150.00", "due_date": "2019-09-30"}
    assert client.post(f"{c}/calls", json={**call, "effective_date": "2019-06-01"}).is_success
    losses = {"amount": "6000.00", "fiscal_year": 2019, "effective_date": "2020-05-30"}
    assert client.post(f"{c}/losses", json=losses).is_success
    left = {"member_id": lea, "effective_date": "2020-09-30"}
    assert client.post(f"{c}/withdrawals", json=left).is_success
    page = web_for(app, service, "manager", coop).get(f"/dashboard/members/{lea}")
    assert page.status_code == 200
    start = page.text.index('id="still-owed">')
    assert f"70,00{NBSP}€" in page.text[start : page.text.index("</p>", start)]
    other = web_for(app, service, "manager", coop).get(f"/dashboard/members/{staff}")
    assert 'id="still-owed"' not in other.text
    # she pays 30 € of it: the page says what she paid since and the 40 € left
    paid = {"subscription_id": sub, "amount": "30.00", "effective_date": "2020-11-02"}
    assert client.post(f"{c}/payments", json=paid).status_code == 201
    page = web_for(app, service, "manager", coop).get(f"/dashboard/members/{lea}")
    start = page.text.index('id="still-owed">')
    assert f"40,00{NBSP}€" in page.text[start : page.text.index("</p>", start)]
    after = page.text[page.text.index('id="owed-payments"') :]
    assert f"30,00{NBSP}€ le " in after[: after.index("</ul>")]
    assert "02/11/2020" in after[: after.index("</ul>")]


def test_the_figures_pages_read_in_english_on_request(
    app: FastAPI, service: Service, client: TestClient, coop: str
) -> None:
    """Capital, funding, members, grants, reimbursements: their words come from the catalogue
    (English after the switch), the figures stay the ledger's."""
    web = web_for(app, service, "manager", coop)
    page = web.get("/dashboard/capital")
    web.post("/language", data={"csrf": csrf_of(page.text), "lang": "en", "next": "/"})
    expected = {
        "/dashboard/capital": ("Capital as at", "Share of capital", "By college"),
        "/dashboard/capital?group_by=member": ("Paid up", "Unpaid", "By member"),
        "/dashboard/members": ("Members as at", "Search a member", "Admitted on"),
        "/dashboard/grants": ("Justification deadlines as at", "Awarded", "To justify"),
        "/dashboard/reimbursements": ("Pending reimbursements", "To reimburse by"),
        "/dashboard/funding": ("Funding as at", "Resilience indicators", "Funding cliff"),
    }
    for path, words in expected.items():
        html = web.get(path).text.replace("&#39;", "'")
        assert '<html lang="en">' in html, path
        for word in words:
            assert word in html, (path, word)
        for french in (
            "Capital au",
            "Associés au",
            "Échéances",
            "Remboursements en attente",
            "Financements au",
            "Indicateurs de résilience",
        ):
            assert french not in html, (path, french)


def test_the_member_mail_compliance_events_and_self_service_pages_read_in_english(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    """The member page (its figures, its member's side, its documents), the mail log,
    compliance, events and the member's own forms speak English after the switch."""
    coop = create_coop(client)
    lea = admit(client, coop, "Léa Durand", "salaries")
    subscribe(client, coop, lea, 4, "50.00")
    with service.engine.connect() as conn:
        party = conn.execute(
            sa.text("SELECT party_id FROM members WHERE member_id = :m"), {"m": lea}
        ).scalar_one()
    manager = web_for(app, service, "manager", coop)
    member = web_for(app, service, "member", coop, party)
    for web in (manager, member):
        page = web.get(f"/dashboard/members/{lea}")
        assert "Parts détenues" in page.text  # French until the switch
        web.post("/language", data={"csrf": csrf_of(page.text), "lang": "en", "next": "/"})
    base = f"/dashboard/members/{lea}"
    expected = {
        (manager, base): ("Shares held", "History", "Subscribe shares", "Record a payment"),
        (member, base): ("My member space", "My requests", "SEPA direct debit mandates"),
        (member, f"{base}?done=mandate"): ("The SEPA direct debit mandate is recorded.",),
        (member, f"{base}/sepa-mandate"): ("Account holder", "Save the mandate", "Cancel"),
        (member, f"{base}/contact"): ("Correct my contact details", "Postal address"),
        (member, f"{base}/requests/new"): ("Ask for shares or a withdrawal", "Withdraw shares"),
        (manager, "/dashboard/mail"): ("E-mails sent and waiting", "Recipient", "Attempts"),
        (manager, "/dashboard/compliance"): ("Compliance as at",),
        (manager, "/dashboard/events"): ("Latest events", "Effective date"),
    }
    for (web, path), words in expected.items():
        html = web.get(path).text.replace("&#39;", "'")
        assert '<html lang="en">' in html, path
        for word in words:
            assert word in html, (path, word)
        for french in (
            "Parts détenues",
            "Historique",
            "Souscrire des parts",
            "Mon espace associé",
            "Mandats de prélèvement",
            "Titulaire du compte",
            "Adresse postale",
            "Demander des parts",
            "Courriels envoyés",
            "Destinataire",
            "Conformité au",
            "Derniers événements",
            "Annuler",
        ):
            assert french not in html, (path, french)
    wrong = member.post(
        f"{base}/sepa-mandate",
        data={
            "csrf": csrf_of(member.get(f"{base}/sepa-mandate").text),
            "debtor_name": "Léa Durand",
            "iban": "FR76 0000",
            "signed_on": "someday",
        },
    )
    assert wrong.status_code in (409, 422)
    assert "Not a date (dd/mm/yyyy)." in wrong.text.replace("&#39;", "'")
