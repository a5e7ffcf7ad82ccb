"""Mail through a real SMTP server (aiosmtpd on 127.0.0.1): a subscription sends one
confirmation with the form and the certificate attached; a server down for a while then
up gets every mail once; a refusing server keeps the mail queued; CR/LF in a name never
reaches the SMTP conversation; members without an address or who opted out are listed;
without SCIC_SMTP_URL nothing is sent and the log says so; reminders mail the member
(calls) and the management (deadlines)."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from typing import Any

import pypdf
import sqlalchemy as sa
from fastapi.testclient import TestClient

from scic.integrations.reminders import fire_reminders
from scic.mail import config
from scic.mail.sender import NOT_CONFIGURED, MailSender
from scic.mail.tables import mail_outbox
from scic.projections.tables import members
from scic.service import Service
from tests.api.conftest import ClientFor, create_coop
from tests.conftest import SteppingClock
from tests.live import scic_script
from tests.mail.conftest import SmtpServer

TODAY = "2026-11-23"  # the test clock's date


def _admit(client: TestClient, coop: str, name: str, email: str | None, **extra: Any) -> str:
    body = {"name": name, "kind": "person", "category": "usagers", "admitted_on": "2026-11-02"}
    if email is not None:
        body["email"] = email
    response = client.post(f"/v1/coops/{coop}/members", json={**body, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _subscribe(client: TestClient, coop: str, member: str, shares: int, paid: str) -> str:
    response = client.post(
        f"/v1/coops/{coop}/subscriptions",
        json={"member_id": member, "shares": shares, "paid": paid, "effective_date": TODAY},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _sender(service: Service, server: SmtpServer | None) -> MailSender:
    smtp = config.parse(server.url) if server is not None else None
    return MailSender(service, smtp=smtp, sender="La Fabrique <registre@fabrique.example>")


def _rows(service: Service) -> list[Any]:
    with service.engine.connect() as conn:
        return list(
            conn.execute(sa.select(mail_outbox).order_by(mail_outbox.c.created_at)).mappings()
        )


def _part(message: Any, subtype: str) -> str:
    body = message.get_body((subtype,))
    assert body is not None, f"no {subtype} part"
    return str(body.get_content())


def _pdf_text(body: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)


def test_a_subscription_sends_one_confirmation_with_both_pdfs(
    client: TestClient, service: Service, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    elodie = _admit(client, coop, "Élodie Marchand", "elodie@example.org")
    sub = _subscribe(client, coop, elodie, 12, "150.00")
    sender = _sender(service, smtp_server)
    assert sender.run_once() == 1
    assert sender.run_once() == 0  # nothing twice
    assert len(smtp_server.delivered) == 1
    mail = smtp_server.delivered[0]
    assert mail.rcpt_tos == ["elodie@example.org"]
    assert mail.mail_from == "registre@fabrique.example"
    message = mail.message
    assert message["Subject"] == "Votre souscription de 12 parts — La Fabrique du Coin"
    assert "Élodie Marchand" in message["To"]
    text = _part(message, "plain")
    html = _part(message, "html")
    assert "12 parts sociales, soit 600,00 €, dont 150,00 € versés" in text
    assert "Reste à libérer sur cette souscription : 450,00 €" in text
    assert "<p>Bonjour Élodie Marchand,</p>" in html
    attachments = {str(a.get_filename()): a.get_content() for a in message.iter_attachments()}
    assert sorted(attachments) == [
        f"certificate_{elodie}_{TODAY}_fr.pdf",
        f"subscription-form_{sub}_{TODAY}_fr.pdf",
    ]
    for body in attachments.values():
        text = _pdf_text(body)
        assert "Élodie Marchand" in text and "Parts 12" in text
    form = _pdf_text(attachments[f"subscription-form_{sub}_{TODAY}_fr.pdf"])
    assert "Versé à la souscription 150,00 €" in form
    (row,) = _rows(service)
    assert row["status"] == "sent" and row["sent_to"] == "elodie@example.org"
    assert row["legal"] is True


def test_a_batch_queues_one_mail_per_event_once_and_none_when_refused(
    client: TestClient, service: Service
) -> None:
    coop = create_coop(client)
    people = [_admit(client, coop, n, f"{n.lower()}@example.org") for n in ("Anne", "Basile")]

    def batch(shares: list[int], key: str) -> Any:
        commands = [
            {
                "type": "subscriptions",
                "body": {
                    "member_id": m,
                    "shares": n,
                    "paid": f"{n * 50}.00",
                    "effective_date": TODAY,
                },
            }
            for m, n in zip(people, shares, strict=True)
        ]
        return client.post(
            f"/v1/coops/{coop}/batch", json={"commands": commands}, headers={"Idempotency-Key": key}
        )

    assert batch([2, 3], "b1").status_code == 201
    rows = _rows(service)
    assert sorted((r["kind"], r["member_id"], r["params"]["shares"]) for r in rows) == sorted(
        [("subscription-confirmed", people[0], 2), ("subscription-confirmed", people[1], 3)]
    )
    assert batch([2, 3], "b1").status_code == 200  # replayed: nothing queued again
    assert len(_rows(service)) == 2
    refused = batch([1, 0], "b2")  # the second command is refused: the batch writes nothing
    assert refused.status_code == 422, refused.text
    assert len(_rows(service)) == 2


def test_a_server_down_then_up_gets_every_mail_once(
    client: TestClient, service: Service, clock: SteppingClock, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    people = [_admit(client, coop, f"Associé {n}", f"associe{n}@example.org") for n in range(3)]
    smtp_server.stop()
    for member in people:
        _subscribe(client, coop, member, 2, "25.00")
    sender = _sender(service, smtp_server)
    assert sender.run_once() == 0
    assert all(r["status"] == "queued" and r["attempts"] == 1 for r in _rows(service))
    assert all("ConnectionRefusedError" in r["last_error"] for r in _rows(service))
    clock.advance(seconds=30)
    assert sender.run_once() == 0  # not yet due: the next attempt waits a minute
    assert all(r["attempts"] == 1 for r in _rows(service))
    clock.advance(seconds=31)
    assert sender.run_once() == 0  # still down
    assert all(r["attempts"] == 2 for r in _rows(service))
    smtp_server.start()
    clock.advance(minutes=5, seconds=1)
    assert sender.run_once() == 3
    clock.advance(days=2)
    assert sender.run_once() == 0
    received = sorted(r for m in smtp_server.delivered for r in m.rcpt_tos)
    assert received == [f"associe{n}@example.org" for n in range(3)]  # each once
    assert all(r["status"] == "sent" for r in _rows(service))
    log = client.get(f"/v1/coops/{coop}/mail").json()
    assert all(
        [a["outcome"] for a in m["attempts"]] == ["failed", "failed", "sent"] for m in log["mails"]
    )


def test_a_refusing_server_keeps_the_mail_queued(
    client: TestClient, service: Service, clock: SteppingClock, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    member = _admit(client, coop, "Bob Durand", "bob@example.org")
    _subscribe(client, coop, member, 2, "25.00")
    smtp_server.handler.refuse = "550 5.7.1 Relaying denied"
    sender = _sender(service, smtp_server)
    for _ in range(3):
        assert sender.run_once() == 0
        clock.advance(hours=3)
    (row,) = _rows(service)
    assert row["status"] == "queued" and row["attempts"] == 3
    assert row["last_error"] == "SMTP 550: 5.7.1 Relaying denied"
    smtp_server.handler.refuse = None
    clock.advance(days=1)
    assert sender.run_once() == 1 and len(smtp_server.delivered) == 1


def test_cr_lf_in_a_name_never_reaches_the_smtp_conversation(
    client: TestClient, service: Service, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    crafty = _admit(
        client, coop, "Eve\r\nBcc: victim@evil.example\r\nSubject: hi", "eve@example.org"
    )
    _subscribe(client, coop, crafty, 2, "25.00")
    assert _sender(service, smtp_server).run_once() == 1
    (mail,) = smtp_server.delivered
    assert mail.rcpt_tos == ["eve@example.org"]
    lines = mail.data.decode("ascii").split("\r\n")
    headers = lines[: lines.index("")]
    assert not any(h.lower().startswith(("bcc:", "subject: hi")) for h in headers)
    assert "victim@evil.example" not in mail.message["To"].addresses[0].addr_spec
    assert len(mail.message.get_all("Subject") or []) == 1
    # an address with a line break is refused at the door
    refused = client.post(
        f"/v1/coops/{coop}/members",
        json={
            "name": "Mallory",
            "kind": "person",
            "category": "usagers",
            "email": "m@example.org\r\nRCPT TO:<victim@evil.example>",
        },
    )
    assert refused.status_code == 422


def test_members_without_address_or_who_opted_out_are_listed(
    client: TestClient, service: Service, smtp_server: SmtpServer, client_for: ClientFor
) -> None:
    coop = create_coop(client)
    nobody = _admit(client, coop, "Sans Adresse", None)
    quiet = _admit(client, coop, "Claire Calme", "claire@example.org")
    with service.engine.connect() as conn:
        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == quiet)
        ).scalar_one()
    as_member = client_for("member", coop, party)
    changed = as_member.put(
        f"/v1/coops/{coop}/members/{quiet}/mail-preferences", json={"opted_out": True, "lang": "en"}
    )
    assert changed.status_code == 200 and changed.json() == {"lang": "en", "opted_out": True}
    # null, like an absent field, keeps what was chosen; 0 is not a boolean
    kept = as_member.put(
        f"/v1/coops/{coop}/members/{quiet}/mail-preferences", json={"opted_out": None}
    )
    assert kept.status_code == 200 and kept.json() == {"lang": "en", "opted_out": True}
    not_a_boolean = as_member.put(
        f"/v1/coops/{coop}/members/{quiet}/mail-preferences", json={"opted_out": 0}
    )
    assert not_a_boolean.status_code == 422
    assert (
        as_member.put(
            f"/v1/coops/{coop}/members/{nobody}/mail-preferences", json={"opted_out": True}
        ).status_code
        == 404
    )
    _subscribe(client, coop, nobody, 2, "25.00")
    sub = _subscribe(client, coop, quiet, 4, "50.00")
    paid = client.post(
        f"/v1/coops/{coop}/payments",
        json={"subscription_id": sub, "amount": "50.00", "effective_date": TODAY},
    )
    assert paid.status_code == 201
    assert _sender(service, smtp_server).run_once() == 3
    log = {
        (m["kind"], m["member_id"]): m for m in client.get(f"/v1/coops/{coop}/mail").json()["mails"]
    }
    assert log[("subscription-confirmed", nobody)]["status"] == "skipped"
    assert log[("subscription-confirmed", nobody)]["skip_reason"] == "no-email"
    # opted out: the receipt is not sent, the confirmation (a legal notice) is, in English
    assert log[("payment-received", quiet)]["skip_reason"] == "opted-out"
    assert log[("subscription-confirmed", quiet)]["status"] == "sent"
    (mail,) = smtp_server.delivered
    assert mail.message["Subject"] == "Your subscription of 4 shares — La Fabrique du Coin"
    skipped = client.get(f"/v1/coops/{coop}/mail", params={"status": "skipped"}).json()
    assert {m["skip_reason"] for m in skipped["mails"]} == {"no-email", "opted-out"}


def test_without_smtp_url_nothing_is_sent_and_the_log_says_so(
    client: TestClient, service: Service, client_for: ClientFor
) -> None:
    coop = create_coop(client)
    member = _admit(client, coop, "Dora Lente", "dora@example.org")
    _subscribe(client, coop, member, 2, "25.00")
    assert _sender(service, None).run_once() == 0
    log = client_for("manager", coop).get(f"/v1/coops/{coop}/mail").json()
    assert log["smtp_configured"] is False
    (mail,) = log["mails"]
    assert mail["status"] == "queued" and mail["last_error"] == NOT_CONFIGURED
    for role in ("accountant",):
        assert client_for(role, coop).get(f"/v1/coops/{coop}/mail").status_code == 403
    other = create_coop(client, name="Autre", siren="552100554")
    assert client_for("manager", other).get(f"/v1/coops/{coop}/mail").status_code == 404


def test_old_history_sends_nothing(client: TestClient, service: Service) -> None:
    """A subscription recorded today but effective years ago (a register being keyed
    in) is not news: no confirmation."""
    coop = create_coop(client)
    member = _admit(client, coop, "Ancien Membre", "ancien@example.org", admitted_on="2019-03-01")
    response = client.post(
        f"/v1/coops/{coop}/subscriptions",
        json={"member_id": member, "shares": 2, "paid": "25.00", "effective_date": "2019-03-01"},
    )
    assert response.status_code == 201
    assert _rows(service) == []


def test_reminders_mail_the_member_and_the_management(
    client: TestClient, service: Service, clock: SteppingClock, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    assert (
        client.put(
            f"/v1/coops/{coop}/profile", json={"contact_email": "gestion@fabrique.example"}
        ).status_code
        == 200
    )
    member = _admit(client, coop, "Henri Payeur", "henri@example.org")
    sub = _subscribe(client, coop, member, 8, "100.00")
    call = client.post(
        f"/v1/coops/{coop}/calls",
        json={
            "subscription_id": sub,
            "amount": "100.00",
            "effective_date": TODAY,
            "due_date": "2026-12-01",
        },
    )
    assert call.status_code == 201, call.text
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Sud", "type": "region"},
            "purpose": "operating",
            "amount": "5000.00",
            "awarded_on": "2026-01-10",
            "justify_by": "2026-12-10",
            "de_minimis": False,
        },
    ).json()
    assert (
        client.post(
            f"/v1/coops/{coop}/grants/{grant['id']}/instalments",
            json={"amount": "5000.00", "effective_date": "2026-02-01"},
        ).status_code
        == 201
    )
    sender = _sender(service, smtp_server)
    sender.run_once()  # the subscription's confirmation
    smtp_server.delivered.clear()
    clock.now = clock.now.replace(year=2026, month=12, day=1)
    fire_reminders(service.store, date(2026, 12, 1))
    fire_reminders(service.store, date(2026, 12, 1))  # again: nothing twice
    clock.advance(seconds=1)
    sender.run_once()
    by_rcpt = {m.rcpt_tos[0]: m.message for m in smtp_server.delivered}
    assert set(by_rcpt) == {"henri@example.org", "gestion@fabrique.example"}
    assert by_rcpt["henri@example.org"]["Subject"].startswith("Appel de fonds : 100,00 €")
    assert "au plus tard le 01/12/2026" in _part(by_rcpt["henri@example.org"], "plain")
    grant_mail = by_rcpt["gestion@fabrique.example"]
    assert grant_mail["Subject"] == "Subvention de Région Sud : justification avant le 10/12/2026"
    assert "Reste à justifier : 5 000,00 €" in _part(grant_mail, "plain")
    clock.advance(days=1)
    fire_reminders(service.store, date(2026, 12, 2))  # the call is now overdue
    clock.advance(seconds=1)
    sender.run_once()
    assert smtp_server.delivered[-1].message["Subject"].startswith("Rappel : appel de fonds")


def test_scic_mail_once_sends_from_the_command_line(
    client: TestClient, service: Service, database_url: str, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client)
    member = _admit(client, coop, "Ines Ligne", "ines@example.org")
    _subscribe(client, coop, member, 2, "25.00")
    env = {
        "SCIC_DATABASE_URL": database_url,
        "SCIC_SMTP_URL": smtp_server.url,
        "SCIC_MAIL_FROM": "Registre <registre@fabrique.example>",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [scic_script(), "mail", "--once"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "1 mails sent or skipped" in done.stdout
    assert [m.rcpt_tos for m in smtp_server.delivered] == [["ines@example.org"]]
    bad = subprocess.run(
        [scic_script(), "mail", "--once"],
        env={**env, "SCIC_SMTP_URL": "http://nope"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode != 0 and "smtp://" in bad.stderr


def test_the_delivery_log_page(client: TestClient, service: Service, app: Any) -> None:
    from tests.api.conftest import issue_token
    from tests.web.conftest import signed_in

    coop = create_coop(client)
    _admit(client, coop, "Sans Adresse", None)
    member = _admit(client, coop, "Zoé Courriel", "zoe@example.org")
    _subscribe(client, coop, member, 2, "25.00")
    _sender(service, None).run_once()
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    page = manager.get("/dashboard/mail")
    assert page.status_code == 200
    assert "Aucun serveur d'envoi n'est configuré" in page.text.replace("&#39;", "'")
    assert "Zoé Courriel" in page.text and "Confirmation de souscription" in page.text
    assert 'href="/dashboard/mail"' in page.text  # in the navigation
    accountant = signed_in(app, issue_token(service, "accountant", coop).secret)
    assert accountant.get("/dashboard/mail").status_code == 403


def test_an_invitation_is_mailed_with_its_one_time_link(
    client: TestClient, service: Service, app: Any, smtp_server: SmtpServer
) -> None:
    import re

    from tests.api.conftest import issue_token
    from tests.web.conftest import csrf_of, signed_in

    coop = create_coop(client)
    manager = signed_in(app, issue_token(service, "manager", coop).secret)
    form = manager.get("/dashboard/people/new")
    made = manager.post(
        "/dashboard/people",
        data={
            "csrf": csrf_of(form.text),
            "email": "dominique@example.org",
            "name": "Dominique\r\nBcc: x@evil.example",
            "role": "accountant",
        },
        follow_redirects=False,
    )
    assert made.status_code == 201, made.text
    assert _sender(service, smtp_server).run_once() == 1
    (mail,) = smtp_server.delivered
    assert mail.rcpt_tos == ["dominique@example.org"]
    assert mail.message["Subject"] == "Invitation au registre de La Fabrique du Coin"
    text = _part(mail.message, "plain")
    link = re.search(r"https://testserver(/invitations/inv_\S+)", text)
    assert link is not None and "comptable" in text
    assert manager.get(link[1]).status_code == 200  # the link opens the password form
    (row,) = _rows(service)
    assert row["params"]["link"] == "(sent)"  # the secret is not kept once it went out


def test_the_reimbursement_mail_says_what_was_set_off_and_what_is_still_owed(
    client: TestClient, service: Service, smtp_server: SmtpServer
) -> None:
    """R7: Léa subscribes 4 shares of 50 € and pays the quarter (50 €); the other 150 € are
    called and never paid. 6,000 € of losses over 200 shares give her 4 shares 120 € to
    bear: the cooperative owes her 200 − 120 = 80 €, set against the 150 € she owes;
    nothing is paid out and 70 € stay owed. Her mail says so, in French, then in English
    once she asks for it."""
    coop = create_coop(client, statutory_floor="0.00")
    c = f"/v1/coops/{coop}"
    staff = _admit(client, coop, "Salariée", None)
    _subscribe(client, coop, staff, 196, "9800.00")
    lea = _admit(client, coop, "Léa Durand", "lea@example.org")
    sub = _subscribe(client, coop, lea, 4, "50.00")
    call = {"subscription_id": sub, "amount": "150.00", "due_date": "2026-12-15"}
    assert client.post(f"{c}/calls", json=call).status_code == 201
    losses = {"amount": "6000.00", "fiscal_year": 2025}
    assert client.post(f"{c}/losses", json=losses).status_code == 201
    assert client.post(f"{c}/withdrawals", json={"member_id": lea}).status_code == 201
    sender = _sender(service, smtp_server)
    while sender.run_once():
        pass
    (mail,) = [
        d.message
        for d in smtp_server.delivered
        if d.message["Subject"].startswith("Remboursement de vos parts")
    ]
    text = _part(mail, "plain")
    assert "Le remboursement de vos 4 parts a été libéré le 23/11/2026 : 0,00 €" in text
    assert "Part des pertes imputée : 120,00 €." in text
    assert "compensé avec ce que la coopérative vous doit, à hauteur de 80,00 €" in text
    assert "Il vous reste à verser 70,00 € sur vos appels de fonds" in text
    assert "art. L231-6 du Code de commerce" in _part(mail, "html")


def test_the_reimbursement_mail_in_english_and_without_a_set_off(
    client: TestClient, service: Service, client_for: ClientFor, smtp_server: SmtpServer
) -> None:
    """A fully paid member leaves: nothing to set off, nothing owed, no such paragraph;
    in English on request."""
    coop = create_coop(client, statutory_floor="0.00")
    c = f"/v1/coops/{coop}"
    staff = _admit(client, coop, "Salariée", None)
    _subscribe(client, coop, staff, 196, "9800.00")
    tom = _admit(client, coop, "Tom Reed", "tom@example.org")
    _subscribe(client, coop, tom, 4, "200.00")
    with service.engine.connect() as conn:
        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == tom)
        ).scalar_one()
    english = client_for("member", coop, party).put(
        f"{c}/members/{tom}/mail-preferences", json={"lang": "en"}
    )
    assert english.status_code == 200
    assert client.post(f"{c}/withdrawals", json={"member_id": tom}).status_code == 201
    sender = _sender(service, smtp_server)
    while sender.run_once():
        pass
    (mail,) = [
        d.message
        for d in smtp_server.delivered
        if d.message["Subject"].startswith("Reimbursement of your shares")
    ]
    text = _part(mail, "plain")
    assert "The reimbursement of your 4 shares was released on" in text
    assert "€200.00 will be paid to you" in text or "200.00 € will be paid" in text, text
    assert "set against" not in text and "still owe" not in text


def test_the_set_off_and_what_is_owed_read_in_english(
    client: TestClient, service: Service, client_for: ClientFor, smtp_server: SmtpServer
) -> None:
    coop = create_coop(client, statutory_floor="0.00")
    c = f"/v1/coops/{coop}"
    staff = _admit(client, coop, "Salariée", None)
    _subscribe(client, coop, staff, 196, "9800.00")
    lea = _admit(client, coop, "Léa Durand", "lea@example.org")
    sub = _subscribe(client, coop, lea, 4, "50.00")
    with service.engine.connect() as conn:
        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == lea)
        ).scalar_one()
    english = client_for("member", coop, party).put(
        f"{c}/members/{lea}/mail-preferences", json={"lang": "en"}
    )
    assert english.status_code == 200
    call = {"subscription_id": sub, "amount": "150.00", "due_date": "2026-12-15"}
    assert client.post(f"{c}/calls", json=call).status_code == 201
    losses = {"amount": "6000.00", "fiscal_year": 2025}
    assert client.post(f"{c}/losses", json=losses).status_code == 201
    assert client.post(f"{c}/withdrawals", json={"member_id": lea}).status_code == 201
    sender = _sender(service, smtp_server)
    while sender.run_once():
        pass
    (mail,) = [
        d.message
        for d in smtp_server.delivered
        if d.message["Subject"].startswith("Reimbursement of your shares")
    ]
    text = _part(mail, "plain")
    assert "set against what the cooperative owes you, up to" in text
    assert "80.00" in text and "70.00" in text
    assert "You still owe" in text and "art. L231-6" in text
