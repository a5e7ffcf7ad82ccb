"""Passwords: "mot de passe oublié" mails a one-time link (a real SMTP server, aiosmtpd)
that sets a new password once, expires after an hour (the test's clock), answers the
same for an unknown address and is throttled; a signed-in person changes its password
from its account page, the current one first (refused in French next to the field)."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.accounts.tables import password_resets
from scic.mail import config
from scic.mail.sender import MailSender
from scic.mail.tables import mail_outbox
from scic.service import Service
from tests.api.conftest import ClientFor, create_coop, issue_token
from tests.conftest import SteppingClock
from tests.mail.conftest import SmtpServer
from tests.web.conftest import PASSWORD, csrf_of, make_account, password_signed_in, signed_in

EMAIL = "camille@example.org"
NEW = "un tout autre mot de passe"


def _browser(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def _ask(app: FastAPI, email: str, web: TestClient | None = None) -> Any:
    web = web or _browser(app)
    form = web.get("/password-reset")
    assert form.status_code == 200
    return web.post(
        "/password-reset",
        data={"csrf": csrf_of(form.text), "email": email},
        follow_redirects=False,
    )


def _mailed_link(service: Service, smtp_server: SmtpServer) -> str:
    sender = MailSender(service, smtp=config.parse(smtp_server.url), sender="registre@coop.example")
    assert sender.run_once() == 1
    (mail,) = smtp_server.delivered
    assert mail.rcpt_tos == [EMAIL]
    text = str(mail.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    link = re.search(r"https://testserver(/password-reset/pwr_\S+)", text)
    assert link is not None, text
    return link[1]


def _set(web: TestClient, path: str, password: str, confirmation: str | None = None) -> Any:
    page = web.get(path)
    return web.post(
        path,
        data={
            "csrf": csrf_of(page.text),
            "password": password,
            "confirmation": password if confirmation is None else confirmation,
        },
        follow_redirects=False,
    )


def _sign_in(app: FastAPI, password: str) -> int:
    web = _browser(app)
    form = web.get("/sign-in")
    response = web.post(
        "/sign-in",
        data={"csrf": csrf_of(form.text), "email": EMAIL, "password": password},
        follow_redirects=False,
    )
    return response.status_code


def _text(response: Any) -> str:
    """A page's (or a string's) text with HTML's apostrophes read back."""
    return str(getattr(response, "text", response)).replace("&#39;", "'")


def test_a_forgotten_password_is_reset_by_a_mailed_link_that_works_once(
    client: TestClient, service: Service, app: FastAPI, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop, name="Camille Rey")
    sign_in = _browser(app).get("/sign-in")
    assert 'href="/password-reset"' in sign_in.text and "Mot de passe oublié" in sign_in.text

    asked = _ask(app, EMAIL.upper())  # any case of the address
    assert asked.status_code == 303
    assert asked.headers["location"] == "/password-reset?sent=1"
    web = _browser(app)
    assert "Si un compte existe pour cette adresse" in _text(web.get(asked.headers["location"]))

    path = _mailed_link(service, smtp_server)
    (mail,) = smtp_server.delivered
    assert mail.message["Subject"] == "Nouveau mot de passe — La Fabrique du Coin"
    assert "Bonjour Camille Rey," in _text(mail.message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    with service.engine.connect() as conn:  # only a hash of the link's secret is kept
        (stored,) = conn.execute(sa.select(password_resets)).mappings()
        outbox = conn.execute(sa.select(mail_outbox.c.params)).scalar_one()
    assert path.rsplit("_", 1)[1] not in str(dict(stored))
    assert outbox["link"] == "(sent)"

    opened = web.get(path)
    assert opened.status_code == 200 and EMAIL in opened.text
    done = _set(web, path, NEW)
    assert done.status_code == 303 and done.headers["location"] == "/sign-in?done=password"
    assert "Votre nouveau mot de passe est enregistré" in web.get(done.headers["location"]).text
    assert _sign_in(app, PASSWORD) == 401
    assert _sign_in(app, NEW) == 303

    again = web.get(path)  # the link is dead once used
    assert again.status_code == 410 and "Ce lien a déjà servi" in _text(again)
    reused = web.post(path, data={"csrf": csrf_of(again.text), "password": "encore un autre essai"})
    assert reused.status_code == 410
    assert _sign_in(app, NEW) == 303


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client: TestClient, service: Service, app: FastAPI, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    revoked = make_account(service, "ferme@example.org", "accountant", coop)
    from scic.accounts import users

    with service.engine.begin() as conn:
        users.revoke(conn, revoked, service.store.clock(), "test")
    known, unknown, closed = (
        _ask(app, EMAIL),
        _ask(app, "personne@example.org"),
        _ask(app, "ferme@example.org"),
    )
    assert known.status_code == unknown.status_code == closed.status_code == 303
    assert known.headers["location"] == unknown.headers["location"] == closed.headers["location"]
    with service.engine.connect() as conn:
        rows = conn.execute(sa.select(mail_outbox.c.to_address)).scalars().all()
    assert rows == [EMAIL]  # one mail: for the live account only


def test_the_link_expires_after_an_hour(
    client: TestClient,
    service: Service,
    app: FastAPI,
    clock: SteppingClock,
    smtp_server: SmtpServer,
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    _ask(app, EMAIL)
    path = _mailed_link(service, smtp_server)
    web = _browser(app)
    clock.advance(minutes=59)
    assert web.get(path).status_code == 200  # still good within the hour
    clock.advance(minutes=1)
    expired = _set(web, path, NEW)
    assert expired.status_code == 410 and "Ce lien a expiré le" in _text(expired)
    assert _sign_in(app, PASSWORD) == 303  # nothing changed


def test_a_reset_refuses_a_weak_password_and_ends_every_session(
    client: TestClient, service: Service, app: FastAPI, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    before = password_signed_in(app, EMAIL)
    assert before.get("/dashboard/capital").status_code == 200
    _ask(app, EMAIL)
    _ask(app, EMAIL)  # a second link, dead once the first is used
    sender = MailSender(service, smtp=config.parse(smtp_server.url), sender="registre@coop.example")
    assert sender.run_once() == 2
    first, second = (
        re.search(r"/password-reset/pwr_\S+", str(m.message.get_body(("plain",)).get_content()))[0]  # type: ignore[union-attr, index]
        for m in smtp_server.delivered
    )
    web = _browser(app)
    short = _set(web, first, "court")
    assert short.status_code == 422
    assert 'id="password-error"' in short.text and "au moins 12 caractères" in short.text
    differ = _set(web, first, NEW, "autre chose encore")
    assert differ.status_code == 422 and 'id="confirmation-error"' in differ.text
    assert _set(web, first, NEW).status_code == 303  # the link survived the refusals
    assert before.get("/dashboard/capital", follow_redirects=False).status_code == 401
    assert web.get(second).status_code == 410


def test_asking_for_links_is_throttled_per_client(
    client: TestClient, service: Service, app: FastAPI
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    web = _browser(app)
    for i in range(10):
        assert _ask(app, f"x{i}@example.org", web).status_code == 303
    refused = _ask(app, EMAIL, web)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(mail_outbox)).scalar() == 0


def test_asking_without_the_csrf_token_sends_nothing(
    client: TestClient, service: Service, app: FastAPI
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    web = _browser(app)
    web.get("/password-reset")
    assert web.post("/password-reset", data={"email": EMAIL}).status_code == 403
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(password_resets)).scalar() == 0


def test_a_signed_in_person_changes_its_password(
    client: TestClient, service: Service, app: FastAPI
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop, name="Camille Rey")
    elsewhere = password_signed_in(app, EMAIL)
    web = password_signed_in(app, EMAIL)
    capital = web.get("/dashboard/capital")
    assert 'href="/dashboard/account"' in capital.text  # the person's name leads there
    page = web.get("/dashboard/account")
    assert page.status_code == 200 and EMAIL in page.text

    wrong = web.post(
        "/dashboard/account",
        data={
            "csrf": csrf_of(page.text),
            "current_password": "pas le bon mot de passe",
            "password": NEW,
            "confirmation": NEW,
        },
    )
    assert wrong.status_code == 422
    error = re.search(r'id="current_password-error">([^<]+)</p>', wrong.text)
    assert error is not None
    assert "Mot de passe actuel incorrect : Ce n'est pas votre mot de passe actuel." in _text(
        error[1]
    )
    assert 'aria-describedby="current_password-error"' in wrong.text
    assert _sign_in(app, PASSWORD) == 303  # unchanged

    changed = web.post(
        "/dashboard/account",
        data={
            "csrf": csrf_of(page.text),
            "current_password": PASSWORD,
            "password": NEW,
            "confirmation": NEW,
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/dashboard/account"
    assert "Votre mot de passe a été changé." in web.get("/dashboard/account").text
    assert _sign_in(app, PASSWORD) == 401 and _sign_in(app, NEW) == 303
    # this session goes on; the other browser's ended
    assert web.get("/dashboard/capital").status_code == 200
    assert elsewhere.get("/dashboard/capital", follow_redirects=False).status_code == 401


def test_the_account_page_in_english_and_for_a_token(
    client: TestClient, service: Service, app: FastAPI, client_for: ClientFor
) -> None:
    coop = create_coop(client)
    make_account(service, EMAIL, "manager", coop)
    web = password_signed_in(app, EMAIL)
    page = web.get("/dashboard/account")
    web.post("/language", data={"csrf": csrf_of(page.text), "lang": "en", "next": "/"})
    page = web.get("/dashboard/account")
    assert "Change password" in page.text
    wrong = web.post(
        "/dashboard/account",
        data={
            "csrf": csrf_of(page.text),
            "current_password": "pas le bon mot de passe",
            "password": NEW,
            "confirmation": NEW,
        },
    )
    assert "This is not your current password." in _text(wrong)
    token = signed_in(app, issue_token(service, "manager", coop).secret)
    assert "pas de mot de passe à changer" in _text(token.get("/dashboard/account"))


def test_an_administrator_without_a_cooperative_gets_its_link_too(
    client: TestClient, service: Service, app: FastAPI, smtp_server: SmtpServer
) -> None:
    make_account(service, EMAIL)  # an administrator: no cooperative
    _ask(app, EMAIL)
    path = _mailed_link(service, smtp_server)
    (mail,) = smtp_server.delivered
    assert mail.message["Subject"] == "Nouveau mot de passe — la SCIC"
    assert _set(_browser(app), path, NEW).status_code == 303
    assert _sign_in(app, NEW) == 303
