"""Pages in people's words: compliance findings as French sentences with percentages,
event types, movements, categories and colleges by name, the cooperative's name in
every role's header — and the same pages in English on request."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import admit, create_coop, subscribe
from tests.web.conftest import csrf_of, make_account, password_signed_in


@pytest.fixture
def coop(client: TestClient) -> dict[str, str]:
    coop = create_coop(client)
    alice = admit(client, coop, "Alice Martin", "salaries")
    town = admit(client, coop, "Commune de Vallon", "collectivites", kind="organisation")
    subscribe(client, coop, alice, 10, "500.00")
    subscribe(client, coop, town, 4, "200.00")
    return {"id": coop, "alice": alice}


def english(web: TestClient, path: str) -> str:
    page = web.get(path)
    web.post("/language", data={"csrf": csrf_of(page.text), "lang": "en", "next": path})
    return web.get(path).text


def test_compliance_speaks_in_sentences_with_percentages(
    app: FastAPI, service: Service, coop: dict[str, str]
) -> None:
    make_account(service, "claire@example.org", "manager", coop["id"])
    web = password_signed_in(app, "claire@example.org")
    text = web.get("/dashboard/compliance").text
    assert re.search(
        r"Les collectivités publiques détiennent 28,57\s%\sdu capital \(plafond 50\s%\)", text
    ), text
    assert "R3 — plafond de capital des collectivités publiques" in text
    assert "0.2857" not in text and "local public bodies" not in text
    assert "Salariés, Collectivités" in text or "Collectivités, Salariés" in text  # names
    assert "Local public bodies hold 28.57% of the capital (cap 50%)" in english(
        web, "/dashboard/compliance"
    )


def test_events_members_and_headers_show_names_not_codes(
    app: FastAPI, service: Service, coop: dict[str, str]
) -> None:
    make_account(service, "claire@example.org", "manager", coop["id"])
    web = password_signed_in(app, "claire@example.org")
    events = web.get("/dashboard/events").text
    assert "Souscription de parts" in events and "Associé admis" in events
    assert "SharesSubscribed" not in events and "MemberAdmitted" not in events
    member = web.get(f"/dashboard/members/{coop['alice']}").text
    assert "Salariés" in member and ">salaries<" not in member
    assert ">souscription<" in member and ">subscription<" not in member
    listing = web.get("/dashboard/members").text
    assert "Collectivités" in listing and ">collectivites<" not in listing
    assert "Share subscription" in english(web, "/dashboard/events")

    make_account(service, "alice@example.org", "member", coop["id"], member=coop["alice"])
    own = password_signed_in(app, "alice@example.org").get(f"/dashboard/members/{coop['alice']}")
    assert "La Fabrique du Coin" in own.text and coop["id"] not in own.text
