"""People's accounts on the dashboard: signing in with an e-mail and a password,
invitations, the people page, and what each role's account may see — through the app in
process, on the test database (SQLite, or PostgreSQL with SCIC_TEST_DATABASE_URL)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.access.limiter import FailureLimiter
from scic.accounts.tables import invitations, user_roles, user_sessions
from scic.api.app import create_app
from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe
from tests.conftest import SteppingClock
from tests.web.conftest import PASSWORD, csrf_of, make_account, password_signed_in


@dataclass
class Coop:
    id: str
    alice: str  # a member
    funder: str  # the region's funder id
    manager: str  # the manager's account id


@pytest.fixture
def coop(client: TestClient, service: Service) -> Coop:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    subscribe(client, coop, alice, 10, "500.00")
    grant = client.post(
        f"/v1/coops/{coop}/grants",
        json={
            "funder": {"name": "Région Normandie", "type": "region"},
            "purpose": "operating",
            "amount": "8000.00",
            "awarded_on": "2024-02-01",
        },
    )
    assert grant.status_code == 201, grant.text
    manager = make_account(service, "camille@example.org", "manager", coop, name="Camille Roux")
    return Coop(coop, alice, grant.json()["funder_id"], manager)


def message(html: str) -> str:
    found = re.search(r'role="alert"[^>]*>(.*?)</p>', html, re.S)
    assert found, "no message on the page"
    return found[1]


def sign_in(web: TestClient, email: str, password: str) -> httpx.Response:
    csrf = csrf_of(web.get("/sign-in").text)
    return web.post(
        "/sign-in",
        data={"csrf": csrf, "email": email, "password": password},
        follow_redirects=False,
    )


def test_a_person_signs_in_with_an_email_and_a_password(app: FastAPI, coop: Coop) -> None:
    web = TestClient(app, base_url="https://testserver")
    answer = sign_in(web, "Camille@Example.org", PASSWORD)  # any case
    assert answer.status_code == 303 and answer.headers["location"] == "/dashboard"
    cookie = answer.headers["set-cookie"]
    assert "scic_session=ses_" in cookie
    for rule in ("HttpOnly", "SameSite=strict", "Secure"):
        assert rule.lower() in cookie.lower()
    page = web.get("/dashboard/capital")
    assert page.status_code == 200
    assert "Camille Roux" in page.text and "gestionnaire" in page.text
    assert "Personnes" in page.text  # a manager's navigation
    out = web.post("/sign-out", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert out.status_code == 303
    assert web.get("/dashboard/capital", follow_redirects=False).status_code in (303, 401)


def test_a_session_ends_at_sign_out_on_the_server_too(
    app: FastAPI, service: Service, coop: Coop
) -> None:
    web = password_signed_in(app, "camille@example.org")
    kept = web.cookies.get("scic_session")
    web.post("/sign-out", data={"csrf": csrf_of(web.get("/dashboard/capital").text)})
    replay = TestClient(app, base_url="https://testserver", cookies={"scic_session": kept})
    again = replay.get("/dashboard/capital", follow_redirects=False)
    assert again.status_code == 401 and "session a pris fin" in message(again.text)
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(user_sessions.c.ended_at)).scalar_one() is not None


def test_wrong_password_and_unknown_email_say_the_same(app: FastAPI, coop: Coop) -> None:
    web = TestClient(app, base_url="https://testserver")
    wrong = sign_in(web, "camille@example.org", "not the password at all")
    unknown = sign_in(web, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert (
        message(wrong.text)
        == message(unknown.text)
        == ("Adresse e-mail ou mot de passe incorrect.")
    )
    assert "scic_session=ses_" not in wrong.headers.get("set-cookie", "")


def test_failed_sign_ins_are_throttled_per_address_and_email(service: Service, coop: Coop) -> None:
    now = [0.0]
    app = create_app(service, auth_limiter=FailureLimiter(limit=3, window=60, clock=lambda: now[0]))
    web = TestClient(app, base_url="https://testserver")
    for _ in range(3):
        assert sign_in(web, "camille@example.org", "a wrong password here").status_code == 401
    locked = sign_in(web, "camille@example.org", PASSWORD)  # even the right one: no answer
    assert locked.status_code == 429 and locked.headers["retry-after"] == "60"
    assert "essais de connexion" in locked.text
    assert sign_in(web, "other@example.org", "whatever it is here").status_code == 401
    now[0] = 61.0
    assert sign_in(web, "camille@example.org", PASSWORD).status_code == 303


def invite(web: TestClient, **fields: str) -> httpx.Response:
    form = web.get("/dashboard/people/new")
    assert form.status_code == 200, form.text
    return web.post(
        "/dashboard/people", data={"csrf": csrf_of(form.text), **fields}, follow_redirects=False
    )


def link_of(html: str) -> str:
    found = re.search(
        r'id="invitation-link"[^>]*value="https://testserver(/invitations/[^"]+)"', html
    )
    assert found, "no invitation link on the page"
    return found[1]


def test_a_manager_invites_an_accountant_who_sets_a_password(
    app: FastAPI, service: Service, clock: SteppingClock, coop: Coop
) -> None:
    manager = password_signed_in(app, "camille@example.org")
    made = invite(manager, email="dominique@example.org", name="Dominique Petit", role="accountant")
    assert made.status_code == 201, made.text
    assert "Dominique Petit" in made.text and "comptable" in made.text
    link = link_of(made.text)
    people = manager.get("/dashboard/people").text
    assert "dominique@example.org" in people  # pending

    invitee = TestClient(app, base_url="https://testserver")
    form = invitee.get(link)
    assert form.status_code == 200 and "comptable" in form.text
    csrf = csrf_of(form.text)
    for password, confirmation, says in (
        ("court", "court", "au moins 12 caractères"),
        ("azertyuiop123", "azertyuiop123", "mots de passe courants"),
        ("une bonne phrase de passe", "une autre phrase de passe", "diffèrent"),
    ):
        refused = invitee.post(
            link,
            data={
                "csrf": csrf,
                "name": "Dominique",
                "password": password,
                "confirmation": confirmation,
            },
            follow_redirects=False,
        )
        assert refused.status_code == 422 and says in refused.text, refused.text
    accepted = invitee.post(
        link,
        data={
            "csrf": csrf,
            "name": "Dominique Petit",
            "password": "une bonne phrase de passe",
            "confirmation": "une bonne phrase de passe",
        },
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    page = invitee.get("/dashboard/capital")
    assert ">Dominique Petit</a> — comptable" in page.text
    assert "Personnes" not in page.text  # an accountant manages nobody
    assert invitee.get("/dashboard/people").status_code == 403

    reused = TestClient(app, base_url="https://testserver").get(link)
    assert reused.status_code == 410 and "déjà servi" in reused.text
    again = password_signed_in(app, "dominique@example.org", "une bonne phrase de passe")
    assert again.get("/dashboard/events").status_code == 200


def test_an_expired_invitation_says_so(app: FastAPI, clock: SteppingClock, coop: Coop) -> None:
    manager = password_signed_in(app, "camille@example.org")
    link = link_of(invite(manager, email="late@example.org", role="accountant").text)
    clock.advance(days=7, seconds=1)
    late = TestClient(app, base_url="https://testserver")
    answer = late.get(link)
    assert answer.status_code == 410 and "a expiré le" in answer.text
    posted = late.post(
        link,
        data={
            "csrf": csrf_of(answer.text),
            "password": "une bonne phrase de passe",
            "confirmation": "une bonne phrase de passe",
        },
    )
    assert posted.status_code == 410
    unknown = late.get(link[:-4] + "AAAA")
    assert unknown.status_code == 410 and "pas reconnu" in unknown.text


def test_member_and_funder_invitations_name_who_they_speak_for(
    app: FastAPI, service: Service, coop: Coop
) -> None:
    manager = password_signed_in(app, "camille@example.org")
    form = manager.get("/dashboard/people/new").text
    assert "Alice Martin" in form and "Région Normandie" in form  # chosen by name
    missing = invite(manager, email="alice@example.org", role="member")
    assert missing.status_code == 422 and "Choisissez l&#39;associé" in missing.text
    bad = invite(manager, email="not an address", role="accountant")
    assert bad.status_code == 422 and "adresse e-mail" in bad.text
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(invitations)).scalar() == 0
    for email, fields in (
        ("alice@example.org", {"role": "member", "member_id": coop.alice}),
        ("region@example.org", {"role": "funder", "funder_id": coop.funder}),
    ):
        link = link_of(invite(manager, email=email, **fields).text)
        person = TestClient(app, base_url="https://testserver")
        csrf = csrf_of(person.get(link).text)
        done = person.post(
            link,
            data={
                "csrf": csrf,
                "name": email,
                "password": "une bonne phrase de passe",
                "confirmation": "une bonne phrase de passe",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        if fields["role"] == "member":
            assert person.get(f"/dashboard/members/{coop.alice}").status_code == 200
            assert person.get("/dashboard/members").status_code in (200, 403)
            assert person.get("/dashboard/events").status_code == 403
        else:
            grants = person.get("/dashboard/grants")
            assert grants.status_code == 200 and "Région Normandie" in grants.text
            assert person.get("/dashboard/members").status_code == 403


def test_forms_without_their_csrf_token_record_nothing(
    app: FastAPI, service: Service, coop: Coop
) -> None:
    manager = password_signed_in(app, "camille@example.org")
    csrf = csrf_of(manager.get("/dashboard/people/new").text)
    fields = {"email": "eve@example.org", "role": "accountant"}
    for data, headers in (
        (fields, {}),
        ({**fields, "csrf": "forged"}, {}),
        ({**fields, "csrf": csrf}, {"Origin": "https://evil.example"}),
    ):
        refused = manager.post("/dashboard/people", data=data, headers=headers)
        assert refused.status_code == 403 and "Formulaire refusé" in refused.text
    revoke = manager.post(f"/dashboard/people/{coop.manager}/revoke", data={"csrf": "forged"})
    assert revoke.status_code == 403
    with service.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(invitations)).scalar() == 0
        assert conn.execute(sa.select(user_roles.c.revoked_at)).scalar() is None


def test_managers_change_roles_and_revoke_access_at_once(
    app: FastAPI, service: Service, coop: Coop
) -> None:
    other = make_account(service, "sam@example.org", "accountant", coop.id, name="Sam Blanc")
    sam = password_signed_in(app, "sam@example.org")
    assert sam.get("/dashboard/events").status_code == 200
    manager = password_signed_in(app, "camille@example.org")
    csrf = csrf_of(manager.get("/dashboard/people").text)
    changed = manager.post(
        f"/dashboard/people/{other}/role",
        data={"csrf": csrf, "role": "manager"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert "Personnes" in sam.get("/dashboard/capital").text  # a manager now
    last = manager.post(
        f"/dashboard/people/{coop.manager}/role",
        data={"csrf": csrf, "role": "accountant"},
        follow_redirects=False,
    )
    assert last.status_code == 303  # Sam is a manager too: Camille may step down
    assert manager.get("/dashboard/people").status_code == 403
    sam_csrf = csrf_of(sam.get("/dashboard/people").text)
    keep = sam.post(
        f"/dashboard/people/{other}/role", data={"csrf": sam_csrf, "role": "accountant"}
    )
    assert keep.status_code == 422 and "dernier gestionnaire" in keep.text
    revoked = sam.post(
        f"/dashboard/people/{coop.manager}/revoke", data={"csrf": sam_csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    gone = manager.get("/dashboard/capital", follow_redirects=False)
    assert gone.status_code == 401 and "plus accès" in message(gone.text)


def test_erasing_a_member_closes_the_account_that_speaks_for_it(
    app: FastAPI, client: TestClient, service: Service, coop: Coop
) -> None:
    from scic.projections.tables import members

    make_account(service, "alice@example.org", "member", coop.id, member=coop.alice)
    both = make_account(service, "bea@example.org", "member", coop.id, member=coop.alice)
    make_account(service, "bea@example.org", "accountant", create_coop(client))
    alice = password_signed_in(app, "alice@example.org")
    assert alice.get(f"/dashboard/members/{coop.alice}").status_code == 200
    with service.engine.connect() as conn:
        party = conn.execute(
            sa.select(members.c.party_id).where(members.c.member_id == coop.alice)
        ).scalar_one()
    erased = client.post(f"/v1/coops/{coop.id}/parties/{party}/erasure", json={"reason": "RGPD"})
    assert erased.status_code == 201, erased.text
    # the session ends at once, and the password opens nothing any more
    gone = alice.get(f"/dashboard/members/{coop.alice}", follow_redirects=False)
    assert gone.status_code == 401
    assert (
        sign_in(
            TestClient(app, base_url="https://testserver"), "alice@example.org", PASSWORD
        ).status_code
        == 401
    )
    # an account with a role elsewhere keeps that role only
    with service.engine.connect() as conn:
        roles = conn.execute(
            sa.select(user_roles.c.coop_id, user_roles.c.revoked_at).where(
                user_roles.c.user_id == both
            )
        ).all()
    assert sorted(r.revoked_at is None for r in roles) == [False, True]
    bea = sign_in(TestClient(app, base_url="https://testserver"), "bea@example.org", PASSWORD)
    assert bea.status_code == 303


def test_an_account_of_several_cooperatives_chooses_one(
    app: FastAPI, client: TestClient, service: Service, coop: Coop
) -> None:
    second = create_coop(client, name="Seconde SCIC")
    make_account(service, "camille@example.org", "accountant", second)
    web = password_signed_in(app, "camille@example.org")
    choose = web.get("/dashboard", follow_redirects=False)
    assert choose.headers["location"] == "/cooperatives"
    page = web.get("/cooperatives").text
    assert "Seconde SCIC" in page
    chosen = web.post(
        "/cooperatives", data={"csrf": csrf_of(page), "coop_id": second}, follow_redirects=False
    )
    assert chosen.headers["location"] == "/dashboard"
    capital = web.get("/dashboard/capital").text
    assert "Seconde SCIC" in capital and "comptable" in capital
    refused = web.post(
        "/cooperatives",
        data={"csrf": csrf_of(page), "coop_id": "coop_nope"},
        follow_redirects=False,
    )
    assert refused.headers["location"] == "/cooperatives"


def test_the_language_switch_turns_pages_to_english(app: FastAPI, coop: Coop) -> None:
    web = password_signed_in(app, "camille@example.org")
    page = web.get("/dashboard/people")
    switched = web.post(
        "/language",
        data={"csrf": csrf_of(page.text), "lang": "en", "next": "/dashboard/people"},
        follow_redirects=False,
    )
    assert switched.status_code == 303 and switched.headers["location"] == "/dashboard/people"
    english = web.get("/dashboard/people").text
    assert '<html lang="en">' in english and "People with access" in english
    elsewhere = web.post(
        "/language",
        data={"csrf": csrf_of(english), "lang": "fr", "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"
    assert '<html lang="fr">' in web.get("/dashboard/people").text


def test_events_name_who_recorded_them_never_an_id(
    app: FastAPI, service: Service, coop: Coop
) -> None:
    """What a page records carries its viewer's actor (`user:<id>`); the events page
    shows the person's name, and a token's party or role, never the ids."""
    from scic.domain.members import AdmitMember
    from scic.web.session import viewer
    from scic.write.commands import COMMANDS
    from scic.write.pipeline import Context, execute

    web = password_signed_in(app, "camille@example.org")
    from starlette.requests import Request

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/dashboard/capital",
        "headers": [(b"cookie", f"scic_session={web.cookies['scic_session']}".encode())],
        "app": app,
        "query_string": b"",
    }
    seen = viewer(Request(scope), service)
    assert seen.actor == f"user:{coop.manager}"
    body = AdmitMember(name="Bruno Martin", kind="person", category="usagers")
    with service.store.write() as session:
        execute(
            session,
            Context(coop.id, actor=seen.actor, today=service.today()),
            COMMANDS["members"],
            body,
        )
    events = web.get("/dashboard/events").text
    rows = re.findall(r"<tr><td class=\"num\">.*?</tr>", events, re.S)
    assert "Camille Roux" in rows[0]  # the latest: admitted from a page
    assert coop.manager not in events and "token:" not in events and "user:" not in events
    assert "jeton administrateur" in events  # the test's admin token set the cooperative up
