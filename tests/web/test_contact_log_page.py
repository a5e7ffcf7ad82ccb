"""The member page shows managers each correction of the member's contact details: when,
by whom, which detail, what it replaced and what it became; erased values stay erased;
the member itself and other roles do not see the log (as `GET …/contact-changes`)."""

from __future__ import annotations

import html
import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from scic.service import Service
from tests.api.conftest import bearer, create_coop, issue_token
from tests.web.conftest import signed_in


def _rows(page: str) -> list[list[str]]:
    table = re.search(r'<table class="figures" id="contact-log">(.*?)</table>', page, re.S)
    assert table, "no contact log on the page"
    body = table[1].split("<tbody>", 1)[1]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(
            r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]  # fmt: skip


def test_managers_see_who_corrected_what_and_the_value_it_replaced(
    app: FastAPI, service: Service, client: TestClient
) -> None:
    coop = create_coop(client)
    admitted = client.post(
        f"/v1/coops/{coop}/members",
        json={"name": "Anne Martinn", "kind": "person", "category": "usagers",
              "admitted_on": "2019-03-01"},
    ).json()  # fmt: skip
    url = f"/v1/coops/{coop}/members/{admitted['id']}"
    manager = issue_token(service, "manager", coop, label="Claire (gestion)")
    with TestClient(app, headers=bearer(manager.secret)) as api:
        assert api.patch(f"{url}/contact", json={"name": "Anne Martin"}).status_code == 200
    member = issue_token(service, "member", coop, admitted["party_id"])
    with TestClient(app, headers=bearer(member.secret)) as own:
        changed = own.patch(f"{url}/contact", json={"phone": "06 12 34 56 78"})
        assert changed.status_code == 200, changed.text

    page = signed_in(app, manager.secret).get(f"/dashboard/members/{admitted['id']}")

    assert page.status_code == 200, page.text
    rows = _rows(page.text)
    assert [row[2:] for row in rows] == [
        ["Nom", "Anne Martinn", "Anne Martin"],
        ["Téléphone", "—", "06 12 34 56 78"],
    ]
    assert "Claire (gestion)" in rows[0][1]
    assert "Anne Martin" in rows[1][1]  # the member, through its own token
    assert all(re.search(r"\d{2}/\d{2}/\d{4}", row[0]) for row in rows), rows
    # the member sees its own page without the log, as the API refuses it the log
    own_page = signed_in(app, member.secret).get(f"/dashboard/members/{admitted['id']}")
    assert own_page.status_code == 200 and 'id="contact-log"' not in own_page.text
    accountant = signed_in(app, issue_token(service, "accountant", coop).secret)
    assert 'id="contact-log"' not in accountant.get(f"/dashboard/members/{admitted['id']}").text
    # erased with the party: the values go, the log says so
    erased = client.post(
        f"/v1/coops/{coop}/parties/{admitted['party_id']}/erasure", json={"reason": "RGPD"}
    )
    assert erased.status_code == 201, erased.text
    page = signed_in(app, manager.secret).get(f"/dashboard/members/{admitted['id']}")
    assert [row[2:] for row in _rows(page.text)] == [
        ["Nom", "effacé (droit à l'effacement)"],
        ["Téléphone", "effacé (droit à l'effacement)"],
    ]
    assert "Martinn" not in page.text
