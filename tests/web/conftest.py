"""Fixtures for the dashboard: an in-process client for the pages, and for the browser
tests a real uvicorn server on 127.0.0.1 (a free port) over the seeded demo cooperative,
driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient

from scic.access import tokens
from scic.access.tokens import Issued
from scic.api.app import create_app
from scic.demo import seed_demo
from scic.projections.tables import coops, funders, members
from scic.service import Service, open_service
from tests.api import conftest as api_fixtures
from tests.conftest import BACKEND, DatabaseFactory, SteppingClock

# the API tests' fixtures: a service on a fresh database (stepping clock), its app and
# an admin client
clock, service, app = api_fixtures.clock, api_fixtures.service, api_fixtures.app
client = api_fixtures.client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # without these Chromium phones home, and this machine's closed network refuses it
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SCIC_SCREENSHOTS", ROOT / "test-artefacts" / "screenshots"))
LOCAL_HOSTS = {"127.0.0.1"}


def signed_in(app: Any, token: str) -> TestClient:
    """A page client that went through the sign-in form with `token`. https: the
    cookies are Secure, and the test client (unlike a browser on 127.0.0.1) only sends
    those over https."""
    web = TestClient(app, base_url="https://testserver")
    form = web.get("/sign-in")
    response = web.post(
        "/sign-in", data={"csrf": csrf_of(form.text), "token": token}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return web


PASSWORD = "une phrase de passe assez longue"


def make_account(
    service: Service,
    email: str,
    role: str | None = None,
    coop: str | None = None,
    *,
    member: str | None = None,
    funder: str | None = None,
    name: str = "",
    password: str = PASSWORD,
) -> str:
    """An account written straight into the test database (as `scic user create` does):
    an administrator without `coop`, else `role` in `coop`. Its id."""
    from scic.access.tokens import Speaker
    from scic.accounts import users

    with service.engine.begin() as conn:
        now = service.store.clock()
        found = users.find(conn, email)
        user_id = (
            str(found.user_id)
            if found is not None
            else users.create(
                conn,
                email=email,
                name=name or email.split("@")[0],
                password=password,
                now=now,
                by="test",
                is_admin=coop is None,
            )
        )
        if coop is not None:
            assert role is not None
            speaker = Speaker(member_id=member, funder_id=funder)
            users.grant(conn, user_id, coop_id=coop, role=role, speaker=speaker, now=now, by="test")
    return user_id


def password_signed_in(app: Any, email: str, password: str = PASSWORD) -> TestClient:
    """A page client signed in through the form with an e-mail and a password."""
    web = TestClient(app, base_url="https://testserver")
    form = web.get("/sign-in")
    response = web.post(
        "/sign-in",
        data={"csrf": csrf_of(form.text), "email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return web


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field in the page"
    return match[1]


# -- the live server -------------------------------------------------------------------


@dataclass
class Live:
    """The server, its cooperative, and one token per role."""

    base_url: str
    service: Service
    clock: SteppingClock
    coop_id: str
    tokens: dict[str, str] = field(default_factory=dict)
    party_ids: dict[str, str] = field(default_factory=dict)

    def api(self, role: str, tail: str, **params: str) -> Any:
        """The JSON API's answer, for comparing with what a page shows."""
        response = httpx.get(
            f"{self.base_url}/v1/coops/{self.coop_id}{tail}",
            params=params,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
        )
        assert response.status_code == 200, response.text
        return response.json()

    def token(self, role: str, party: str | None = None, **options: Any) -> Issued:
        with self.service.engine.begin() as conn:
            return tokens.issue(
                conn,
                role=role,
                now=self.clock(),
                coop_id=self.coop_id,
                party_id=party,
                created_by="test",
                **options,
            )


def _free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # the kernel picks a free port
    return sock


@pytest.fixture(scope="module")
def live(databases: DatabaseFactory) -> Iterator[Live]:
    url = databases.fresh()
    clock = SteppingClock(datetime.now(UTC).replace(microsecond=0))
    service = open_service(url, clock=clock)
    seed_demo(service)
    with service.engine.connect() as conn:
        coop_id = conn.execute(sa.select(coops.c.coop_id)).scalar_one()
        member_party = (
            conn.execute(
                sa.select(members.c.party_id)
                .where(members.c.coop_id == coop_id)
                .order_by(members.c.admitted_on, members.c.member_id)
            )
            .scalars()
            .first()
        )
        funder_party = (
            conn.execute(
                sa.select(funders.c.party_id)
                .where(funders.c.coop_id == coop_id, funders.c.type == "state")
                .order_by(funders.c.funder_id)
            )
            .scalars()
            .first()
        )
    sock = _free_socket()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(service), log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    live = Live(f"http://127.0.0.1:{port}", service, clock, coop_id)
    for role, party in (
        ("manager", None),
        ("accountant", None),
        ("funder", funder_party),
        ("member", member_party),
    ):
        live.tokens[role] = live.token(role, party).secret
        if party:
            live.party_ids[role] = party
    yield live
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    service.close()
    databases.drop(url)


# -- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session. Missing, it fails (never skips):
    `.ci/system-deps` installs it."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run .ci/system-deps (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Outgoing:
    """Every URL the pages sent to the network, those that would have left 127.0.0.1
    (refused), and every response received."""

    seen: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    answered: list[str] = field(default_factory=list)


@pytest.fixture
def outgoing() -> Outgoing:
    return Outgoing()


@pytest.fixture
def context(browser: Any, live: Live, outgoing: Outgoing) -> Iterator[Any]:
    """A fresh browser profile (no cookies) that refuses, and records, any request to a
    host other than 127.0.0.1; the test fails if one was attempted."""
    context = browser.new_context(
        base_url=live.base_url, viewport={"width": 1280, "height": 900}, locale="fr-FR"
    )

    def guard(route: Any) -> None:
        url = route.request.url
        outgoing.seen.append(url)
        if urlsplit(url).hostname not in LOCAL_HOSTS and not url.startswith(("data:", "blob:")):
            outgoing.refused.append(url)
            route.abort()
        else:
            route.continue_()

    # every request that goes to the network passes `guard` (one the page's
    # Content-Security-Policy blocks never does: the browser stops it before)
    context.route("**/*", guard)
    context.on("response", lambda response: outgoing.answered.append(response.url))
    yield context
    context.close()
    assert not outgoing.refused, f"requests tried to leave 127.0.0.1: {outgoing.refused}"
    hosts = {
        urlsplit(u).hostname for u in outgoing.answered if not u.startswith(("data:", "blob:"))
    }
    assert hosts <= LOCAL_HOSTS, f"answers from other hosts: {hosts - LOCAL_HOSTS}"


class Shots:
    """Screenshots of a page at desktop and phone width, under test-artefacts/ (ignored
    by git), one folder per database backend."""

    SIZES = {"desktop": (1280, 900), "phone": (390, 844)}

    def __init__(self) -> None:
        self.folder = SCREENSHOTS / BACKEND
        self.folder.mkdir(parents=True, exist_ok=True)

    def take(self, page: Any, name: str) -> None:
        for size, (width, height) in self.SIZES.items():
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(self.folder / f"{name}-{size}.png"), full_page=True)
            # usable at phone width: nothing wider than the screen but scrolling tables
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 1, f"{name} overflows the {size} width by {overflow}px"
        page.set_viewport_size({"width": 1280, "height": 900})


@pytest.fixture(scope="session")
def shots() -> Shots:
    return Shots()


def sign_in(page: Any, token: str) -> None:
    """Sign in with an API token: it is under "Se connecter avec un jeton d'API"."""
    page.goto("/sign-in")
    page.get_by_text("Se connecter avec un jeton d'API").click()
    page.get_by_label("Jeton d'accès à l'API").fill(token)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter avec le jeton").click()


MEMBER_EMAIL = "associe@example.org"


def member_account(live: Live) -> str:
    """An account (e-mail, PASSWORD) for the demo member the live member token speaks
    for, made as `scic user create --role member --member …` makes it; its e-mail."""
    with live.service.engine.connect() as conn:
        own = conn.execute(
            sa.select(members.c.member_id).where(members.c.party_id == live.party_ids["member"])
        ).scalar_one()
    make_account(live.service, MEMBER_EMAIL, "member", live.coop_id, member=own)
    return MEMBER_EMAIL


def sign_in_with_password(page: Any, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter", exact=True).click()


ONE_DAY = timedelta(days=1)
